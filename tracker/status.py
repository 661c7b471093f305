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
from typing import Any

from sqlalchemy import and_, case, func, literal, or_, select, true, union

from .calendar import WorkingCalendar, local_date
from .models import (
    DueDateChange,
    Task,
    TaskCoordinatingUnitChange,
    TaskLeadUnitChange,
    TaskState,
    TaskStateChange,
    task_coordinating_unit,
)


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


def took_effect(change, as_of: date, known_only: bool = False) -> bool:
    """Was ``change`` in force on ``as_of``? Effective by then and, in the default view of a
    report (``known_only``), also recorded by then: a unit merger recorded in 2026 with
    effect from 2025 changes a report as of 2025 only in the corrected view."""
    if change.effective_on > as_of:
        return False
    recorded = getattr(change, "recorded_on", None)
    return not known_only or recorded is None or recorded <= as_of


def in_force(changes, as_of: date, current, old: str, new: str, known_only: bool = False):
    """The value of a dated fact on ``as_of`` from its history ``changes`` (objects with
    ``effective_on``, ``id`` and the ``old`` / ``new`` attributes): the new value of the
    latest change in force on ``as_of`` (``took_effect``), else the old value of the first
    change, else (no history) ``current``. The SQL forms below apply the same rule."""
    changes = list(changes or ())
    if not changes:
        return current
    order = [(c.effective_on, c.id or 0, i) for i, c in enumerate(changes)]
    past = [
        (key, c) for key, c in zip(order, changes, strict=True) if took_effect(c, as_of, known_only)
    ]
    if past:
        return getattr(max(past, key=lambda kc: kc[0])[1], new)
    return getattr(min(zip(order, changes, strict=True), key=lambda kc: kc[0])[1], old)


def fact_in_force_on(task, ctx: StatusContext, fact: str):
    """The value of ``fact`` (a key of HISTORIES) on ``ctx.as_of``, from the task's loaded
    history: its current value when nothing of that kind changed after the date."""
    _model, old, new, current = HISTORIES[fact]
    if not ctx.changed(fact):
        return getattr(task, current)
    changes = getattr(task, HISTORY_RELATIONSHIPS[fact], ())
    known = not ctx.later_confirmations
    return in_force(changes, ctx.as_of, getattr(task, current), old, new, known)


def coordinating_units_on(task, ctx: StatusContext) -> list:
    """The units coordinating ``task`` on ``ctx.as_of``: today's, less those added after
    that day, plus those removed after it (each unit's own history, as ``in_force``)."""
    current = list(task.coordinating_units)
    if not ctx.changed("coordinating"):
        return current
    by_unit: dict[int, list] = {}
    units = {unit.id: unit for unit in current}
    for change in task.coordinating_unit_changes:
        by_unit.setdefault(change.unit_id, []).append(change)
        units.setdefault(change.unit_id, change.unit)
    known = not ctx.later_confirmations
    member = {unit_id: True for unit_id in units if unit_id in {u.id for u in current}}
    for unit_id, changes in by_unit.items():
        now_member = member.get(unit_id, False)
        # A change row says "added" (new value True) or "removed" (False).
        rows = [_Membership(c) for c in changes]
        member[unit_id] = in_force(rows, ctx.as_of, now_member, "old", "new", known)
    return sorted((units[u] for u, yes in member.items() if yes), key=lambda unit: unit.name)


@dataclass(frozen=True)
class _Membership:
    """A coordinating-unit change seen as a change of "is a member" from old to new."""

    change: Any

    def __getattr__(self, name):
        if name == "old":
            return not self.change.added
        if name == "new":
            return self.change.added
        return getattr(self.change, name)


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

HISTORIES = {
    # fact: (model, old column, new column, current column of Task)
    "due": (DueDateChange, "old_due_on", "new_due_on", "current_due_on"),
    "state": (TaskStateChange, "old_state", "new_state", "state"),
    "lead_unit_id": (TaskLeadUnitChange, "old_unit_id", "new_unit_id", "lead_unit_id"),
}
# Task's relationship holding each history, for the Python form.
HISTORY_RELATIONSHIPS = {
    "due": "due_date_changes",
    "state": "state_changes",
    "lead_unit_id": "lead_unit_changes",
}


def _in_force_subquery(as_of: date, task, fact: str):
    """``in_force`` as correlated scalar subqueries (for one-off SELECTs over tasks)."""
    model, old, new, current = HISTORIES[fact]
    eff = model.effective_on
    by_task = model.task_id == task.id
    latest = (
        select(getattr(model, new))
        .where(by_task, eff <= literal(as_of))
        .order_by(eff.desc(), model.id.desc())
        .limit(1)
        .correlate(task)
        .scalar_subquery()
    )
    first = (
        select(getattr(model, old))
        .where(by_task)
        .order_by(eff, model.id)
        .limit(1)
        .correlate(task)
        .scalar_subquery()
    )
    has_latest = select(model.id).where(by_task, eff <= literal(as_of)).correlate(task).exists()
    has_any = select(model.id).where(by_task).correlate(task).exists()
    return case((has_latest, latest), (has_any, first), else_=getattr(task, current))


def due_on_as_of(as_of: date, task=Task):
    """The due date in force on ``as_of`` as one SQL expression (``in_force``)."""
    return _in_force_subquery(as_of, task, "due")


def _took_effect_sql(model, as_of: date, known_only: bool):
    """``took_effect`` in SQL, for a history model."""
    effective = model.effective_on <= literal(as_of)
    recorded = getattr(model, "recorded_on", None)
    if not known_only or recorded is None:
        return effective
    return and_(effective, recorded <= literal(as_of))


def _ranked(as_of: date, fact: str, known_only: bool = False):
    """One row per task with history: the value in force on ``as_of`` (rank 1 of a
    window over its changes: those in force by then, latest first; else the first)."""
    model, old, new, _ = HISTORIES[fact]
    eff = model.effective_on
    took_effect = _took_effect_sql(model, as_of, known_only)
    ranked = select(
        model.task_id.label("task_id"),
        case((took_effect, getattr(model, new)), else_=getattr(model, old)).label("value"),
        func.row_number()
        .over(
            partition_by=model.task_id,
            order_by=(
                case((took_effect, 0), else_=1),
                case((took_effect, eff), else_=None).desc(),
                eff,
                case((took_effect, -model.id), else_=model.id),
            ),
        )
        .label("rank"),
    ).subquery(f"{fact}_in_force")
    return ranked


@dataclass(frozen=True)
class Facts:
    """The facts in force on an as-of date for a query over Task: ``due``, ``state`` and
    ``lead_unit_id`` to use in SELECT / WHERE / GROUP BY, and ``join(query)`` to add what
    they read: nothing for a fact that did not change after the as-of date (today's
    figures, and cheap), else a LEFT JOIN to its history's ranked rows, computed once per
    task rather than once per use as a subquery is (the state, read once, is a subquery)."""

    due: Any
    state: Any
    lead_unit_id: Any
    joins: tuple = ()

    @property
    def expr(self):  # the due date: what callers of the former DueInForce read
        return self.due

    def join(self, query):
        for table, on in self.joins:
            query = query.outerjoin(table, on)
        return query


# The former name: callers wanted the due date; they now get every fact.
DueInForce = Facts


def facts_in_force(ctx: StatusContext, task=Task) -> Facts:
    values, joins = {}, []
    for fact, (_model, _old, _new, current) in HISTORIES.items():
        if not ctx.changed(fact):  # nothing changed after as_of: today's value
            values[fact] = getattr(task, current)
            continue
        if fact == "state":
            # Read once, only for open tasks (awaiting_sql's last branch): an indexed
            # lookup per such task is cheaper than ranking the whole state history, which
            # made the dashboard as of 90 days ago 2.5 times slower at 100,000 tasks.
            values[fact] = _in_force_subquery(ctx.as_of, task, fact)
            continue
        ranked = _ranked(ctx.as_of, fact, not ctx.later_confirmations)
        joins.append((ranked, and_(ranked.c.task_id == task.id, ranked.c.rank == 1)))
        values[fact] = case(
            (ranked.c.task_id.is_not(None), ranked.c.value), else_=getattr(task, current)
        )
    return Facts(values["due"], values["state"], values["lead_unit_id"], tuple(joins))


def coordinated_tasks_on(unit_id: int, ctx: StatusContext):
    """SELECT the ids of the tasks ``unit_id`` coordinated on ``ctx.as_of``
    (``coordinating_units_on`` in SQL): today's links of tasks whose link with the unit
    never changed, and, for those with a history, the value of its latest change in force
    (else the opposite of the first change's)."""
    link = task_coordinating_unit
    current = select(link.c.task_id).where(link.c.unit_id == unit_id)
    if not ctx.changed("coordinating"):
        return current
    change = TaskCoordinatingUnitChange
    mine = change.unit_id == unit_id
    took_effect = _took_effect_sql(change, ctx.as_of, not ctx.later_confirmations)
    ranked = (
        select(
            change.task_id.label("task_id"),
            case((took_effect, change.added), else_=~change.added).label("member"),
            func.row_number()
            .over(
                partition_by=change.task_id,
                order_by=(
                    case((took_effect, 0), else_=1),
                    case((took_effect, change.effective_on), else_=None).desc(),
                    change.effective_on,
                    case((took_effect, -change.id), else_=change.id),
                ),
            )
            .label("rank"),
        )
        .where(mine)
        .subquery("coordinating_in_force")
    )
    with_history = select(change.task_id).where(mine)
    return union(
        current.where(link.c.task_id.not_in(with_history)),
        select(ranked.c.task_id).where(ranked.c.rank == 1, ranked.c.member == true()),
    )


def due_in_force(ctx: StatusContext, task=Task) -> Facts:
    """The facts in force on ``ctx.as_of`` (``.expr`` / ``.due``: the due date), as joins."""
    return facts_in_force(ctx, task)


def history_after(as_of: date, session) -> frozenset[str]:
    """The facts that changed after ``as_of`` (indexed MAX queries): names of HISTORIES,
    and "confirmed" when a result was confirmed after it. Empty: today's values hold."""
    columns = {
        "due": [DueDateChange.effective_on],
        "state": [TaskStateChange.effective_on],
        # A succession can be recorded after the day it took effect (either date counts).
        "lead_unit_id": [TaskLeadUnitChange.effective_on, TaskLeadUnitChange.recorded_on],
        "coordinating": [
            TaskCoordinatingUnitChange.effective_on,
            TaskCoordinatingUnitChange.recorded_on,
        ],
        "confirmed": [Task.confirmed_on],
    }
    changed = set()
    for fact, fact_columns in columns.items():
        for column in fact_columns:
            latest = session.scalar(select(func.max(column)))
            if latest is not None and latest > as_of:
                changed.add(fact)
    return frozenset(changed)


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
