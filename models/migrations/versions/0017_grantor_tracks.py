"""a dossier's part proposed to a higher grantor (the Giám đốc Sở, the Chủ tịch UBND tỉnh) travels that
grantor's track: dossier.grantor and dossier.parent_id; one dossier per phase, school and grantor

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 08:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

# The unnamed UNIQUE(phase_id, school_id) of 0001 is found by a naming convention; SQLite rebuilds the table
# (with foreign keys off, checked before commit: models.db.migrating).
CONVENTION = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == 'sqlite'
    with op.batch_alter_table('dossier', naming_convention=CONVENTION if sqlite else None,
                              recreate='always' if sqlite else 'auto') as batch:
        batch.add_column(sa.Column('grantor', sa.String(length=40), nullable=False, server_default=''))
        batch.add_column(sa.Column('parent_id', sa.Integer(), nullable=True))
        batch.create_foreign_key('fk_dossier_parent_id_dossier', 'dossier', ['parent_id'], ['id'])
        batch.drop_constraint('uq_dossier_phase_id' if sqlite else 'dossier_phase_id_school_id_key', type_='unique')
        batch.create_unique_constraint('uq_dossier_phase_school_grantor', ['phase_id', 'school_id', 'grantor'])


def downgrade() -> None:
    """Refused by the database while a school has a grantor's part of a dossier (two rows per phase and school)."""
    sqlite = op.get_bind().dialect.name == 'sqlite'
    with op.batch_alter_table('dossier', recreate='always' if sqlite else 'auto') as batch:
        batch.drop_constraint('uq_dossier_phase_school_grantor', type_='unique')
        batch.create_unique_constraint('uq_dossier_phase_id' if sqlite else 'dossier_phase_id_school_id_key',
                                       ['phase_id', 'school_id'])
        batch.drop_constraint('fk_dossier_parent_id_dossier', type_='foreignkey')
        batch.drop_column('parent_id')
        batch.drop_column('grantor')
