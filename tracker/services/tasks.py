"""Task queries: the one filtered list behind the task pages, dashboard links and exports."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date
from typing import NamedTuple

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from .. import policy
from ..calendar import load_calendar, shift_days
from ..extensions import db
from ..models import Task, TaskState, Unit, User
from ..params import MAX_AGE_DAYS, QueryParams
from ..status import (
    Facts,
    StatusContext,
    TimeStatus,
    coordinated_tasks_on,
    done_sql,
    due_in_force_on,
    facts_in_force,
    history_after,
    time_status_sql,
    withdrawn_sql,
)
from ..text import fold
from . import staffing
from .units import summed_into


def status_context(as_of: date, later_confirmations: bool = False) -> StatusContext:
    """The context for statuses as of ``as_of``: by default what was known that day;
    ``later_confirmations`` counts results confirmed afterwards (the corrected view)."""
    from flask import current_app

    return StatusContext.build(
        as_of,
        load_calendar(),
        current_app.config["DUE_SOON_WORKING_DAYS"],
        history_after=history_after(as_of, db.session),
        later_confirmations=later_confirmations,
    )


# Overdue first, then due soon, then the rest; done and no-deadline last.
URGENCY = {
    TimeStatus.OVERDUE: 0,
    TimeStatus.DUE_SOON: 1,
    TimeStatus.IN_TIME: 2,
    TimeStatus.NO_DEADLINE_OPEN: 3,
    TimeStatus.NO_DEADLINE_DONE: 4,
    TimeStatus.DONE_LATE: 5,
    TimeStatus.DONE_ON_TIME: 6,
    TimeStatus.WITHDRAWN: 7,
}

SORTS = ("urgency", "due", "-due", "updated", "item")
FIELD_MAX_CHARS = Task.field.type.length


@dataclass
class TaskFilter:
    """What a task list shows. Every field is optional; the URL parameter of each field is
    its name (``?unit=3&status=overdue&status=due_soon&as_of=2021-06-30``), so a number on
    the dashboard links to exactly the list that produces it."""

    as_of: date | None = None  # the date statuses are computed for (default: today)
    status: list[str] = field(default_factory=list)  # time statuses (any of)
    state: list[str] = field(default_factory=list)  # workflow states (any of)
    unit: int | None = None  # lead unit
    # With ``unit``: also its predecessors' tasks ("kể cả đơn vị tiền nhiệm", issue 11).
    predecessors: bool = False
    involving: int | None = None  # lead or coordinating unit
    leader: int | None = None  # assigning leader
    field: str | None = None  # lĩnh vực
    directive: int | None = None
    due_from: date | None = None
    due_to: date | None = None
    already_due: bool = False  # due date on or before as_of (nhiệm vụ đến hạn)
    priority: bool = False
    urgent: bool = False
    age_min: int | None = None  # overdue for at least this many days (as of as_of)
    age_max: int | None = None  # overdue for at most this many days
    q: str | None = None  # accent-insensitive text search
    withdrawn: bool = False  # include withdrawn tasks (they leave every statistic)
    assigned_from: date | None = None  # assigned on or after (a report period)
    assigned_to: date | None = None  # assigned on or before
    # Still in force on this date: not completed before it (a "lũy kế" period report).
    open_from: date | None = None
    # The corrected view: results confirmed after as_of count as completed then.
    later_confirmations: bool = False
    sort: str = "urgency"
    monitor: int | None = None  # monitoring specialist of the Office (workflow: "my tasks")
    # Lead unit without an active unit head or staff account (staffing.has_active_account).
    no_account: bool = False

    @classmethod
    def from_args(cls, args) -> TaskFilter:
        """Parse request.args (a MultiDict, or a ``QueryParams`` that then records what it
        ignored): a value that does not parse or is out of range is ignored."""
        params = args if isinstance(args, QueryParams) else QueryParams(args)
        return cls(
            as_of=params.day("as_of"),
            status=_statuses(
                params.choices("status", [*(s.value for s in TimeStatus), NO_DEADLINE])
            ),
            state=params.choices("state", [s.value for s in TaskState]),
            unit=params.ident("unit"),
            predecessors=params.flag("predecessors"),
            involving=params.ident("involving"),
            leader=params.ident("leader"),
            field=params.text("field", max_chars=FIELD_MAX_CHARS),
            directive=params.ident("directive"),
            due_from=params.day("due_from"),
            due_to=params.day("due_to"),
            already_due=params.flag("already_due"),
            priority=params.flag("priority"),
            urgent=params.flag("urgent"),
            age_min=params.integer("age_min", 0, MAX_AGE_DAYS),
            age_max=params.integer("age_max", 0, MAX_AGE_DAYS),
            q=params.text("q"),
            withdrawn=params.flag("withdrawn"),
            assigned_from=params.day("assigned_from"),
            assigned_to=params.day("assigned_to"),
            open_from=params.day("open_from"),
            later_confirmations=params.flag("later_confirmations"),
            sort=params.choice("sort", SORTS) or "urgency",
            monitor=params.ident("monitor"),
            no_account=params.flag("no_account"),
        )

    def to_args(self, **overrides) -> dict:
        """URL parameters for this filter (defaults left out), e.g. for url_for(**args)."""
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(overrides)
        args = {}
        for name, value in values.items():
            default = TaskFilter.__dataclass_fields__[name]
            empty = (
                default.default_factory() if callable(default.default_factory) else default.default
            )
            if value == empty or value is None:
                continue
            if isinstance(value, bool):
                value = "1"
            elif isinstance(value, date):
                value = value.isoformat()
            args[name] = value
        return args


# A status filter of earlier links (before issue 10 split it): both no-deadline statuses.
NO_DEADLINE = "no_deadline"


def _statuses(values: list[str]) -> list[str]:
    result = []
    for value in values:
        expanded = (
            [TimeStatus.NO_DEADLINE_OPEN.value, TimeStatus.NO_DEADLINE_DONE.value]
            if value == NO_DEADLINE
            else [value]
        )
        result += [v for v in expanded if v not in result]
    return result


class TaskRow(NamedTuple):
    task: Task
    status: TimeStatus
    due_on: date | None  # the due date in force on the page's as-of date
    lead_unit: Unit | None = None  # the lead unit on that date (a later change not yet)


def units_by_id(ids) -> dict[int, Unit]:
    """The units of ``ids`` in one query (the lead units in force of a page of rows)."""
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {u.id: u for u in db.session.scalars(select(Unit).where(Unit.id.in_(ids)))}


@dataclass
class TaskPage:
    rows: list[TaskRow]
    total: int
    page: int
    per_page: int
    ctx: StatusContext

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def filtered_query(user: User, flt: TaskFilter, ctx: StatusContext):
    """SELECT Task, time_status for the tasks ``user`` may see that match ``flt``."""
    query, status_expr, _ = filtered_query_with_due(user, flt, ctx)
    return query, status_expr


def filtered_query_with_due(user: User, flt: TaskFilter, ctx: StatusContext):
    """As ``filtered_query``, and also the expression of the due date in force on
    ``ctx.as_of`` (statuses as of a past date use the due date in force then)."""
    query, status_expr, facts = filtered_query_with_facts(user, flt, ctx)
    return query, status_expr, facts.due


def filtered_query_with_facts(user: User, flt: TaskFilter, ctx: StatusContext):
    """As ``filtered_query``, and the facts in force on ``ctx.as_of`` (due date, state,
    lead unit) that the query joins: one definition of every list and every number."""
    facts: Facts = facts_in_force(ctx)
    due = facts.due
    status_expr = time_status_sql(ctx, due=due)
    involving_history = ctx.changed("lead_unit_id") or ctx.changed("coordinating")
    own_unit = flt.involving is not None and flt.involving == policy.visibility_unit(user)
    # A unit's own "involving" list lies within what it may see: apply that one predicate
    # instead of both (issue 12).
    visible = (
        policy.involving_unit_clause(flt.involving)
        if own_unit and not involving_history
        else policy.visible_tasks_clause(user)
    )
    query = facts.join(select(Task, status_expr.label("time_status"))).where(
        visible,
        # A task assigned after as_of did not exist yet on that day.
        Task.assigned_on <= ctx.as_of,
    )
    if not flt.withdrawn and TaskState.WITHDRAWN.value not in flt.state:
        query = query.where(~withdrawn_sql(ctx))
    if flt.status:
        query = query.where(status_expr.in_(flt.status))
    if flt.state:
        query = query.where(Task.state.in_(flt.state))
    if flt.unit is not None and flt.predecessors:
        query = query.where(facts.lead_unit_id.in_(sorted(summed_into(flt.unit))))
    elif flt.unit is not None:  # the lead unit on as_of: the one its figures credit
        query = query.where(facts.lead_unit_id == flt.unit)
    if flt.involving is not None:
        if involving_history:  # lead and coordinating units as they were on as_of
            query = query.where(
                or_(
                    facts.lead_unit_id == flt.involving,
                    Task.id.in_(coordinated_tasks_on(flt.involving, ctx)),
                )
            )
        elif not own_unit:
            query = query.where(policy.involving_unit_clause(flt.involving))
    if flt.leader is not None:
        query = query.where(Task.assigned_by_id == flt.leader)
    if flt.monitor is not None:
        query = query.where(Task.monitor_id == flt.monitor)
    if flt.field:
        query = query.where(Task.field == flt.field)
    if flt.directive is not None:
        query = query.where(Task.directive_id == flt.directive)
    if flt.assigned_from:
        query = query.where(Task.assigned_on >= flt.assigned_from)
    if flt.assigned_to:
        query = query.where(Task.assigned_on <= flt.assigned_to)
    if flt.open_from:
        query = query.where(~(done_sql(ctx) & (Task.completed_on < flt.open_from)))
    if flt.due_from:
        query = query.where(due >= flt.due_from)
    if flt.due_to:
        query = query.where(due <= flt.due_to)
    if flt.already_due:
        query = query.where(due <= ctx.as_of)
    if flt.priority:
        query = query.where(Task.is_priority.is_(True))
    if flt.urgent:
        query = query.where(Task.is_urgent.is_(True))
    if flt.age_min is not None or flt.age_max is not None:
        # Overdue for N days = as_of - due date; expressed on the due date so it stays an
        # index-friendly comparison of dates on both databases.
        query = query.where(status_expr == TimeStatus.OVERDUE.value)
        if flt.age_min is not None:
            query = query.where(due <= shift_days(ctx.as_of, -flt.age_min))
        if flt.age_max is not None:
            query = query.where(due >= shift_days(ctx.as_of, -flt.age_max))
    if flt.q:
        query = query.where(Task.search_text.contains(fold(flt.q), autoescape=True))
    if flt.no_account:
        query = query.where(~staffing.has_active_account(facts.lead_unit_id))
    return query, status_expr, facts


def count_tasks(user: User, flt: TaskFilter, ctx: StatusContext) -> int:
    query, _ = filtered_query(user, flt, ctx)
    return db.session.scalar(select(func.count()).select_from(query.subquery()))


# Open: not completed, not withdrawn; still somebody's work.
OPEN_STATES = [
    TaskState.ASSIGNED.value,
    TaskState.IN_PROGRESS.value,
    TaskState.AWAITING_CONFIRMATION.value,
    TaskState.PAUSED.value,
]


def open_without_account_filter() -> TaskFilter:
    """The open tasks whose lead unit has no active account: the Office's to-do on the
    dashboard, and the list its number links to (the same filter, so the same size)."""
    return TaskFilter(state=list(OPEN_STATES), no_account=True)


def task_rows_query(user: User, flt: TaskFilter, ctx: StatusContext, facts_out=None):
    """The filtered query as rows of (task, time status, due date in force on
    ``ctx.as_of``), with what a list of tasks shows loaded eagerly; the caller orders it.
    Returns the query and the status and due-date expressions to order by (and puts the
    facts in force in ``facts_out``, a list, when given)."""
    query, status_expr, facts = filtered_query_with_facts(user, flt, ctx)
    due = facts.due
    if facts_out is not None:
        facts_out.append(facts)
    query = query.add_columns(due.label("due_on"), facts.lead_unit_id.label("lead_in_force"))
    query = query.options(
        joinedload(Task.lead_unit),
        joinedload(Task.directive),
        selectinload(Task.coordinating_units),
    )
    return query, status_expr, due


def list_tasks(
    user: User, flt: TaskFilter, ctx: StatusContext, *, page: int = 1, per_page: int = 50
) -> TaskPage:
    """One page of the tasks ``user`` may see that match ``flt``, in the chosen order.

    Each row is (task, time status, due date in force on ``ctx.as_of``): as of a past date
    that is the due date the status was computed with, not a later extension's."""
    total = count_tasks(user, flt, ctx)
    query, status_expr, due = task_rows_query(user, flt, ctx)
    urgency = case(*[(status_expr == s.value, rank) for s, rank in URGENCY.items()], else_=9)
    order = {
        "urgency": (urgency, due.nulls_last(), Task.id),
        "due": (due.nulls_last(), Task.id),
        "-due": (due.desc().nulls_last(), Task.id),
        "updated": (Task.updated_at.desc(), Task.id),
        "item": (Task.directive_id, Task.item_no),
    }[flt.sort]
    query = query.order_by(*order).limit(per_page).offset((page - 1) * per_page)
    result = db.session.execute(query).unique().all()
    units = units_by_id(lead for *_rest, lead in result)
    rows = [
        TaskRow(task, TimeStatus(value), due_on, units.get(lead, task.lead_unit))
        for task, value, due_on, lead in result
    ]
    return TaskPage(rows, total, page, per_page, ctx)


def overdue_days(task: Task, ctx: StatusContext) -> int | None:
    """Calendar days past the due date in force as of ctx (None when not overdue)."""
    due = due_in_force_on(task, ctx)
    if due is None or ctx.as_of <= due:
        return None
    return (ctx.as_of - due).days


__all__ = [
    "TaskFilter",
    "TaskPage",
    "TaskRow",
    "count_tasks",
    "filtered_query",
    "filtered_query_with_due",
    "filtered_query_with_facts",
    "list_tasks",
    "open_without_account_filter",
    "overdue_days",
    "status_context",
    "task_rows_query",
]
