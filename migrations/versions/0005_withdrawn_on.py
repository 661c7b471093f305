"""the date a task was withdrawn, so past statistics still count it before that day

Revision ID: 0005_withdrawn_on
Revises: 0004_reminders
Create Date: 2026-11-29

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0005_withdrawn_on"
down_revision = "0004_reminders"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.add_column(sa.Column("withdrawn_on", sa.Date(), nullable=True))


def downgrade():
    # Never recreate the table on SQLite (ALTER TABLE DROP COLUMN, 3.35+, is enough): with
    # foreign keys on, dropping the old table would cascade-delete the rows that refer to it.
    with op.batch_alter_table("task", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("withdrawn_on")
