"""Directives and the tasks they assign: ``Directive``, ``Task`` with its coordinating units
(``task_coordinating_unit``), the unit's ``ProgressReport``s and ``ExtensionRequest``s, and
the module-level indexes on ``task`` that the statistics, dashboard and planner read."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db
from ..text import fold
from .enums import (
    DirectiveKind,
    ExtensionStatus,
    OriginLevel,
    TaskState,
    _enum_values,
)

if TYPE_CHECKING:
    from .accounts import User
    from .history import (
        DueDateChange,
        TaskCoordinatingUnitChange,
        TaskLeadUnitChange,
        TaskStateChange,
    )
    from .units import Unit


task_coordinating_unit = Table(
    "task_coordinating_unit",
    db.metadata,
    Column("task_id", ForeignKey("task.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("unit.id", ondelete="RESTRICT"), primary_key=True, index=True),
)


class Directive(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    symbol: Mapped[str] = mapped_column(String(80), unique=True)  # số ký hiệu, e.g. 45/TB-UBND
    kind: Mapped[str] = mapped_column(String(30))
    issued_on: Mapped[date] = mapped_column(Date)
    signer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    signer_name: Mapped[str] = mapped_column(String(255))
    signer_position: Mapped[str | None] = mapped_column(String(255))
    issuing_body: Mapped[str] = mapped_column(String(255))
    summary: Mapped[str] = mapped_column(Text)  # trích yếu
    meeting_title: Mapped[str | None] = mapped_column(String(500))
    meeting_on: Mapped[date | None] = mapped_column(Date)
    meeting_chair: Mapped[str | None] = mapped_column(String(255))
    origin_level: Mapped[str] = mapped_column(String(20), default=OriginLevel.PROVINCIAL)
    external_id: Mapped[str | None] = mapped_column(String(120))
    source_url: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    signer: Mapped[User | None] = relationship(foreign_keys=[signer_id])
    tasks: Mapped[list[Task]] = relationship(
        back_populates="directive", order_by="Task.item_no", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        CheckConstraint(f"kind IN ({_enum_values(DirectiveKind)})", name="kind"),
        CheckConstraint(f"origin_level IN ({_enum_values(OriginLevel)})", name="origin_level"),
        Index("ix_directive_issued_on", "issued_on"),
    )

    def __repr__(self) -> str:
        return f"<Directive {self.symbol}>"


class Task(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    directive_id: Mapped[int] = mapped_column(ForeignKey("directive.id", ondelete="CASCADE"))
    item_no: Mapped[int] = mapped_column(Integer)  # numbered item of the directive
    title: Mapped[str] = mapped_column(String(500))
    content: Mapped[str | None] = mapped_column(Text)
    # Folded copy of title + content for accent-insensitive search ("ly son" finds "Lý Sơn").
    search_text: Mapped[str] = mapped_column(Text, default="")
    field: Mapped[str | None] = mapped_column(String(120), index=True)  # lĩnh vực

    lead_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    focal_person_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    monitor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    is_priority: Mapped[bool] = mapped_column(Boolean, default=False)  # trọng tâm
    is_urgent: Mapped[bool] = mapped_column(Boolean, default=False)  # khẩn
    assigned_on: Mapped[date] = mapped_column(Date)
    start_on: Mapped[date | None] = mapped_column(Date)
    original_due_on: Mapped[date | None] = mapped_column(Date)
    current_due_on: Mapped[date | None] = mapped_column(Date)
    recurrence: Mapped[str | None] = mapped_column(String(40))

    state: Mapped[str] = mapped_column(String(30), default=TaskState.ASSIGNED)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    last_report_on: Mapped[date | None] = mapped_column(Date)

    result_text: Mapped[str | None] = mapped_column(Text)
    result_doc_number: Mapped[str | None] = mapped_column(String(80))
    result_doc_on: Mapped[date | None] = mapped_column(Date)
    result_file: Mapped[str | None] = mapped_column(String(255))  # stored path, random
    result_file_name: Mapped[str | None] = mapped_column(String(255))  # as the person named it
    submitted_on: Mapped[date | None] = mapped_column(Date)  # the pending submission's date
    completed_on: Mapped[date | None] = mapped_column(Date)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Local date of the confirmation: as of an earlier date the result was not yet known,
    # so by default the task did not count as completed then (issue 10).
    confirmed_on: Mapped[date | None] = mapped_column(Date)
    confirmation_remark: Mapped[str | None] = mapped_column(Text)
    # Local date of the withdrawal (rút nhiệm vụ): before it the task still counts.
    # Null on a withdrawn task: withdrawn since before records were kept.
    withdrawn_on: Mapped[date | None] = mapped_column(Date)

    extension_count: Mapped[int] = mapped_column(Integer, default=0)
    return_count: Mapped[int] = mapped_column(Integer, default=0)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    directive: Mapped[Directive] = relationship(back_populates="tasks")
    lead_unit: Mapped[Unit] = relationship(foreign_keys=[lead_unit_id])
    coordinating_units: Mapped[list[Unit]] = relationship(
        secondary=task_coordinating_unit, order_by="Unit.name"
    )
    focal_person: Mapped[User | None] = relationship(foreign_keys=[focal_person_id])
    assigned_by: Mapped[User | None] = relationship(foreign_keys=[assigned_by_id])
    monitor: Mapped[User | None] = relationship(foreign_keys=[monitor_id])
    confirmed_by: Mapped[User | None] = relationship(foreign_keys=[confirmed_by_id])
    reports: Mapped[list[ProgressReport]] = relationship(
        back_populates="task", order_by="ProgressReport.reported_on", cascade="all, delete-orphan"
    )
    extension_requests: Mapped[list[ExtensionRequest]] = relationship(
        back_populates="task", order_by="ExtensionRequest.id", cascade="all, delete-orphan"
    )
    # The dated history of every fact a status depends on (tracker.status reads it).
    due_date_changes: Mapped[list[DueDateChange]] = relationship(
        order_by="DueDateChange.id", cascade="all, delete-orphan", passive_deletes=True
    )
    state_changes: Mapped[list[TaskStateChange]] = relationship(
        order_by="TaskStateChange.id", cascade="all, delete-orphan", passive_deletes=True
    )
    lead_unit_changes: Mapped[list[TaskLeadUnitChange]] = relationship(
        order_by="TaskLeadUnitChange.id", cascade="all, delete-orphan", passive_deletes=True
    )
    coordinating_unit_changes: Mapped[list[TaskCoordinatingUnitChange]] = relationship(
        order_by="TaskCoordinatingUnitChange.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        UniqueConstraint("directive_id", "item_no"),
        CheckConstraint(f"state IN ({_enum_values(TaskState)})", name="state"),
        CheckConstraint("progress BETWEEN 0 AND 100", name="progress"),
        CheckConstraint(
            "(original_due_on IS NULL) = (current_due_on IS NULL)", name="due_dates_together"
        ),
        # Lists, dashboards and the reminder planner filter on these.
        Index("ix_task_state_current_due_on", "state", "current_due_on"),
        Index("ix_task_lead_unit_id_state", "lead_unit_id", "state"),
        Index("ix_task_completed_on", "completed_on"),
        # tracker.status.history_after: was anything confirmed after an as-of date?
        Index("ix_task_confirmed_on", "confirmed_on"),
    )

    def refresh_search_text(self) -> None:
        self.search_text = fold(f"{self.title} {self.content or ''}")

    def __repr__(self) -> str:
        return f"<Task {self.id} #{self.item_no} {self.state}>"


class ProgressReport(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"), index=True)
    reported_on: Mapped[date] = mapped_column(Date)
    progress: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    difficulties: Mapped[str | None] = mapped_column(Text)  # khó khăn, vướng mắc
    proposals: Mapped[str | None] = mapped_column(Text)  # đề xuất, kiến nghị
    file_path: Mapped[str | None] = mapped_column(String(255))  # stored path, random
    file_name: Mapped[str | None] = mapped_column(String(255))  # as the person named it
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    task: Mapped[Task] = relationship(back_populates="reports")
    author: Mapped[User | None] = relationship()

    __table_args__ = (CheckConstraint("progress BETWEEN 0 AND 100", name="progress"),)


class ExtensionRequest(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_on_before: Mapped[date | None] = mapped_column(Date)
    proposed_due_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    letter_number: Mapped[str | None] = mapped_column(String(80))  # the unit's letter
    status: Mapped[str] = mapped_column(String(20), default=ExtensionStatus.PENDING, index=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_due_on: Mapped[date | None] = mapped_column(Date)
    decision_note: Mapped[str | None] = mapped_column(Text)

    task: Mapped[Task] = relationship(back_populates="extension_requests")
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    __table_args__ = (
        CheckConstraint(f"status IN ({_enum_values(ExtensionStatus)})", name="status"),
    )


# The dashboard's "at risk" list reads tasks in due-date order and stops after a page.
Index("ix_task_current_due_on", Task.current_due_on)
# Every column the statistics read (tracker.services.reports), so PostgreSQL and SQLite
# answer the dashboard's GROUP BY queries from this index alone instead of reading the
# wide task rows (title, content, search text).
Index(
    "ix_task_statistics",
    Task.assigned_on,
    Task.lead_unit_id,
    Task.state,
    Task.current_due_on,
    Task.completed_on,
    Task.assigned_by_id,
    Task.directive_id,
    Task.field,
    Task.original_due_on,
    Task.id,
)

# The reminder planner also selects tasks assigned lately (issue 4).
Index("ix_task_state_assigned_on", Task.state, Task.assigned_on)
