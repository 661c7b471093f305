"""The task lists behind the statistics of ``tracker.services.reports``: ``filter_for``,
the ``TaskFilter`` whose list a number links to (same scope, so the list's count equals
the number); the dashboard's at-risk list (overdue, then due soon); and the detail rows
of the report and its exports, with the due date, lead and coordinating units in force
on the as-of date and the last progress report up to it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import (
    DueDateChange,
    ProgressReport,
    Task,
    TaskCoordinatingUnitChange,
    User,
)
from ..status import (
    StatusContext,
    TimeStatus,
    awaiting_sql,
    coordinating_units_on,
)
from .periods import (
    SCOPE_CUMULATIVE,
    SCOPE_DUE,
    Period,
)
from .tasks import (
    TaskFilter,
    TaskRow,
    filtered_query_with_facts,
    task_rows_query,
    units_by_id,
)
from .units import unit_labels

# --- links ---------------------------------------------------------------------------


def filter_for(
    ctx: StatusContext, period: Period | None = None, *, statuses=(), **kw
) -> TaskFilter:
    """The TaskFilter whose list produces a number computed here (same scope)."""
    scope = period.scope if period is not None else None
    if scope == SCOPE_DUE:
        kw.update(due_from=period.start, due_to=period.end)
    elif scope == SCOPE_CUMULATIVE:
        kw.update(assigned_to=period.end, open_from=period.start)
    elif period is not None:
        kw.update(assigned_from=period.start, assigned_to=period.end)
    return TaskFilter(
        as_of=ctx.as_of,
        status=list(statuses),
        later_confirmations=ctx.later_confirmations,
        **kw,
    )


# --- at risk -------------------------------------------------------------------------


def at_risk(user: User, ctx: StatusContext, period: Period | None = None, limit: int = 15):
    """Overdue tasks, then those due soon (both ordered by due date):
    [(task, status, due date in force)]."""
    from sqlalchemy.orm import joinedload

    flt = filter_for(ctx, period, statuses=[TimeStatus.OVERDUE.value, TimeStatus.DUE_SOON.value])
    query, _, facts = filtered_query_with_facts(user, flt, ctx)
    query = (
        query.add_columns(facts.due.label("due_in_force"), facts.lead_unit_id.label("lead"))
        .options(joinedload(Task.lead_unit), joinedload(Task.directive))
        .order_by(facts.due, Task.id)
        .limit(limit)
    )
    result = db.session.execute(query).all()
    units = units_by_id(lead for *_rest, lead in result)
    return [
        TaskRow(task, TimeStatus(status), day, units.get(lead, task.lead_unit))
        for task, status, day, lead in result
    ]


# --- detail rows for the report and its exports ---------------------------------------


@dataclass
class DetailRow:
    task: Task
    status: TimeStatus
    due_on: date | None
    difficulties: str
    proposals: str
    extensions: int = 0  # extensions approved on or before the as-of date
    awaiting: bool = False  # chờ xác nhận on the as-of date
    lead_unit: str = ""  # the lead unit on the as-of date
    coordinating: str = ""  # the coordinating units on the as-of date


def detail_rows(
    user: User, ctx: StatusContext, period: Period | None, limit: int | None = None
) -> list[DetailRow]:
    """The tasks of the report, ordered by directive and item, with the due date in force
    and the difficulties / proposals of the last progress report up to the as-of date."""
    flt = filter_for(ctx, period, sort="item")
    facts_out: list = []
    query, _, _ = task_rows_query(user, flt, ctx, facts_out)
    facts = facts_out[0]
    # (task_rows_query's rows carry the lead unit in force already.)
    query = query.add_columns(awaiting_sql(ctx, facts=facts).label("awaiting")).order_by(
        Task.assigned_on, Task.directive_id, Task.item_no
    )
    if ctx.changed("coordinating"):  # the units of that day: one more query, not one per task
        query = query.options(
            selectinload(Task.coordinating_unit_changes).joinedload(TaskCoordinatingUnitChange.unit)
        )
    if limit:
        query = query.limit(limit)
    rows = db.session.execute(query).unique().all()
    task_ids = [task.id for task, *_ in rows]
    latest = _latest_reports(task_ids, ctx.as_of)
    extensions = _extensions_as_of(task_ids, ctx.as_of)
    labels = unit_labels(row[3] for row in rows)
    result = []
    for task, status, due, lead, awaiting in rows:
        report = latest.get(task.id)
        result.append(
            DetailRow(
                task,
                TimeStatus(status),
                due,
                (report.difficulties or "") if report else "",
                (report.proposals or "") if report else "",
                extensions.get(task.id, 0),
                bool(awaiting),
                labels.get(lead, ""),
                ", ".join(unit.label for unit in coordinating_units_on(task, ctx)),
            )
        )
    return result


def _extensions_as_of(task_ids: list[int], as_of: date) -> dict[int, int]:
    """Approved extensions per task that took effect on or before as_of (chunks of 500)."""
    counts: dict[int, int] = {}
    for i in range(0, len(task_ids), 500):
        query = (
            select(DueDateChange.task_id, func.count())
            .where(
                DueDateChange.task_id.in_(task_ids[i : i + 500]),
                DueDateChange.extension_request_id.is_not(None),
                DueDateChange.effective_on <= as_of,
            )
            .group_by(DueDateChange.task_id)
        )
        counts.update(dict(db.session.execute(query).all()))
    return counts


def _latest_reports(task_ids: list[int], as_of: date) -> dict[int, ProgressReport]:
    """The last progress report of each task up to as_of (queries in chunks of 500)."""
    latest: dict[int, ProgressReport] = {}
    for i in range(0, len(task_ids), 500):
        chunk = task_ids[i : i + 500]
        newest = (
            select(ProgressReport.task_id, func.max(ProgressReport.id).label("id"))
            .where(ProgressReport.task_id.in_(chunk), ProgressReport.reported_on <= as_of)
            .group_by(ProgressReport.task_id)
            .subquery()
        )
        for report in db.session.scalars(
            select(ProgressReport).join(newest, newest.c.id == ProgressReport.id)
        ):
            latest[report.task_id] = report
    return latest
