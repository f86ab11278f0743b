"""decision numbers restart each calendar year (Nghị định 30/2020): unique per issuer and year, not for ever

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 07:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

# The unnamed UNIQUE(number) of 0001 is found by a naming convention. SQLite rebuilds the table, with foreign
# keys off (models.db.migrate checks them before committing).
CONVENTION = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == 'sqlite'
    op.add_column('decision', sa.Column('year', sa.Integer(), nullable=True))
    op.execute("UPDATE decision SET year = CAST(strftime('%Y', signed_on) AS INTEGER)" if sqlite
               else "UPDATE decision SET year = EXTRACT(YEAR FROM signed_on)")
    if sqlite:
        with op.batch_alter_table('decision', naming_convention=CONVENTION, recreate='always') as batch:
            batch.drop_constraint('uq_decision_number', type_='unique')
            batch.alter_column('year', existing_type=sa.Integer(), nullable=False)
            batch.create_unique_constraint('uq_decision_issuer_year_number', ['issuer_unit_id', 'year', 'number'])
        return
    op.drop_constraint('decision_number_key', 'decision', type_='unique')
    op.alter_column('decision', 'year', existing_type=sa.Integer(), nullable=False)
    op.create_unique_constraint('uq_decision_issuer_year_number', 'decision', ['issuer_unit_id', 'year', 'number'])


def downgrade() -> None:
    """Refused by the database when a number was used again in another year (then it cannot go back)."""
    if op.get_bind().dialect.name == 'sqlite':
        with op.batch_alter_table('decision', recreate='always') as batch:
            batch.drop_constraint('uq_decision_issuer_year_number', type_='unique')
            batch.create_unique_constraint('uq_decision_number', ['number'])
            batch.drop_column('year')
        return
    op.drop_constraint('uq_decision_issuer_year_number', 'decision', type_='unique')
    op.create_unique_constraint('decision_number_key', 'decision', ['number'])
    op.drop_column('decision', 'year')
