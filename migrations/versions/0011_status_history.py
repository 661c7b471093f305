"""a dated history of every fact a status depends on: workflow state, lead unit, and the
confirmation date (issue 10); backfilled from the audit log, else from the task's dates

Revision ID: 0011_status_history
Revises: 0010_outbox_retry_by_time
Create Date: 2026-12-01

"""

import os
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from alembic import op
import sqlalchemy as sa

from tracker.database import UTCDateTime


# revision identifiers, used by Alembic.
revision = "0011_status_history"
down_revision = "0010_outbox_retry_by_time"
branch_labels = None
depends_on = None

# Audit actions that change a task's state, and the action name of the history row.
STATE_ACTIONS = {
    "task.report": "report",
    "task.submit": "submit",
    "task.confirm": "confirm",
    "task.return": "return",
    "task.withdraw": "withdraw",
}


def upgrade():
    # New tables and a new nullable column: nothing existing is recreated, on SQLite either.
    op.create_table(
        "task_state_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("old_state", sa.String(length=30), nullable=False),
        sa.Column("new_state", sa.String(length=30), nullable=False),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["user.id"], name=op.f("fk_task_state_change_actor_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["task.id"],
            name=op.f("fk_task_state_change_task_id_task"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_state_change")),
    )
    op.create_index(
        "ix_task_state_change_task_id_effective_on",
        "task_state_change",
        ["task_id", "effective_on"],
    )
    op.create_index("ix_task_state_change_effective_on", "task_state_change", ["effective_on"])
    op.create_table(
        "task_lead_unit_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("old_unit_id", sa.Integer(), nullable=False),
        sa.Column("new_unit_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["user.id"], name=op.f("fk_task_lead_unit_change_actor_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["new_unit_id"], ["unit.id"], name=op.f("fk_task_lead_unit_change_new_unit_id_unit")
        ),
        sa.ForeignKeyConstraint(
            ["old_unit_id"], ["unit.id"], name=op.f("fk_task_lead_unit_change_old_unit_id_unit")
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["task.id"],
            name=op.f("fk_task_lead_unit_change_task_id_task"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_lead_unit_change")),
    )
    op.create_index(
        "ix_task_lead_unit_change_task_id_effective_on",
        "task_lead_unit_change",
        ["task_id", "effective_on"],
    )
    op.create_index(
        "ix_task_lead_unit_change_effective_on", "task_lead_unit_change", ["effective_on"]
    )
    with op.batch_alter_table("task", schema=None) as batch_op:
        batch_op.add_column(sa.Column("confirmed_on", sa.Date(), nullable=True))
    op.create_index("ix_task_confirmed_on", "task", ["confirmed_on"])
    _backfill(op.get_bind())


def _backfill(conn) -> None:
    """Existing work keeps its past: the confirmation date from confirmed_at; state and
    lead-unit changes from the audit log (each event's local date); a task whose state
    changes were never audited (seeded, or from the demo) gets them from its own dates:
    submitted, confirmed, withdrawn, and paused on its last update."""
    zone = ZoneInfo(os.environ.get("TRACKER_TIMEZONE") or "Asia/Ho_Chi_Minh")

    def local(moment):
        if moment is None:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(zone).date()

    def moment_of(day):
        return datetime.combine(day, time(12), zone).astimezone(UTC)

    task = sa.table(
        "task",
        sa.column("id", sa.Integer),
        sa.column("state", sa.String),
        sa.column("submitted_on", sa.Date),
        sa.column("completed_on", sa.Date),
        sa.column("confirmed_at", UTCDateTime),
        sa.column("confirmed_on", sa.Date),
        sa.column("confirmed_by_id", sa.Integer),
        sa.column("withdrawn_on", sa.Date),
        sa.column("updated_at", UTCDateTime),
    )
    audit = sa.table(
        "audit_event",
        sa.column("id", sa.Integer),
        sa.column("at", UTCDateTime),
        sa.column("actor_id", sa.Integer),
        sa.column("action", sa.String),
        sa.column("task_id", sa.Integer),
        sa.column("changes", sa.JSON),
    )
    states = sa.table(
        "task_state_change",
        sa.column("task_id", sa.Integer),
        sa.column("changed_at", UTCDateTime),
        sa.column("effective_on", sa.Date),
        sa.column("old_state", sa.String),
        sa.column("new_state", sa.String),
        sa.column("action", sa.String),
        sa.column("actor_id", sa.Integer),
    )
    leads = sa.table(
        "task_lead_unit_change",
        sa.column("task_id", sa.Integer),
        sa.column("changed_at", UTCDateTime),
        sa.column("effective_on", sa.Date),
        sa.column("old_unit_id", sa.Integer),
        sa.column("new_unit_id", sa.Integer),
        sa.column("actor_id", sa.Integer),
    )

    tasks = conn.execute(sa.select(task).order_by(task.c.id)).all()
    for row in tasks:
        if row.confirmed_at is not None:
            conn.execute(
                task.update()
                .where(task.c.id == row.id)
                .values(confirmed_on=local(row.confirmed_at))
            )

    state_rows, lead_rows, audited = [], [], set()
    events = conn.execute(
        sa.select(audit)
        .where(audit.c.task_id.is_not(None), audit.c.action.in_([*STATE_ACTIONS, "task.update"]))
        .order_by(audit.c.at, audit.c.id)
    )
    for event in events:
        changes = event.changes or {}
        if event.action in STATE_ACTIONS and isinstance(changes.get("state"), list):
            before, after = changes["state"]
            if before and after and before != after:
                audited.add(event.task_id)
                state_rows.append(
                    {
                        "task_id": event.task_id,
                        "changed_at": event.at,
                        "effective_on": local(event.at),
                        "old_state": before,
                        "new_state": after,
                        "action": STATE_ACTIONS[event.action],
                        "actor_id": event.actor_id,
                    }
                )
        lead = changes.get("lead_unit_id") if event.action == "task.update" else None
        if isinstance(lead, list) and lead[0] and lead[1] and lead[0] != lead[1]:
            lead_rows.append(
                {
                    "task_id": event.task_id,
                    "changed_at": event.at,
                    "effective_on": local(event.at),
                    "old_unit_id": lead[0],
                    "new_unit_id": lead[1],
                    "actor_id": event.actor_id,
                }
            )
    for row in tasks:
        if row.id not in audited:
            state_rows += _from_dates(row, local, moment_of)
    if state_rows:
        conn.execute(states.insert(), state_rows)
    if lead_rows:
        conn.execute(leads.insert(), lead_rows)


def _from_dates(row, local, moment_of) -> list[dict]:
    """The state changes a task's own dates imply (the demo writes the same ones)."""
    result = []

    def add(day, old, new, action, actor=None, at=None):
        result.append(
            {
                "task_id": row.id,
                "changed_at": at or moment_of(day),
                "effective_on": day,
                "old_state": old,
                "new_state": new,
                "action": action,
                "actor_id": actor,
            }
        )

    submitted = row.submitted_on
    if row.state in ("awaiting_confirmation", "completed") and submitted is not None:
        add(submitted, "in_progress", "awaiting_confirmation", "submit")
        if row.state == "completed":
            confirmed = local(row.confirmed_at) or row.completed_on or submitted
            add(confirmed, "awaiting_confirmation", "completed", "confirm",
                row.confirmed_by_id, row.confirmed_at)  # fmt: skip
    elif row.state == "withdrawn" and (row.withdrawn_on or row.updated_at) is not None:
        add(row.withdrawn_on or local(row.updated_at), "in_progress", "withdrawn", "withdraw")
    elif row.state == "paused" and row.updated_at is not None:
        add(local(row.updated_at), "in_progress", "paused", "pause")
    return result


def downgrade():
    op.drop_index("ix_task_confirmed_on", table_name="task")
    # Never recreate the task table on SQLite (ALTER TABLE DROP COLUMN, 3.35+, is enough):
    # with foreign keys on, dropping the old table would cascade-delete the rows that
    # refer to it.
    with op.batch_alter_table("task", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("confirmed_on")
    op.drop_index("ix_task_lead_unit_change_effective_on", table_name="task_lead_unit_change")
    op.drop_index(
        "ix_task_lead_unit_change_task_id_effective_on", table_name="task_lead_unit_change"
    )
    op.drop_table("task_lead_unit_change")
    op.drop_index("ix_task_state_change_effective_on", table_name="task_state_change")
    op.drop_index("ix_task_state_change_task_id_effective_on", table_name="task_state_change")
    op.drop_table("task_state_change")
