"""The official two-axis time status of a task as of a date (DESIGN §1).

One rule, two forms: ``time_status`` for a single task in Python and ``time_status_sql``
for aggregates in SQL. Both take a ``StatusContext`` (the as-of date and the date before
which an open task counts as due soon) and are tested against the same table of cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import and_, case, literal

from .calendar import WorkingCalendar, local_date
from .models import Task, TaskState


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

    @classmethod
    def build(
        cls, as_of: date | datetime, calendar: WorkingCalendar, due_soon_days: int = 3
    ) -> StatusContext:
        day = local_date(as_of)
        # Working days in (day, due] <= N  <=>  due < the (N+1)-th working day after day.
        return cls(day, calendar.add_working_days(day, due_soon_days + 1))


def time_status(task, ctx: StatusContext) -> TimeStatus:
    """The status of one task (anything with state, current_due_on and completed_on)."""
    if task.state == TaskState.WITHDRAWN:
        return TimeStatus.WITHDRAWN
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


def time_status_sql(ctx: StatusContext, task=Task):
    """The same rule as an SQL CASE expression, usable in SELECT, WHERE and GROUP BY.

    ``task`` may be the Task entity or an alias / subquery with the same columns.
    """
    due, done = task.current_due_on, task.completed_on
    as_of = literal(ctx.as_of)
    done_by_as_of = and_(done.is_not(None), done <= as_of)
    return case(
        (task.state == TaskState.WITHDRAWN.value, TimeStatus.WITHDRAWN.value),
        (due.is_(None), TimeStatus.NO_DEADLINE.value),
        (and_(done_by_as_of, done <= due), TimeStatus.DONE_ON_TIME.value),
        (done_by_as_of, TimeStatus.DONE_LATE.value),
        (as_of > due, TimeStatus.OVERDUE.value),
        (due < literal(ctx.due_soon_before), TimeStatus.DUE_SOON.value),
        else_=TimeStatus.IN_TIME.value,
    )
