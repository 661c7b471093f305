"""outbox rows retry for a time, not a count, and say why they ended; the mail server's health

Revision ID: 0010_outbox_retry_by_time
Revises: 0009_planner_state
Create Date: 2026-12-01

"""
from alembic import op
import sqlalchemy as sa

from tracker.database import UTCDateTime


# revision identifiers, used by Alembic.
revision = "0010_outbox_retry_by_time"
down_revision = "0009_planner_state"
branch_labels = None
depends_on = None


def upgrade():
    # Nullable columns added in place (ALTER TABLE … ADD COLUMN), no table rebuilt on SQLite.
    with op.batch_alter_table("outbox", recreate="never") as batch:
        batch.add_column(sa.Column("end_reason", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("first_attempt_at", UTCDateTime(), nullable=True))
    op.create_table(
        "mail_health",
        sa.Column("name", sa.String(length=20), nullable=False),
        sa.Column("paused_since", UTCDateTime(), nullable=True),
        sa.Column("unreachable_since", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_sent_at", UTCDateTime(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_mail_health")),
    )


def downgrade():
    op.drop_table("mail_health")
    # SQLite >= 3.35 drops a column in place; the columns carry no index or constraint.
    with op.batch_alter_table("outbox", recreate="never") as batch:
        batch.drop_column("first_attempt_at")
        batch.drop_column("end_reason")
