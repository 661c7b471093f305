"""the reminder planner remembers the last day it planned, to catch up days it missed

Revision ID: 0009_planner_state
Revises: 0008_outbox_claim_indexes
Create Date: 2026-12-10

"""
from alembic import op
import sqlalchemy as sa

from tracker.database import UTCDateTime


# revision identifiers, used by Alembic.
revision = "0009_planner_state"
down_revision = "0008_outbox_claim_indexes"
branch_labels = None
depends_on = None


def upgrade():
    # A new table: nothing existing is altered, on SQLite either.
    op.create_table(
        "planner_state",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("daily_planned_on", sa.Date(), nullable=True),
        sa.Column("digest_planned_on", sa.Date(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_planner_state")),
    )


def downgrade():
    op.drop_table("planner_state")
