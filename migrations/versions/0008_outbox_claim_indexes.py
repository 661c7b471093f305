"""outbox claim indexes whose plan does not depend on statistics

The claim reads the leading due rows in (state, next_attempt_at, id) order with a LIMIT,
then every claimable row of their (recipient, day) groups: one index for each step.

Revision ID: 0008_outbox_claim_indexes
Revises: 0007_upload_file_names
Create Date: 2026-12-02

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = "0008_outbox_claim_indexes"
down_revision = "0007_upload_file_names"
branch_labels = None
depends_on = None


def upgrade():
    # Plain CREATE/DROP INDEX, no batch recreate: no table is ever rebuilt on SQLite.
    op.create_index("ix_outbox_claim", "outbox", ["state", "next_attempt_at", "id"])
    op.create_index("ix_outbox_recipient_id_day", "outbox", ["recipient_id", "day"])
    op.drop_index("ix_outbox_state_next_attempt_at", table_name="outbox")


def downgrade():
    op.create_index("ix_outbox_state_next_attempt_at", "outbox", ["state", "next_attempt_at"])
    op.drop_index("ix_outbox_recipient_id_day", table_name="outbox")
    op.drop_index("ix_outbox_claim", table_name="outbox")
