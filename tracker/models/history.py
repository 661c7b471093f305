"""The dated history of every fact a task's status depends on (tracker.status reads it): due
date, workflow state, lead unit and coordinating unit changes, each with its effective day,
and the indexes that statistics as of a past date look them up by."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db

if TYPE_CHECKING:
    from .units import Unit


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
        # tracker.in_force.history_after: MAX(recorded_on) on every as-of request.
        Index("ix_task_lead_unit_change_recorded_on", "recorded_on"),
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

    # The change as one of the fact "the unit coordinates the task" (tracker.in_force).
    @property
    def was_member(self) -> bool:
        return not self.added

    @property
    def is_member(self) -> bool:
        return self.added

    __table_args__ = (
        Index("ix_task_coordinating_unit_change_unit_id_task_id", "unit_id", "task_id"),
        Index("ix_task_coordinating_unit_change_task_id", "task_id"),
        Index("ix_task_coordinating_unit_change_effective_on", "effective_on"),
        Index("ix_task_coordinating_unit_change_recorded_on", "recorded_on"),
    )


# Statistics as of a past date look up the due date in force (tracker.status.due_on_as_of)
# and the latest change (history_after): indexes for both, declared here to leave the
# DueDateChange class as it is.
Index("ix_due_date_change_task_id_effective_on", DueDateChange.task_id, DueDateChange.effective_on)
Index("ix_due_date_change_effective_on", DueDateChange.effective_on)
