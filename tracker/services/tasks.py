"""Task queries and operations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import joinedload, selectinload

from .. import policy
from ..calendar import load_calendar
from ..extensions import db
from ..models import Task, User
from ..status import StatusContext, TimeStatus, time_status_sql
from ..text import fold


def status_context(as_of: date) -> StatusContext:
    from flask import current_app

    return StatusContext.build(as_of, load_calendar(), current_app.config["DUE_SOON_WORKING_DAYS"])


@dataclass
class TaskPage:
    rows: list[tuple[Task, TimeStatus]]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


# Overdue first, then due soon, then the rest; done and no-deadline last.
_URGENCY = {
    TimeStatus.OVERDUE: 0,
    TimeStatus.DUE_SOON: 1,
    TimeStatus.IN_TIME: 2,
    TimeStatus.NO_DEADLINE: 3,
    TimeStatus.DONE_LATE: 4,
    TimeStatus.DONE_ON_TIME: 5,
    TimeStatus.WITHDRAWN: 6,
}


def list_tasks(
    user: User,
    ctx: StatusContext,
    *,
    status: str | None = None,
    text: str | None = None,
    page: int = 1,
    per_page: int = 50,
) -> TaskPage:
    """The tasks ``user`` may see, most urgent first, one page of them."""
    status_expr = time_status_sql(ctx)
    urgency = _urgency_sql(status_expr)
    query = select(Task, status_expr.label("time_status")).where(policy.visible_tasks_clause(user))
    if status:
        query = query.where(status_expr == status)
    if text:
        query = query.where(Task.search_text.contains(fold(text), autoescape=True))
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    query = (
        query.options(
            joinedload(Task.lead_unit),
            joinedload(Task.directive),
            selectinload(Task.coordinating_units),
        )
        .order_by(urgency, Task.current_due_on.nulls_last(), Task.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    rows = [(task, TimeStatus(value)) for task, value in db.session.execute(query).unique()]
    return TaskPage(rows, total, page, per_page)


def _urgency_sql(status_expr):
    return case(*[(status_expr == value.value, rank) for value, rank in _URGENCY.items()], else_=9)
