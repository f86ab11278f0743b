"""the school year: a campaign's year-end phase (yearly titles) and the plan's signer, and a nominee's identity
(ngày sinh, mã định danh, ngày tuyển dụng) and a nomination's discipline, which the rule sets' conditions read

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 06:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


# Plain ALTER TABLE on both databases (as 0013): a batch operation would copy tables other rows refer to.


def upgrade() -> None:
    op.add_column('phase', sa.Column('year_end', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column('campaign', sa.Column('signer', sa.String(length=200), nullable=False, server_default=''))
    op.add_column('nominee', sa.Column('birth_date', sa.Date(), nullable=True))
    op.add_column('nominee', sa.Column('identity_code', sa.String(length=20), nullable=True))
    op.add_column('nominee', sa.Column('recruited_on', sa.Date(), nullable=True))
    op.create_index('ix_nominee_identity_code', 'nominee', ['identity_code'], unique=True)
    op.add_column('nomination', sa.Column('disciplined', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    op.drop_index('ix_nominee_identity_code', table_name='nominee')
    for table, column in (('nomination', 'disciplined'), ('nominee', 'recruited_on'), ('nominee', 'identity_code'),
                          ('nominee', 'birth_date'), ('campaign', 'signer'), ('phase', 'year_end')):
        op.execute(f'ALTER TABLE {table} DROP COLUMN {column}')
