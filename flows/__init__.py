"""Prefect flows: each carries out one transition batch and its side effects."""

from config import prefect_env

prefect_env.apply()
