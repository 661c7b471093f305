"""What the reminder machinery keeps (DESIGN §2, issue 9): the ``OutboxMessage`` queue, the
``PlannerState`` of each planner, the shared ``MailHealth`` banner state, and the Office's
``Escalation``s (reminder, criticism, request for an explanation) on a task."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db
from .enums import (
    EscalationKind,
    OutboxState,
    _enum_values,
)

if TYPE_CHECKING:
    from .accounts import User
    from .tasks import Task


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
