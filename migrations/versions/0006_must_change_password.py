"""users must choose their own password after an admin created or reset it

Revision ID: 0006_must_change_password
Revises: 0005_withdrawn_on
Create Date: 2026-11-29

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0006_must_change_password"
down_revision = "0005_withdrawn_on"
branch_labels = None
depends_on = None


def upgrade():
    # SQLite adds a NOT NULL column with a default in place; recreating "user" would fail
    # (or cascade) with foreign keys on, since sessions and tasks refer to it.
    with op.batch_alter_table("user", schema=None, recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column(
                "must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )


def downgrade():
    # Never recreate the table on SQLite (ALTER TABLE DROP COLUMN, 3.35+, is enough): with
    # foreign keys on, dropping the old table would cascade-delete the rows that refer to it.
    with op.batch_alter_table("user", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("must_change_password")
