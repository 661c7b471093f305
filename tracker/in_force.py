"""Dated facts as they stood on a past day (DESIGN "History and the as-of date"): the
one rule ``in_force`` for the histories of a task's due date, workflow state, lead unit and
coordinating units, in Python (a task's loaded history) and in SQL (correlated subqueries,
or ranked joins for aggregates), and ``history_after``, which says which facts changed after
a day so that today's values can be used when nothing did. ``tracker.status`` builds the
time status on top of it.

A change is in force on D when it took effect by D and, by default, was also recorded by D
(``took_effect``): a unit merger recorded in 2026 with effect from 2025 changes a report as
of 2025 only in the corrected view (``StatusContext.later_confirmations``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, case, func, literal, select, true, union

from .models import (
    DueDateChange,
    Task,
    TaskCoordinatingUnitChange,
    TaskLeadUnitChange,
    TaskStateChange,
    task_coordinating_unit,
)

if TYPE_CHECKING:
    from .status import StatusContext


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
    units = {unit.id: unit for unit in current}
    current_ids = set(units)
    by_unit: dict[int, list] = {}
    for change in task.coordinating_unit_changes:
        by_unit.setdefault(change.unit_id, []).append(change)
        units.setdefault(change.unit_id, change.unit)
    known = not ctx.later_confirmations
    # Each unit's membership is a dated fact of its own (was_member -> is_member).
    member = {
        unit_id: in_force(
            by_unit.get(unit_id),
            ctx.as_of,
            unit_id in current_ids,
            "was_member",
            "is_member",
            known,
        )
        for unit_id in units
    }
    return sorted((units[u] for u, yes in member.items() if yes), key=lambda unit: unit.name)


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
