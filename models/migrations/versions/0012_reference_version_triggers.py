"""reference version moved by the database: triggers on the reference tables, so that a change made with SQL by
hand (psql, another tool) also tells every process to drop the reference rows it keeps (models/cache.py)

PostgreSQL: a deferred constraint trigger per table moves the version once per transaction, at commit, as the
application did (the version row's lock is taken last, after every other lock of the transaction, so it cannot
close a deadlock); a statement trigger does the same for TRUNCATE. SQLite has neither deferral nor a
transaction-local flag: a trigger per row and kind of write moves it at once (SQLite has one writer at a time).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-24 11:30:00
"""

from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

BUMP = "UPDATE referenceversion SET version = version + 1 WHERE id = 1"
PG_FUNCTION = f"""
CREATE FUNCTION tdkt_reference_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('tdkt.reference_changed', true) IS DISTINCT FROM 'on' THEN
        {BUMP};
        PERFORM set_config('tdkt.reference_changed', 'on', true);  -- true: until this transaction ends
    END IF;
    RETURN NULL;
END $$
"""
WRITES = ("INSERT", "UPDATE", "DELETE")
TABLES = ("campaign", "delegation", "person", "phase", "phasequota", "stagedeadline", "unit")  # models.cache


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        for table in TABLES:
            op.execute(f"CREATE CONSTRAINT TRIGGER reference_changed AFTER INSERT OR UPDATE OR DELETE ON {table} "
                       "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION tdkt_reference_changed()")
            op.execute(f"CREATE TRIGGER reference_truncated AFTER TRUNCATE ON {table} "
                       "FOR EACH STATEMENT EXECUTE FUNCTION tdkt_reference_changed()")
        return
    for table in TABLES:
        for write in WRITES:
            op.execute(f"CREATE TRIGGER reference_{write.lower()}_{table} AFTER {write} ON {table} "
                       f"BEGIN {BUMP}; END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS reference_changed ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS reference_truncated ON {table}")
        op.execute("DROP FUNCTION IF EXISTS tdkt_reference_changed()")
        return
    for table in TABLES:
        for write in WRITES:
            op.execute(f"DROP TRIGGER IF EXISTS reference_{write.lower()}_{table}")
