"""units that rename, merge, split and dissolve with an effective date (issue 11): unit
aliases, parent, head, start and end dates and a folded search column; succession events
and their units; the coordinating-unit history; the day each lead-unit change was recorded

Revision ID: 0012_unit_succession
Revises: 0011_status_history
Create Date: 2026-12-01

"""

from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

from tracker.database import UTCDateTime
from tracker.text import fold

# revision identifiers, used by Alembic.
revision = "0012_unit_succession"
down_revision = "0011_status_history"
branch_labels = None
depends_on = None

KINDS = "'office', 'department', 'district', 'commune', 'agency', 'central', 'other'"
OLD_KINDS = "'office', 'department', 'district', 'commune', 'agency', 'other'"


@contextmanager
def _unit_table():
    """Batch-alter the unit table. SQLite changes a CHECK or a foreign key only by
    recreating the table, and most tables refer to unit: recreate it with foreign keys
    off, so that dropping the old copy neither fails nor cascades (PostgreSQL alters in
    place)."""
    conn = op.get_bind()
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        conn.exec_driver_sql("COMMIT")  # PRAGMA foreign_keys is a no-op inside a transaction
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        conn.exec_driver_sql("BEGIN")
    with op.batch_alter_table("unit", schema=None) as batch_op:
        yield batch_op
    if sqlite:
        conn.exec_driver_sql("COMMIT")
        conn.exec_driver_sql("PRAGMA foreign_keys=ON")
        conn.exec_driver_sql("BEGIN")


def upgrade():
    with _unit_table() as batch_op:
        batch_op.add_column(sa.Column("aliases", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("search_text", sa.Text(), server_default="", nullable=False))
        batch_op.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("head_name", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("started_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("ended_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
        batch_op.create_foreign_key(
            batch_op.f("fk_unit_parent_id_unit"), "unit", ["parent_id"], ["id"]
        )
        batch_op.drop_constraint(op.f("ck_unit_kind"), type_="check")
        batch_op.create_check_constraint("kind", f"kind IN ({KINDS})")
    op.create_table(
        "unit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(), nullable=False),
        sa.Column("recorded_on", sa.Date(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("undone_at", UTCDateTime(), nullable=True),
        sa.Column("undone_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('rename', 'merge', 'split', 'dissolve')", name=op.f("ck_unit_event_kind")
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["user.id"], name=op.f("fk_unit_event_actor_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["undone_by_id"], ["user.id"], name=op.f("fk_unit_event_undone_by_id_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_event")),
    )
    op.create_index("ix_unit_event_effective_on", "unit_event", ["effective_on"])
    op.create_table(
        "unit_event_unit",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.CheckConstraint("role IN ('source', 'target')", name=op.f("ck_unit_event_unit_role")),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["unit_event.id"],
            name=op.f("fk_unit_event_unit_event_id_unit_event"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_unit_event_unit_unit_id_unit")
        ),
        sa.PrimaryKeyConstraint("event_id", "unit_id", "role", name=op.f("pk_unit_event_unit")),
    )
    op.create_index("ix_unit_event_unit_unit_id", "unit_event_unit", ["unit_id"])
    op.create_table(
        "task_coordinating_unit_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("added", sa.Boolean(), nullable=False),
        sa.Column("changed_at", UTCDateTime(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("recorded_on", sa.Date(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("unit_event_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["user.id"], name=op.f("fk_task_coordinating_unit_change_actor_id_user")
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["task.id"],
            name=op.f("fk_task_coordinating_unit_change_task_id_task"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_event_id"],
            ["unit_event.id"],
            name=op.f("fk_task_coordinating_unit_change_unit_event_id_unit_event"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["unit.id"], name=op.f("fk_task_coordinating_unit_change_unit_id_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_coordinating_unit_change")),
    )
    op.create_index(
        "ix_task_coordinating_unit_change_unit_id_task_id",
        "task_coordinating_unit_change",
        ["unit_id", "task_id"],
    )
    op.create_index(
        "ix_task_coordinating_unit_change_task_id", "task_coordinating_unit_change", ["task_id"]
    )
    op.create_index(
        "ix_task_coordinating_unit_change_effective_on",
        "task_coordinating_unit_change",
        ["effective_on"],
    )
    op.create_index(
        "ix_task_coordinating_unit_change_recorded_on",
        "task_coordinating_unit_change",
        ["recorded_on"],
    )
    op.create_index(
        "ix_task_coordinating_unit_change_unit_event_id",
        "task_coordinating_unit_change",
        ["unit_event_id"],
    )
    with op.batch_alter_table("task_lead_unit_change", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recorded_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("unit_event_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_task_lead_unit_change_unit_event_id_unit_event"),
            "unit_event",
            ["unit_event_id"],
            ["id"],
            ondelete="CASCADE",
        )
    # Every change so far was recorded on the day it took effect.
    op.execute("UPDATE task_lead_unit_change SET recorded_on = effective_on")
    with op.batch_alter_table("task_lead_unit_change", schema=None) as batch_op:
        batch_op.alter_column("recorded_on", existing_type=sa.Date(), nullable=False)
    op.create_index(
        "ix_task_lead_unit_change_old_unit_id", "task_lead_unit_change", ["old_unit_id"]
    )
    op.create_index(
        "ix_task_lead_unit_change_unit_event_id", "task_lead_unit_change", ["unit_event_id"]
    )
    op.create_index(
        "ix_task_lead_unit_change_recorded_on", "task_lead_unit_change", ["recorded_on"]
    )
    _backfill_units(op.get_bind())


def _backfill_units(conn) -> None:
    unit = sa.table(
        "unit",
        sa.column("id"),
        sa.column("code"),
        sa.column("name"),
        sa.column("short_name"),
        sa.column("search_text"),
        sa.column("aliases", sa.JSON()),
    )
    rows = conn.execute(sa.select(unit.c.id, unit.c.code, unit.c.name, unit.c.short_name)).all()
    for row in rows:
        text = fold(" | ".join([row.code, row.name, row.short_name or ""]))
        conn.execute(unit.update().where(unit.c.id == row.id).values(search_text=text, aliases=[]))


def downgrade():
    op.drop_index("ix_task_lead_unit_change_recorded_on", table_name="task_lead_unit_change")
    op.drop_index("ix_task_lead_unit_change_unit_event_id", table_name="task_lead_unit_change")
    op.drop_index("ix_task_lead_unit_change_old_unit_id", table_name="task_lead_unit_change")
    with op.batch_alter_table("task_lead_unit_change", schema=None) as batch_op:
        batch_op.drop_constraint(
            op.f("fk_task_lead_unit_change_unit_event_id_unit_event"), type_="foreignkey"
        )
        batch_op.drop_column("unit_event_id")
        batch_op.drop_column("recorded_on")
    for name in (
        "ix_task_coordinating_unit_change_unit_event_id",
        "ix_task_coordinating_unit_change_recorded_on",
        "ix_task_coordinating_unit_change_effective_on",
        "ix_task_coordinating_unit_change_task_id",
        "ix_task_coordinating_unit_change_unit_id_task_id",
    ):
        op.drop_index(name, table_name="task_coordinating_unit_change")
    op.drop_table("task_coordinating_unit_change")
    op.drop_index("ix_unit_event_unit_unit_id", table_name="unit_event_unit")
    op.drop_table("unit_event_unit")
    op.drop_index("ix_unit_event_effective_on", table_name="unit_event")
    op.drop_table("unit_event")
    op.execute("UPDATE unit SET kind = 'other' WHERE kind = 'central'")
    with _unit_table() as batch_op:
        batch_op.drop_constraint(op.f("ck_unit_kind"), type_="check")
        batch_op.create_check_constraint("kind", f"kind IN ({OLD_KINDS})")
        batch_op.drop_constraint(op.f("fk_unit_parent_id_unit"), type_="foreignkey")
        for column in (
            "version",
            "ended_on",
            "started_on",
            "head_name",
            "parent_id",
            "search_text",
            "aliases",
        ):
            batch_op.drop_column(column)
