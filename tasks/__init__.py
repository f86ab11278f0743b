"""Prefect tasks: thin, retried on passing faults, calling the service layer."""

from config import prefect_env

prefect_env.apply()
