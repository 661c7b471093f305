"""The official two-axis time status of a task as of a date (DESIGN §1).

One rule, two forms: ``time_status`` for a single task in Python and ``time_status_sql``
for aggregates in SQL. Both take a ``StatusContext`` (the as-of date and the date before
which an open task counts as due soon) and are tested against the same table of cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, case, func, literal, or_, select

from .calendar import WorkingCalendar, local_date
from .models import DueDateChange, Task, TaskState


class TimeStatus(StrEnum):
    DONE_ON_TIME = "done_on_time"  # hoàn thành đúng hạn
    DONE_LATE = "done_late"  # hoàn thành quá hạn
    IN_TIME = "in_time"  # đang thực hiện trong hạn
    DUE_SOON = "due_soon"  # trong hạn, sắp đến hạn (a kind of IN_TIME)
    OVERDUE = "overdue"  # quá hạn
    NO_DEADLINE = "no_deadline"  # không thời hạn
    WITHDRAWN = "withdrawn"  # rút nhiệm vụ: leaves every statistic


COMPLETED = frozenset({TimeStatus.DONE_ON_TIME, TimeStatus.DONE_LATE})
OPEN = frozenset({TimeStatus.IN_TIME, TimeStatus.DUE_SOON, TimeStatus.OVERDUE})
COUNTED = COMPLETED | OPEN | {TimeStatus.NO_DEADLINE}

LABELS_VI = {
    TimeStatus.DONE_ON_TIME: "Hoàn thành đúng hạn",
    TimeStatus.DONE_LATE: "Hoàn thành quá hạn",
    TimeStatus.IN_TIME: "Đang thực hiện trong hạn",
    TimeStatus.DUE_SOON: "Sắp đến hạn",
    TimeStatus.OVERDUE: "Quá hạn",
    TimeStatus.NO_DEADLINE: "Không thời hạn",
    TimeStatus.WITHDRAWN: "Đã rút",
}
LABELS_EN = {
    TimeStatus.DONE_ON_TIME: "Completed on time",
    TimeStatus.DONE_LATE: "Completed late",
    TimeStatus.IN_TIME: "In progress, on time",
    TimeStatus.DUE_SOON: "Due soon",
    TimeStatus.OVERDUE: "Overdue",
    TimeStatus.NO_DEADLINE: "No deadline",
    TimeStatus.WITHDRAWN: "Withdrawn",
}
# Colours of DESIGN §1, used by badges and charts.
COLOURS = {
    TimeStatus.DONE_ON_TIME: "#1e8e3e",  # green
    TimeStatus.DONE_LATE: "#c98a00",  # amber
    TimeStatus.IN_TIME: "#1a73e8",  # blue
    TimeStatus.DUE_SOON: "#e8710a",  # orange
    TimeStatus.OVERDUE: "#d93025",  # red
    TimeStatus.NO_DEADLINE: "#80868b",  # grey
    TimeStatus.WITHDRAWN: "#bdc1c6",
}


def label(status: TimeStatus | str, locale: str = "vi") -> str:
    return (LABELS_EN if locale == "en" else LABELS_VI)[TimeStatus(status)]


@dataclass(frozen=True)
class StatusContext:
    as_of: date
    # An open task whose due date is before this date (and not past) is "due soon":
    # at most ``due_soon_days`` working days remain between as_of and its due date.
    due_soon_before: date
    # True when some due date moved after ``as_of``: SQL must then look up the due date in
    # force on ``as_of`` in the history instead of reading the current one.
    history_after: bool = True

    @classmethod
    def build(
        cls,
        as_of: date | datetime,
        calendar: WorkingCalendar,
        due_soon_days: int = 3,
        history_after: bool = True,
    ) -> StatusContext:
        day = local_date(as_of)
        # Working days in (day, due] <= N  <=>  due < the (N+1)-th working day after day.
        return cls(day, calendar.add_working_days(day, due_soon_days + 1), history_after)


_CURRENT = object()


def time_status(task, ctx: StatusContext, due=_CURRENT) -> TimeStatus:
    """The status of one task (anything with state, current_due_on and completed_on).

    ``due`` is the due date in force on ``ctx.as_of`` when it differs from the current one
    (a later extension); by default the task's current due date."""
    if task.state == TaskState.WITHDRAWN:
        withdrawn_on = getattr(task, "withdrawn_on", None)
        if withdrawn_on is None or withdrawn_on <= ctx.as_of:
            return TimeStatus.WITHDRAWN
    if due is _CURRENT:
        due = task.current_due_on
    if due is None:
        return TimeStatus.NO_DEADLINE
    done = task.completed_on
    if done is not None and done <= ctx.as_of:
        return TimeStatus.DONE_ON_TIME if done <= due else TimeStatus.DONE_LATE
    if ctx.as_of > due:
        return TimeStatus.OVERDUE
    if due < ctx.due_soon_before:
        return TimeStatus.DUE_SOON
    return TimeStatus.IN_TIME


def due_on_as_of(as_of: date, task=Task):
    """The due date in force on ``as_of``, as one SQL expression: the new due date of the
    latest DueDateChange that took effect on or before ``as_of``, else the original due
    date. An extension approved after ``as_of`` does not count on ``as_of``."""
    latest = (
        select(DueDateChange.new_due_on)
        .where(DueDateChange.task_id == task.id, DueDateChange.effective_on <= literal(as_of))
        .order_by(DueDateChange.effective_on.desc(), DueDateChange.id.desc())
        .limit(1)
        .correlate(task)
        .scalar_subquery()
    )
    has_change = (
        select(DueDateChange.id)
        .where(DueDateChange.task_id == task.id, DueDateChange.effective_on <= literal(as_of))
        .correlate(task)
        .exists()
    )
    return case((has_change, latest), else_=task.original_due_on)


def due_on_sql(ctx: StatusContext, task=Task):
    """The due date to use as of ``ctx.as_of``: the current due date when no due-date
    change took effect after that day (``ctx.history_after`` is False: the usual case of
    today's figures, and cheap), else the due date in force then (``due_on_as_of``)."""
    if not ctx.history_after:
        return task.current_due_on
    return due_on_as_of(ctx.as_of, task)


@dataclass(frozen=True)
class DueInForce:
    """The due date in force on an as-of date for a query over Task: ``expr`` to use in
    SELECT / WHERE / GROUP BY, and ``join(query)`` to add what it reads (nothing when no
    due date moved after the as-of date; else a LEFT JOIN to the latest DueDateChange up
    to that day, computed once per task rather than once per use as a subquery is)."""

    expr: Any
    table: Any = None
    on: Any = None

    def join(self, query):
        return query if self.table is None else query.outerjoin(self.table, self.on)


def due_in_force(ctx: StatusContext, task=Task) -> DueInForce:
    """Same rule as ``due_on_as_of`` (latest change effective on or before the as-of date,
    else the original due date), as a join: for aggregates over many tasks."""
    if not ctx.history_after:
        return DueInForce(task.current_due_on)
    ranked = (
        select(
            DueDateChange.task_id.label("task_id"),
            DueDateChange.new_due_on.label("due_on"),
            func.row_number()
            .over(
                partition_by=DueDateChange.task_id,
                order_by=(DueDateChange.effective_on.desc(), DueDateChange.id.desc()),
            )
            .label("rank"),
        )
        .where(DueDateChange.effective_on <= literal(ctx.as_of))
        .subquery("due_in_force")
    )
    expr = case((ranked.c.task_id.is_not(None), ranked.c.due_on), else_=task.original_due_on)
    return DueInForce(expr, ranked, and_(ranked.c.task_id == task.id, ranked.c.rank == 1))


def history_after(as_of: date, session) -> bool:
    """True when some due date moved after ``as_of`` (one indexed MAX query)."""
    latest = session.scalar(select(func.max(DueDateChange.effective_on)))
    return latest is not None and latest > as_of


def withdrawn_sql(ctx: StatusContext, task=Task):
    """Withdrawn on or before ``ctx.as_of`` (such tasks leave every statistic); a task
    withdrawn later still counted on that day."""
    return and_(
        task.state == TaskState.WITHDRAWN.value,
        or_(task.withdrawn_on.is_(None), task.withdrawn_on <= literal(ctx.as_of)),
    )


def time_status_sql(ctx: StatusContext, task=Task, due=None):
    """The same rule as an SQL CASE expression, usable in SELECT, WHERE and GROUP BY.

    ``task`` may be the Task entity or an alias / subquery with the same columns; ``due``
    is the due-date expression (default: ``due_on_sql(ctx, task)``, the due date in force
    on ``ctx.as_of``).
    """
    if due is None:
        due = due_on_sql(ctx, task)
    done = task.completed_on
    as_of = literal(ctx.as_of)
    done_by_as_of = and_(done.is_not(None), done <= as_of)
    return case(
        (withdrawn_sql(ctx, task), TimeStatus.WITHDRAWN.value),
        (due.is_(None), TimeStatus.NO_DEADLINE.value),
        (and_(done_by_as_of, done <= due), TimeStatus.DONE_ON_TIME.value),
        (done_by_as_of, TimeStatus.DONE_LATE.value),
        (as_of > due, TimeStatus.OVERDUE.value),
        (due < literal(ctx.due_soon_before), TimeStatus.DUE_SOON.value),
        else_=TimeStatus.IN_TIME.value,
    )
