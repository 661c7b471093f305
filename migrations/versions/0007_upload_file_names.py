"""uploaded files keep the name the person gave them (the stored name is random)

Rows stored before this revision have no original name: they show the readable part of
their stored path (tracker/services/files.py display_name).

Revision ID: 0007_upload_file_names
Revises: 0006_must_change_password
Create Date: 2026-12-01

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0007_upload_file_names"
down_revision = "0006_must_change_password"
branch_labels = None
depends_on = None


def upgrade():
    # Adding a nullable column never recreates a table, on SQLite either.
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.add_column(sa.Column("result_file_name", sa.String(length=255), nullable=True))
    with op.batch_alter_table("progress_report", schema=None) as batch_op:
        batch_op.add_column(sa.Column("file_name", sa.String(length=255), nullable=True))


def downgrade():
    # Never recreate the tables on SQLite (its ALTER TABLE DROP COLUMN, 3.35+, is enough):
    # dropping the old "task" table with foreign keys on would cascade-delete every
    # progress report, extension request and coordinating unit of every task.
    with op.batch_alter_table("progress_report", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("file_name")
    with op.batch_alter_table("task", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("result_file_name")
