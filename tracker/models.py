"""The data model (DESIGN §1). Dates without time (due dates) are ``Date``; moments are UTC."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
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
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import false

from .database import UTCDateTime, utcnow
from .extensions import db
from .text import fold


class Role(enum.StrEnum):
    ADMIN = "admin"
    OFFICE = "office"
    LEADER = "leader"
    UNIT_HEAD = "unit_head"
    UNIT_STAFF = "unit_staff"
    VIEWER = "viewer"


class UnitKind(enum.StrEnum):
    OFFICE = "office"  # Văn phòng UBND tỉnh
    DEPARTMENT = "department"  # sở, ban, ngành
    DISTRICT = "district"  # UBND huyện, thị xã, thành phố
    COMMUNE = "commune"  # UBND xã, phường, thị trấn
    AGENCY = "agency"  # ban quản lý, trung tâm, đơn vị sự nghiệp
    CENTRAL = "central"  # cơ quan trung ương đóng trên địa bàn (Công an, Thuế, Kho bạc …)
    OTHER = "other"


class UnitEventKind(enum.StrEnum):
    """Succession events (issue 11): each has an effective date, source and target units."""

    RENAME = "rename"  # A → A' (a new record: reports before the date keep the old name)
    MERGE = "merge"  # A, B → C (C new, or one of A, B)
    SPLIT = "split"  # A → B, C (each open task to one of them)
    DISSOLVE = "dissolve"  # A → B (an existing unit takes over)


class TaskState(enum.StrEnum):
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    AWAITING_CONFIRMATION = "awaiting_confirmation"
    COMPLETED = "completed"
    PAUSED = "paused"
    WITHDRAWN = "withdrawn"


class DirectiveKind(enum.StrEnum):
    CONCLUSION_NOTICE = "conclusion_notice"  # thông báo kết luận
    OFFICIAL_LETTER = "official_letter"  # công văn
    DECISION = "decision"  # quyết định
    INSTRUCTION = "instruction"  # chỉ thị
    PLAN = "plan"  # kế hoạch
    MEETING_OPINION = "meeting_opinion"  # ý kiến tại cuộc họp


class OriginLevel(enum.StrEnum):
    CENTRAL = "central"
    PROVINCIAL = "provincial"


class ExtensionStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"  # the task was withdrawn instead


def _enum_values(enum_cls) -> str:
    return ", ".join(f"'{m.value}'" for m in enum_cls)


task_coordinating_unit = Table(
    "task_coordinating_unit",
    db.metadata,
    Column("task_id", ForeignKey("task.id", ondelete="CASCADE"), primary_key=True),
    Column("unit_id", ForeignKey("unit.id", ondelete="RESTRICT"), primary_key=True, index=True),
)


class Unit(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    short_name: Mapped[str | None] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20), default=UnitKind.DEPARTMENT)
    email: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Other names and abbreviations people write ("Sở TT&TT", "STTTT"), for search and
    # for reading notices (tracker.intake).
    aliases: Mapped[list[str] | None] = mapped_column(JSON, default=list)
    # Folded code, names and aliases: accent-insensitive unit search (refresh_search_text).
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    head_name: Mapped[str | None] = mapped_column(String(255))  # thủ trưởng đơn vị
    # Set by succession events: the day the unit began, and the day it ceased (its
    # successors took over from then).
    started_on: Mapped[date | None] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    users: Mapped[list[User]] = relationship(back_populates="unit")
    parent: Mapped[Unit | None] = relationship(remote_side=[id])

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (CheckConstraint(f"kind IN ({_enum_values(UnitKind)})", name="kind"),)

    @property
    def label(self) -> str:
        return self.short_name or self.name

    def refresh_search_text(self) -> None:
        names = [self.code, self.name, self.short_name or "", *(self.aliases or [])]
        self.search_text = fold(" | ".join(names))

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"


@event.listens_for(Unit, "before_insert")
@event.listens_for(Unit, "before_update")
def _unit_search_text(_mapper, _connection, unit: Unit) -> None:
    # Every ORM write keeps the folded copy in step (bulk inserts call it themselves).
    unit.refresh_search_text()


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    position: Mapped[str | None] = mapped_column(String(255))  # chức vụ
    role: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), index=True)
    # Null: the account cannot sign in until a password is set (seeded people).
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(10))
    wants_digest: Mapped[bool] = mapped_column(Boolean, default=True)
    # Where reminders go when set (the preferences page); sign-in stays with ``email``.
    notification_email: Mapped[str | None] = mapped_column(String(255))
    # Set when an admin creates the account or resets its password: the generated
    # password was seen by the admin, so the user must choose their own before working.
    must_change_password: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    unit: Mapped[Unit | None] = relationship(back_populates="users")

    __table_args__ = (CheckConstraint(f"role IN ({_enum_values(Role)})", name="role"),)

    @property
    def is_active(self) -> bool:  # Flask-Login: inactive users cannot sign in
        return self.active

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


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


class DueDateChange(db.Model):
    """Every move of a task's current due date, so statistics as of a past date can be
    recomputed with the due date that was in force then."""

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"), index=True)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    effective_on: Mapped[date] = mapped_column(Date)  # local date the change took effect
    old_due_on: Mapped[date | None] = mapped_column(Date)
    new_due_on: Mapped[date | None] = mapped_column(Date)
    extension_request_id: Mapped[int | None] = mapped_column(ForeignKey("extension_request.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))


class TaskStateChange(db.Model):
    """Every change of a task's workflow state (submitted, returned, confirmed, paused,
    withdrawn …) with the local date it took effect: the state on a past date is the new
    state of the latest change up to that date, else the old state of the first one."""

    __tablename__ = "task_state_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    effective_on: Mapped[date] = mapped_column(Date)
    old_state: Mapped[str] = mapped_column(String(30))
    new_state: Mapped[str] = mapped_column(String(30))
    action: Mapped[str] = mapped_column(String(30))  # report, submit, return, confirm, …
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    __table_args__ = (
        Index("ix_task_state_change_task_id_effective_on", "task_id", "effective_on"),
        Index("ix_task_state_change_effective_on", "effective_on"),
    )


def _recorded_when_effective(context) -> date:
    # A change written without a recorded day was known the day it took effect.
    return context.get_current_parameters()["effective_on"]


class TaskLeadUnitChange(db.Model):
    """Every change of a task's lead unit, with its effective date: statistics as of an
    earlier date credit the unit that was responsible then."""

    __tablename__ = "task_lead_unit_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    effective_on: Mapped[date] = mapped_column(Date)
    old_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    new_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # The local day Tracker learnt of it: a succession recorded after its effective date
    # changes reports as of the days between only in the corrected view (DESIGN: by
    # default a report says what was known that day). Equal to effective_on for edits.
    recorded_on: Mapped[date] = mapped_column(Date, default=_recorded_when_effective)
    unit_event_id: Mapped[int | None] = mapped_column(
        ForeignKey("unit_event.id", ondelete="CASCADE"), index=True
    )

    __table_args__ = (
        Index("ix_task_lead_unit_change_task_id_effective_on", "task_id", "effective_on"),
        Index("ix_task_lead_unit_change_effective_on", "effective_on"),
        # A unit's people keep reading the tasks it once led (tracker.policy).
        Index("ix_task_lead_unit_change_old_unit_id", "old_unit_id"),
    )


class TaskCoordinatingUnitChange(db.Model):
    """A coordinating unit added to or removed from a task, with its effective date: the
    units coordinating a task on a past date are today's, less those added after it, plus
    those removed after it (tracker.status.coordinating_units_on)."""

    __tablename__ = "task_coordinating_unit_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    added: Mapped[bool] = mapped_column(Boolean)  # False: removed
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    effective_on: Mapped[date] = mapped_column(Date)
    recorded_on: Mapped[date] = mapped_column(Date, default=_recorded_when_effective)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    unit_event_id: Mapped[int | None] = mapped_column(
        ForeignKey("unit_event.id", ondelete="CASCADE"), index=True
    )

    unit: Mapped[Unit] = relationship()

    __table_args__ = (
        Index("ix_task_coordinating_unit_change_unit_id_task_id", "unit_id", "task_id"),
        Index("ix_task_coordinating_unit_change_task_id", "task_id"),
        Index("ix_task_coordinating_unit_change_effective_on", "effective_on"),
    )


class UnitEvent(db.Model):
    """A rename, merge, split or dissolution with its effective date (issue 11). ``details``
    keeps what the event moved (tasks, people, units it ended or created), so that it can
    be undone while nothing has happened since."""

    __tablename__ = "unit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    effective_on: Mapped[date] = mapped_column(Date, index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_on: Mapped[date] = mapped_column(Date)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    note: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    links: Mapped[list[UnitEventUnit]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="UnitEventUnit.position"
    )

    __table_args__ = (CheckConstraint(f"kind IN ({_enum_values(UnitEventKind)})", name="kind"),)

    @property
    def sources(self) -> list[Unit]:
        return [link.unit for link in self.links if link.role == "source"]

    @property
    def targets(self) -> list[Unit]:
        return [link.unit for link in self.links if link.role == "target"]


class UnitEventUnit(db.Model):
    """A unit an event ended or handed over (source) or that took over (target)."""

    __tablename__ = "unit_event_unit"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("unit_event.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(10), primary_key=True)  # source | target
    position: Mapped[int] = mapped_column(Integer, default=0)

    event: Mapped[UnitEvent] = relationship(back_populates="links")
    unit: Mapped[Unit] = relationship()

    __table_args__ = (
        CheckConstraint("role IN ('source', 'target')", name="role"),
        Index("ix_unit_event_unit_unit_id", "unit_id"),
    )


class AuditEvent(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    action: Mapped[str] = mapped_column(String(60))  # e.g. task.create, auth.login_failed
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[int | None] = mapped_column(Integer)
    task_id: Mapped[int | None] = mapped_column(
        ForeignKey("task.id", ondelete="SET NULL"), index=True
    )
    # {"field": [before, after], ...} for edits; free details otherwise.
    changes: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(Text)
    remote_addr: Mapped[str | None] = mapped_column(String(64))

    actor: Mapped[User | None] = relationship()

    __table_args__ = (Index("ix_audit_event_object", "object_type", "object_id"),)


class Holiday(db.Model):
    """A public holiday (no work), or a compensating working day on a weekend (làm bù)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    name: Mapped[str] = mapped_column(String(255))
    is_working_day: Mapped[bool] = mapped_column(Boolean, default=False)


# --- auth: server-side sessions and sign-in throttling ---


class UserSession(db.Model):
    """A signed-in browser. Flask's cookie holds only the random token; its SHA-256 is
    stored here, so sign-out, a disabled account or an admin's revoke end it for real."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)  # absolute lifetime
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(String(40))
    user_agent: Mapped[str | None] = mapped_column(String(255))
    remote_addr: Mapped[str | None] = mapped_column(String(64))

    user: Mapped[User] = relationship()


class LoginThrottle(db.Model):
    """Failed sign-ins counted per key ("account:<email>" or "addr:<ip>") in the database,
    so every worker process sees the same counts."""

    __tablename__ = "login_throttle"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    lockouts: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


# --- reports: iCal feeds ---


class FeedToken(db.Model):
    """A secret calendar-feed URL for a user or a unit. Only the SHA-256 of the token is
    stored; revoking (revoked_at) stops the feed."""

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="CASCADE"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    unit: Mapped[Unit | None] = relationship(foreign_keys=[unit_id])

    __table_args__ = (
        CheckConstraint("(user_id IS NULL) <> (unit_id IS NULL)", name="one_owner"),
        Index("ix_feed_token_user_id", "user_id"),
        Index("ix_feed_token_unit_id", "unit_id"),
    )


# Statistics as of a past date look up the due date in force (tracker.status.due_on_as_of)
# and the latest change (history_after): indexes for both, declared here to leave the
# DueDateChange class as it is.
Index("ix_due_date_change_task_id_effective_on", DueDateChange.task_id, DueDateChange.effective_on)
Index("ix_due_date_change_effective_on", DueDateChange.effective_on)
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

# --- reminders ---


class OutboxState(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by a worker until lease_until
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class OutboxMessage(db.Model):
    """One reminder item for one recipient. Items for the same recipient and day are sent
    together in one mail; ``key`` makes planning idempotent (DESIGN §2)."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    # recipient:kind:task-or-digest:day — unique, so a second planner adds nothing.
    key: Mapped[str] = mapped_column(String(160), unique=True)
    kind: Mapped[str] = mapped_column(String(30))
    day: Mapped[date] = mapped_column(Date)  # local day the reminder belongs to
    recipient_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    # Why the recipient gets it (focal, head, coordinator, monitor, leader): re-checked at
    # delivery, so a unit no longer on the task is not mailed.
    reason: Mapped[str] = mapped_column(String(20))
    task_id: Mapped[int | None] = mapped_column(
        ForeignKey("task.id", ondelete="CASCADE"), index=True
    )
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(20), default=OutboxState.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    message_id: Mapped[str | None] = mapped_column(String(255))
    last_error: Mapped[str | None] = mapped_column(Text)
    # Why a row ended cancelled or failed (reminders.EndReason): shown to the admin.
    end_reason: Mapped[str | None] = mapped_column(String(40))
    # Retries go on for a time, not a count: the row gives up REMINDER_GIVE_UP_HOURS after
    # its first attempt (a long SMTP outage loses nothing).
    first_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    recipient: Mapped[User] = relationship()
    task: Mapped[Task | None] = relationship()

    __table_args__ = (
        CheckConstraint(f"state IN ({_enum_values(OutboxState)})", name="state"),
        # The delivery claim: an ordered scan of pending rows that are due, or claims whose
        # lease expired, stopped by a LIMIT; then every such row of their (recipient, day).
        Index("ix_outbox_claim", "state", "next_attempt_at", "id"),
        Index("ix_outbox_recipient_id_day", "recipient_id", "day"),
    )


class PlannerState(db.Model):
    """What a planner has done, so it can catch up the days it missed (issue 9): the last
    local day whose day-based reminders, and whose weekly digest, were planned in full."""

    __tablename__ = "planner_state"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    daily_planned_on: Mapped[date | None] = mapped_column(Date)
    digest_planned_on: Mapped[date | None] = mapped_column(Date)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MailHealth(db.Model):
    """How the mail server answered lately, kept in the database so that every web worker
    shows the same banner: delivery is paused by a configuration fault (authentication or
    relay refused) until a pass sends again; the server has not answered since a time."""

    __tablename__ = "mail_health"

    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    paused_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unreachable_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


# The reminder planner also selects tasks assigned lately (issue 4).
Index("ix_task_state_assigned_on", Task.state, Task.assigned_on)


class EscalationKind(enum.StrEnum):
    REMINDER = "reminder"  # nhắc nhở
    CRITICISM = "criticism"  # phê bình
    EXPLANATION = "explanation"  # yêu cầu giải trình (by a date)


class Escalation(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text)
    explain_by: Mapped[date | None] = mapped_column(Date)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    task: Mapped[Task] = relationship()
    actor: Mapped[User | None] = relationship()

    __table_args__ = (
        CheckConstraint(f"kind IN ({_enum_values(EscalationKind)})", name="kind"),
        CheckConstraint("kind != 'explanation' OR explain_by IS NOT NULL", name="explain_by"),
    )
