"""`tdkt init` upgrades a database of any earlier release: a routed phase (votes, a return, a rejection, papers,
the decision, the audit trail) is taken down to the first revision, every migration undone in turn with its data
in place, then up again to the newest, each migration run on rows; the dossiers, their nominations and the
decision are all there after, the audit chain verifies (chained again with this deployment's key) and the
phase tally equals a recount."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlmodel import Session
from typer.testing import CliRunner

from config.route import default_route
from models.audit import verify
from models.db import MIGRATIONS_DIR, dispose_engines
from models.tally import recount, stored
from tdkt.cli import app
from tests.workflow.test_tally import _route_a_phase

KEPT = ("dossier", "nomination", "nominee", "auditevent", "decision", "decisionentry", "councilvote", "votetally",
        "actionlink", "outboxmessage")


def _counts(session: Session) -> dict[str, int]:
    return {table: session.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() for table in KEPT}


def test_every_migration_runs_down_and_up_on_a_routed_phase(session: Session, db_url: str) -> None:
    district, _ = _route_a_phase(session)
    before = _counts(session)
    assert before["decision"] == 2 and before["auditevent"] > 10
    session.close()
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    revisions = [r.revision for r in ScriptDirectory.from_config(config).walk_revisions()]  # newest first
    for older in revisions[1:]:
        command.downgrade(config, older)  # one step at a time, each on the rows the phase left
    dispose_engines()
    done = CliRunner().invoke(app, ["init"], env={"COLUMNS": "200"})  # as an office upgrades: tdkt init
    assert done.exit_code == 0, done.output
    with Session(session.get_bind()) as after:
        assert _counts(after) == before
        assert verify(after) == []
        assert stored(after, phase_id=district.phase_id) == recount(after, start=default_route().start,
                                                                   phase_id=district.phase_id)
        assert after.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == revisions[0]
