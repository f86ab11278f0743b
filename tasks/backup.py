"""Task: the scheduled backup of the database and the papers (tdkt.services.backup)."""

from __future__ import annotations

from prefect import task

from config.settings import get_settings
from tasks.retry import RETRIED
from tdkt.services.backup import rotate


@task(name="backup", **RETRIED)
def write_backup() -> str:
    """A new archive in TDKT_BACKUP_DIR, keeping the TDKT_BACKUP_KEEP newest; returns its path."""
    settings = get_settings()
    assert settings.backup_dir is not None
    return str(rotate(settings.backup_dir, keep=settings.backup_keep))
