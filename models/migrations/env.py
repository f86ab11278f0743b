"""Alembic environment: migrates the connection handed over by models.db.migrate, or TDKT_DATABASE_URL."""

from alembic import context
from sqlmodel import SQLModel

import models  # noqa: F401  (registers every table)
from models.db import get_engine, migrating

target_metadata = SQLModel.metadata


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        with migrating(get_engine()) as own:
            _migrate(own)
    else:
        _migrate(connection)


def _ours(obj, name, type_, reflected, compare_to) -> bool:  # type: ignore[no-untyped-def]
    """APScheduler keeps its own table (apscheduler_jobs) in our database; migrations leave it alone."""
    return not (type_ == "table" and name == "apscheduler_jobs")


def _migrate(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True,
                      include_object=_ours)
    with context.begin_transaction():
        context.run_migrations()


run()
