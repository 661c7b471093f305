"""The official two-axis time status of a task as of a date (DESIGN §1, issue 10).

One rule, two forms: ``time_status`` for a single task in Python and ``time_status_sql``
for aggregates in SQL. Both take a ``StatusContext`` and are tested against the same
table of cases (tests/test_status.py) on SQLite and PostgreSQL.

Every fact the rule reads is taken as it stood on the as-of date D:
- the due date in force on D (``due_in_force_on`` / ``due_in_force``: the DueDateChange
  history, never ``original_due_on``, which a later "deadline set / removed" rewrites);
- the workflow state on D (TaskStateChange), for "chờ xác nhận" (awaiting confirmation);
- the lead unit on D (TaskLeadUnitChange), for the per-unit figures;
- completion: by default *known on D* — completed as of D only if the result was confirmed
  by D (``confirmed_on``); its completion date, for on time / late, stays the submission
  date. ``StatusContext.later_confirmations`` gives the corrected view (confirmations made
  after D count, as of the submission date).
- withdrawal: from ``withdrawn_on`` on.

The value of a dated fact on D is one rule for all three histories (``in_force``): the new
value of the latest change that took effect on or before D; if none had yet, the old value
of the first change; with no change at all, the current value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import and_, case, func, literal, or_

from .calendar import WorkingCalendar, local_date
from .in_force import (  # the dated facts the rule reads; re-exported for the callers
    Facts,
    _in_force_subquery,
    coordinated_tasks_on,
    coordinating_units_on,
    due_in_force,
    due_on_as_of,
    fact_in_force_on,
    facts_in_force,
    history_after,
    in_force,
    took_effect,
)
from .models import Task, TaskState


class TimeStatus(StrEnum):
    DONE_ON_TIME = "done_on_time"  # hoàn thành đúng hạn
    DONE_LATE = "done_late"  # hoàn thành quá hạn
    IN_TIME = "in_time"  # đang thực hiện trong hạn
    DUE_SOON = "due_soon"  # trong hạn, sắp đến hạn (a kind of IN_TIME)
    OVERDUE = "overdue"  # quá hạn
    NO_DEADLINE_OPEN = "no_deadline_open"  # không thời hạn, chưa hoàn thành
    NO_DEADLINE_DONE = "no_deadline_done"  # không thời hạn, đã hoàn thành
    WITHDRAWN = "withdrawn"  # rút nhiệm vụ: leaves every statistic


COMPLETED = frozenset({TimeStatus.DONE_ON_TIME, TimeStatus.DONE_LATE})
OPEN = frozenset({TimeStatus.IN_TIME, TimeStatus.DUE_SOON, TimeStatus.OVERDUE})
NO_DEADLINE = frozenset({TimeStatus.NO_DEADLINE_OPEN, TimeStatus.NO_DEADLINE_DONE})
# The official Total (with a deadline) = completed + not completed; no-deadline tasks are
# counted beside it, never inside.
WITH_DEADLINE = COMPLETED | OPEN
COUNTED = WITH_DEADLINE | NO_DEADLINE

LABELS_VI = {
    TimeStatus.DONE_ON_TIME: "Hoàn thành đúng hạn",
    TimeStatus.DONE_LATE: "Hoàn thành quá hạn",
    TimeStatus.IN_TIME: "Đang thực hiện trong hạn",
    TimeStatus.DUE_SOON: "Sắp đến hạn",
    TimeStatus.OVERDUE: "Quá hạn",
    TimeStatus.NO_DEADLINE_OPEN: "Không thời hạn, đang thực hiện",
    TimeStatus.NO_DEADLINE_DONE: "Không thời hạn, đã hoàn thành",
    TimeStatus.WITHDRAWN: "Đã rút",
}
LABELS_EN = {
    TimeStatus.DONE_ON_TIME: "Completed on time",
    TimeStatus.DONE_LATE: "Completed late",
    TimeStatus.IN_TIME: "In progress, on time",
    TimeStatus.DUE_SOON: "Due soon",
    TimeStatus.OVERDUE: "Overdue",
    TimeStatus.NO_DEADLINE_OPEN: "No deadline, in progress",
    TimeStatus.NO_DEADLINE_DONE: "No deadline, completed",
    TimeStatus.WITHDRAWN: "Withdrawn",
}
# The official group of the published forms (issue 10, item 7): the finer labels above
# add "sắp đến hạn" and split the no-deadline tasks; these five are what the forms count.
GROUPS_VI = {
    TimeStatus.DONE_ON_TIME: "Hoàn thành đúng hạn",
    TimeStatus.DONE_LATE: "Hoàn thành quá hạn",
    TimeStatus.IN_TIME: "Đang thực hiện trong hạn",
    TimeStatus.DUE_SOON: "Đang thực hiện trong hạn",
    TimeStatus.OVERDUE: "Quá hạn",
    TimeStatus.NO_DEADLINE_OPEN: "Không thời hạn",
    TimeStatus.NO_DEADLINE_DONE: "Không thời hạn",
    TimeStatus.WITHDRAWN: "Đã rút",
}
AWAITING_VI = "chờ xác nhận"
AWAITING_EN = "awaiting confirmation"
# Colours of DESIGN §1, used by badges and charts.
COLOURS = {
    TimeStatus.DONE_ON_TIME: "#1e8e3e",  # green
    TimeStatus.DONE_LATE: "#c98a00",  # amber
    TimeStatus.IN_TIME: "#1a73e8",  # blue
    TimeStatus.DUE_SOON: "#e8710a",  # orange
    TimeStatus.OVERDUE: "#d93025",  # red
    TimeStatus.NO_DEADLINE_OPEN: "#80868b",  # grey
    TimeStatus.NO_DEADLINE_DONE: "#a8adb2",  # lighter grey
    TimeStatus.WITHDRAWN: "#bdc1c6",
}


def label(status: TimeStatus | str, locale: str = "vi") -> str:
    return (LABELS_EN if locale == "en" else LABELS_VI)[TimeStatus(status)]


def group_label(status: TimeStatus | str) -> str:
    """The official group (Vietnamese, as the published forms print it)."""
    return GROUPS_VI[TimeStatus(status)]


@dataclass(frozen=True)
class StatusContext:
    as_of: date
    # An open task whose due date is before this date (and not past) is "due soon":
    # at most ``due_soon_days`` working days remain between as_of and its due date.
    due_soon_before: date
    # True when some dated fact (due date, state, lead unit, confirmation) changed after
    # ``as_of``: the rule must then read the histories instead of the current values.
    history_after: bool = True
    # The corrected view ("kể cả xác nhận sau ngày D"): a result submitted by D and
    # confirmed later counts as completed as of D. Default: only what was known on D.
    later_confirmations: bool = False
    # Which facts changed after ``as_of`` (names of HISTORIES, and "confirmed"); None:
    # not known, all may have. A fact that did not keep its current value.
    changed_after: frozenset[str] | None = None

    def changed(self, fact: str) -> bool:
        """May ``fact`` have had another value on ``as_of`` than today?"""
        if not self.history_after:
            return False
        return self.changed_after is None or fact in self.changed_after

    @classmethod
    def build(
        cls,
        as_of: date | datetime,
        calendar: WorkingCalendar,
        due_soon_days: int = 3,
        history_after: bool | frozenset[str] = True,
        later_confirmations: bool = False,
    ) -> StatusContext:
        """``history_after``: whether facts changed after the day (True: maybe all), or
        the set of those that did (``changed_after``)."""
        day = local_date(as_of)
        changed = None
        if isinstance(history_after, frozenset):
            changed, history_after = history_after, bool(history_after)
        # Working days in (day, due] <= N  <=>  due < the (N+1)-th working day after day.
        return cls(
            day,
            calendar.add_working_days(day, due_soon_days + 1),
            history_after,
            later_confirmations,
            changed,
        )


# --- the pure form -------------------------------------------------------------------


def due_in_force_on(task, ctx: StatusContext):
    """The due date in force on ``ctx.as_of``: the one helper every Python caller uses
    (a later extension, or a deadline set or removed later, does not count on that day)."""
    return fact_in_force_on(task, ctx, "due")


def state_in_force_on(task, ctx: StatusContext) -> str:
    return fact_in_force_on(task, ctx, "state")


def lead_unit_in_force_on(task, ctx: StatusContext):
    return fact_in_force_on(task, ctx, "lead_unit_id")


def done_as_of(task, ctx: StatusContext) -> bool:
    """Completed as of ``ctx.as_of``: the confirmed result was submitted by then and, in
    the default view, also confirmed by then (what was known on that day)."""
    done = task.completed_on
    if done is None or done > ctx.as_of:
        return False
    if ctx.later_confirmations:
        return True
    confirmed = getattr(task, "confirmed_on", None) or done
    return confirmed <= ctx.as_of


def withdrawn_as_of(task, ctx: StatusContext) -> bool:
    if task.state != TaskState.WITHDRAWN:
        return False
    withdrawn_on = getattr(task, "withdrawn_on", None)
    return withdrawn_on is None or withdrawn_on <= ctx.as_of


def time_status(task, ctx: StatusContext) -> TimeStatus:
    """The status of one task (anything with state, current_due_on, completed_on and,
    optionally, confirmed_on, withdrawn_on and the history lists of Task) as of D."""
    if withdrawn_as_of(task, ctx):
        return TimeStatus.WITHDRAWN
    due = due_in_force_on(task, ctx)
    done = done_as_of(task, ctx)
    if due is None:
        return TimeStatus.NO_DEADLINE_DONE if done else TimeStatus.NO_DEADLINE_OPEN
    if done:
        return TimeStatus.DONE_ON_TIME if task.completed_on <= due else TimeStatus.DONE_LATE
    if ctx.as_of > due:
        return TimeStatus.OVERDUE
    if due < ctx.due_soon_before:
        return TimeStatus.DUE_SOON
    return TimeStatus.IN_TIME


def awaiting_confirmation(task, ctx: StatusContext) -> bool:
    """ "Chờ xác nhận" on D: not completed as of D, but a result was waiting for the
    Office then (the state on D, or the confirmed submission made by D)."""
    if withdrawn_as_of(task, ctx) or done_as_of(task, ctx):
        return False
    if task.completed_on is not None and task.completed_on <= ctx.as_of:
        return True
    return state_in_force_on(task, ctx) == TaskState.AWAITING_CONFIRMATION


# --- the SQL form --------------------------------------------------------------------


def withdrawn_sql(ctx: StatusContext, task=Task):
    """Withdrawn on or before ``ctx.as_of`` (such tasks leave every statistic); a task
    withdrawn later still counted on that day."""
    return and_(
        task.state == TaskState.WITHDRAWN.value,
        or_(task.withdrawn_on.is_(None), task.withdrawn_on <= literal(ctx.as_of)),
    )


def done_sql(ctx: StatusContext, task=Task):
    """``done_as_of`` in SQL."""
    as_of = literal(ctx.as_of)
    done = and_(task.completed_on.is_not(None), task.completed_on <= as_of)
    if ctx.later_confirmations or not ctx.changed("confirmed"):
        # Nothing was confirmed after as_of: both views agree.
        return done
    return and_(done, func.coalesce(task.confirmed_on, task.completed_on) <= as_of)


def awaiting_sql(ctx: StatusContext, task=Task, facts: Facts | None = None):
    """``awaiting_confirmation`` in SQL (a 0/1 integer, to group by)."""
    state = facts.state if facts is not None else _state_expr(ctx, task)
    submitted_by_then = and_(
        task.completed_on.is_not(None), task.completed_on <= literal(ctx.as_of)
    )
    return case(
        (withdrawn_sql(ctx, task), 0),
        (done_sql(ctx, task), 0),
        (submitted_by_then, 1),
        (state == TaskState.AWAITING_CONFIRMATION.value, 1),
        else_=0,
    )


def _state_expr(ctx: StatusContext, task):
    if not ctx.changed("state"):
        return task.state
    return _in_force_subquery(ctx.as_of, task, "state")


def due_on_sql(ctx: StatusContext, task=Task):
    """The due date as of ``ctx.as_of`` as a correlated subquery (current when nothing
    changed after that day)."""
    if not ctx.changed("due"):
        return task.current_due_on
    return due_on_as_of(ctx.as_of, task)


def time_status_sql(ctx: StatusContext, task=Task, due=None):
    """The same rule as an SQL CASE expression, usable in SELECT, WHERE and GROUP BY.

    ``task`` may be the Task entity or an alias / subquery with the same columns; ``due``
    is the due-date expression (default: ``due_on_sql(ctx, task)``; aggregates pass
    ``facts_in_force(ctx).due`` with its joins)."""
    if due is None:
        due = due_on_sql(ctx, task)
    done = done_sql(ctx, task)
    as_of = literal(ctx.as_of)
    return case(
        (withdrawn_sql(ctx, task), TimeStatus.WITHDRAWN.value),
        (and_(due.is_(None), done), TimeStatus.NO_DEADLINE_DONE.value),
        (due.is_(None), TimeStatus.NO_DEADLINE_OPEN.value),
        (and_(done, task.completed_on <= due), TimeStatus.DONE_ON_TIME.value),
        (done, TimeStatus.DONE_LATE.value),
        (as_of > due, TimeStatus.OVERDUE.value),
        (due < literal(ctx.due_soon_before), TimeStatus.DUE_SOON.value),
        else_=TimeStatus.IN_TIME.value,
    )


__all__ = [
    "COMPLETED",
    "COUNTED",
    "NO_DEADLINE",
    "OPEN",
    "WITH_DEADLINE",
    "Facts",
    "StatusContext",
    "TimeStatus",
    "awaiting_confirmation",
    "awaiting_sql",
    "done_as_of",
    "done_sql",
    "coordinated_tasks_on",
    "coordinating_units_on",
    "due_in_force",
    "due_in_force_on",
    "due_on_as_of",
    "facts_in_force",
    "group_label",
    "history_after",
    "in_force",
    "label",
    "lead_unit_in_force_on",
    "state_in_force_on",
    "time_status",
    "time_status_sql",
    "took_effect",
    "withdrawn_sql",
]
