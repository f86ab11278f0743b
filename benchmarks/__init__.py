"""Benchmarks: a province-scale season (make bench) and its small version run by the tests."""
