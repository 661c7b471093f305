"""an address of the user's choice for reminder mails (issue 11, item 8): when set, reminders
go there instead of the sign-in email

Revision ID: 0013_user_notification_email
Revises: 0012_unit_succession
Create Date: 2026-12-01

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0013_user_notification_email"
# 0012 is written in parallel; the integrator re-chains this one after it.
down_revision = "0012_unit_succession"
branch_labels = None
depends_on = None


def upgrade():
    # A nullable column is added in place; recreating "user" on SQLite would cascade with
    # foreign keys on (see 0006).
    with op.batch_alter_table("user", schema=None, recreate="never") as batch_op:
        batch_op.add_column(sa.Column("notification_email", sa.String(length=255), nullable=True))


def downgrade():
    with op.batch_alter_table("user", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("notification_email")
