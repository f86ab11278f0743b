"""Prefect defaults for tdkt, set before Prefect is first imported (a user's own environment wins)."""

import logging
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
    # the server records a task run from the events its client sends, each event in a transaction of its own
    # by default; in batches, written at least every 2 s, a flow run costs the server a third less CPU and the
    # run history lags by at most those 2 s
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE": "100",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_FLUSH_INTERVAL": "2",
}


QUIET = ("EventsWorker",)  # says "Still processing items: N items remaining…" (English) while it sends a
# process's last run events as it exits, after tdkt's own Vietnamese output; the events are still sent


def apply() -> None:
    for key, value in DEFAULTS.items():
        os.environ.setdefault(key, value)
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.ERROR)
