"""Prefect defaults for tdkt, set before Prefect is first imported (a user's own environment wins)."""

import os

DEFAULTS = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",  # its telemetry caused "database is locked" on SQLite
    "DO_NOT_TRACK": "1",
    "PREFECT_LOGGING_LEVEL": "WARNING",
    "PREFECT_SERVER_LOGGING_LEVEL": "WARNING",
    # tdkt defines no automations (its decisions live in its own database): the embedded server need not match
    # every event of every run against them
    "PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED": "false",
    # the embedded server migrates a new database before it answers: on a slow stretch of a 2-core machine
    # that took longer than Prefect's 20 s, and the benchmark stopped before it began
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
}


def apply() -> None:
    for key, value in DEFAULTS.items():
        os.environ.setdefault(key, value)
