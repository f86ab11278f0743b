"""Prefect flows: each carries out one transition batch and its side effects."""

from config import collector, prefect_env

prefect_env.apply()
collector.tune()  # workers, the scheduler and the CLI run their flows in this process
