"""member figures: what a collective nominee reports of its members (total, completed, disciplined, per title),
which the rule sets' `members` conditions of Tập thể lao động tiên tiến / xuất sắc read

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 14:00:00
"""

from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


# Plain ALTER TABLE on both databases (SQLite ≥ 3.35 drops a column too): a batch operation would copy the
# nomination table on SQLite, and dropping the old one is refused while rows of other tables refer to it.


def upgrade() -> None:
    op.add_column('nomination', sa.Column('member_figures', sa.JSON(none_as_null=True), nullable=True))


def downgrade() -> None:
    op.execute('ALTER TABLE nomination DROP COLUMN member_figures')
