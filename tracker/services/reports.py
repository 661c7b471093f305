"""Progress statistics (DESIGN §1 "Reports"): totals, breakdowns, ageing, ranking, trend.

Every number is an SQL aggregate over the status expression of ``tracker.status`` with the
due date in force on the as-of date, over exactly the rows the task list shows for the
matching ``TaskFilter``: so each number links to a list whose count equals it.
"""

from __future__ import annotations

import calendar as pycalendar
import re
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import case, func, select, tuple_

from .. import policy
from ..calendar import shift_days
from ..config import Defaults
from ..extensions import db
from ..models import Directive, DueDateChange, ProgressReport, Task, Unit, User
from ..status import (
    COMPLETED,
    OPEN,
    StatusContext,
    TimeStatus,
    due_in_force,
    time_status_sql,
    withdrawn_sql,
)
from .tasks import TaskFilter, filtered_query_with_due, status_context, task_rows_query

AGEING_BUCKETS = ((1, 30), (31, 60), (61, 120), (121, None))  # days overdue
DONE = [TimeStatus.DONE_ON_TIME.value, TimeStatus.DONE_LATE.value]
NOT_DONE = [TimeStatus.IN_TIME.value, TimeStatus.DUE_SOON.value, TimeStatus.OVERDUE.value]
IN_TIME = [TimeStatus.IN_TIME.value, TimeStatus.DUE_SOON.value]


# --- periods -------------------------------------------------------------------------


class PeriodError(ValueError):
    pass


class PeriodOutOfRange(PeriodError):
    """A period reaching outside DATE_MIN..DATE_MAX (settings): never meant, and the
    working-day arithmetic of such dates is meaningless."""

    def __init__(self, text: str, low: date, high: date):
        super().__init__(
            f"invalid period {text!r}: it must lie between {low:%Y-%m-%d} and {high:%Y-%m-%d}"
        )
        self.low, self.high = low, high


def date_range() -> tuple[date, date]:
    """DATE_MIN..DATE_MAX of the application (the defaults outside one)."""
    from flask import current_app, has_app_context

    config = current_app.config if has_app_context() else {}
    return (
        config.get("DATE_MIN", Defaults.DATE_MIN),
        config.get("DATE_MAX", Defaults.DATE_MAX),
    )


@dataclass(frozen=True)
class Period:
    """A reporting period. Months run from the 15th of the previous month to the 14th
    (Nghị định 09/2019/NĐ-CP); quarters, halves and years are made of such months."""

    start: date
    end: date
    code: str

    @property
    def label(self) -> str:
        return f"{self.start:%d/%m/%Y} – {self.end:%d/%m/%Y}"


def _month_start(year: int, month: int) -> date:
    """The first day of reporting month ``month``: the 15th of the month before."""
    return date(year - 1, 12, 15) if month == 1 else date(year, month - 1, 15)


def _months(year: int, first: int, last: int, code: str) -> Period:
    return Period(_month_start(year, first), date(year, last, 14), code)


PERIOD_SYNTAX = "YYYY-MM, YYYY-Qn, YYYY-H1, YYYY-H2, YYYY or YYYY-MM-DD..YYYY-MM-DD"


def parse_period(text: str) -> Period:
    """The period ``text`` names (PERIOD_SYNTAX), within DATE_MIN..DATE_MAX, else
    PeriodError (PeriodOutOfRange when it only reaches too far)."""
    period = _parse_period(text)
    low, high = date_range()
    if period.start < low or period.end > high:
        raise PeriodOutOfRange(period.code, low, high)
    return period


def _parse_period(text: str) -> Period:
    text = (text or "").strip()
    try:
        if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
            year, month = int(m[1]), int(m[2])
            if not 1 <= month <= 12:
                raise PeriodError
            return _months(year, month, month, text)
        if m := re.fullmatch(r"(\d{4})-[Qq]([1-4])", text):
            year, q = int(m[1]), int(m[2])
            return _months(year, 3 * q - 2, 3 * q, f"{year}-Q{q}")
        if m := re.fullmatch(r"(\d{4})-[Hh]([12])", text):
            year, h = int(m[1]), int(m[2])
            return _months(year, 6 * h - 5, 6 * h, f"{year}-H{h}")
        if m := re.fullmatch(r"(\d{4})", text):
            return _months(int(m[1]), 1, 12, text)
        if m := re.fullmatch(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})", text):
            start, end = date.fromisoformat(m[1]), date.fromisoformat(m[2])
            if end < start:
                raise PeriodError
            return Period(start, end, text)
    except ValueError as exc:  # PeriodError included; year 0 has no 15 December
        raise PeriodError(f"invalid period {text!r}: expected {PERIOD_SYNTAX}") from exc
    raise PeriodError(f"invalid period {text!r}: expected {PERIOD_SYNTAX}")


def current_month_period(today: date) -> Period:
    year, month = (today.year, today.month) if today.day <= 14 else _next_month(today)
    return _months(year, month, month, f"{year}-{month:02d}")


def _next_month(day: date) -> tuple[int, int]:
    return (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)


# --- counts --------------------------------------------------------------------------


@dataclass
class Counts:
    total: int = 0
    done_on_time: int = 0
    done_late: int = 0
    in_time: int = 0  # including due soon
    due_soon: int = 0
    overdue: int = 0
    no_deadline: int = 0
    already_due: int = 0  # due date on or before the as-of date
    done_already_due: int = 0  # completed among those
    ageing: list[int] = field(default_factory=lambda: [0] * len(AGEING_BUCKETS))

    @property
    def completed(self) -> int:
        return self.done_on_time + self.done_late

    @property
    def not_completed(self) -> int:
        return self.in_time + self.overdue

    @property
    def rate_all(self) -> float | None:
        """Completed over all tasks."""
        return self.completed / self.total if self.total else None

    @property
    def rate_due(self) -> float | None:
        """Completed over tasks already due (nhiệm vụ đến hạn)."""
        return self.done_already_due / self.already_due if self.already_due else None

    @property
    def on_time_rate(self) -> float | None:
        """Completed on time over tasks whose outcome is known (completed or overdue):
        the emulation ranking's measure."""
        decided = self.completed + self.overdue
        return self.done_on_time / decided if decided else None


def _status_keys(ctx: StatusContext, due):
    """Per task: its time status, whether it is already due, and its ageing bucket (the
    latter meaningful for overdue tasks only). Grouping by these and counting, then
    adding the groups up, evaluates the status expression once per row."""
    status = time_status_sql(ctx, due=due)
    already = case((due <= ctx.as_of, 1), else_=0)
    whens = [
        (due >= shift_days(ctx.as_of, -high), i)
        for i, (_, high) in enumerate(AGEING_BUCKETS)
        if high is not None
    ]
    bucket = case(*whens, else_=len(AGEING_BUCKETS) - 1)
    return [status, already, bucket]


def _add(counts: Counts, status: str, already: int, bucket: int, n: int) -> None:
    counts.total += n
    if status == TimeStatus.DONE_ON_TIME:
        counts.done_on_time += n
    elif status == TimeStatus.DONE_LATE:
        counts.done_late += n
    elif status in (TimeStatus.IN_TIME, TimeStatus.DUE_SOON):
        counts.in_time += n
        if status == TimeStatus.DUE_SOON:
            counts.due_soon += n
    elif status == TimeStatus.OVERDUE:
        counts.overdue += n
        counts.ageing[bucket] += n
    elif status == TimeStatus.NO_DEADLINE:
        counts.no_deadline += n
    if already:
        counts.already_due += n
        if status in DONE:
            counts.done_already_due += n


def _pivot(rows, width: int) -> dict[tuple, Counts]:
    """Rows (key..., status, already, bucket, n) -> Counts per key, in row order."""
    result: dict[tuple, Counts] = {}
    for row in rows:
        key = tuple(row[:width])
        counts = result.get(key)
        if counts is None:
            counts = result[key] = Counts()
        _add(counts, *row[width:])
    return result


def _base_where(user: User, ctx: StatusContext, period: Period | None):
    """The rows of the task list for TaskFilter(as_of, assigned_from/to) (withdrawn out)."""
    clauses = [
        policy.visible_tasks_clause(user),
        Task.assigned_on <= ctx.as_of,
        ~withdrawn_sql(ctx),
    ]
    if period is not None:
        clauses += [Task.assigned_on >= period.start, Task.assigned_on <= period.end]
    return clauses


def _grouped(user, ctx, period, keys: list, *, where=(), joins=()):
    due = due_in_force(ctx)
    status_keys = _status_keys(ctx, due.expr)
    query = due.join(select(*keys, *status_keys, func.count()).select_from(Task))
    for target, on in joins:
        query = query.outerjoin(target, on)
    query = query.where(*_base_where(user, ctx, period), *where).group_by(*keys, *status_keys)
    return _pivot(db.session.execute(query), len(keys))


@dataclass
class GroupRow:
    key: int | str | None
    label: str
    counts: Counts


def totals(user: User, ctx: StatusContext, period: Period | None = None) -> Counts:
    return _grouped(user, ctx, period, []).get((), Counts())


def sum_counts(rows: list[GroupRow]) -> Counts:
    """The totals of a breakdown that covers every row once (by lead unit)."""
    total = Counts()
    for row in rows:
        c = row.counts
        for name in (
            "total", "done_on_time", "done_late", "in_time", "due_soon", "overdue",
            "no_deadline", "already_due", "done_already_due",
        ):  # fmt: skip
            setattr(total, name, getattr(total, name) + getattr(c, name))
        total.ageing = [a + b for a, b in zip(total.ageing, c.ageing, strict=True)]
    return total


def _rows(pivot: dict[tuple, Counts], labels: dict) -> list[GroupRow]:
    rows = [GroupRow(key[0], labels.get(key[0]) or "", counts) for key, counts in pivot.items()]
    return sorted(rows, key=lambda r: (r.label == "", r.label.casefold()))


def by_unit(user: User, ctx: StatusContext, period: Period | None = None) -> list[GroupRow]:
    return _unit_rows(_grouped(user, ctx, period, [Task.lead_unit_id]))


def _unit_rows(pivot: dict[tuple, Counts]) -> list[GroupRow]:
    ids = [key[0] for key in pivot]
    labels = dict(
        db.session.execute(
            select(Unit.id, func.coalesce(Unit.short_name, Unit.name)).where(Unit.id.in_(ids))
        ).all()
    ) if ids else {}  # fmt: skip
    return _rows(pivot, labels)


def by_leader_and_field(
    user: User, ctx: StatusContext, period: Period | None = None
) -> tuple[list[GroupRow], list[GroupRow]]:
    """Counts per assigning leader and per field, from one GROUP BY over both."""
    return _leader_field_rows(_grouped(user, ctx, period, [Task.assigned_by_id, Task.field]))


def _leader_field_rows(pivot: dict[tuple, Counts]) -> tuple[list[GroupRow], list[GroupRow]]:
    leaders: dict[tuple, Counts] = {}
    fields_: dict[tuple, Counts] = {}
    for (leader_id, field_name), counts in pivot.items():
        for target, key in ((leaders, (leader_id,)), (fields_, (field_name,))):
            target[key] = sum_counts([GroupRow(None, "", target.get(key, Counts())),
                                      GroupRow(None, "", counts)])  # fmt: skip
    ids = [key[0] for key in leaders if key[0] is not None]
    leader_names = dict(
        db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all()
    ) if ids else {}  # fmt: skip
    return _rows(leaders, leader_names), _rows(fields_, {k[0]: k[0] for k in fields_})


def by_unit_leader_and_field(
    user: User, ctx: StatusContext, period: Period | None = None
) -> tuple[list[GroupRow], list[GroupRow], list[GroupRow]]:
    """Counts per lead unit, per assigning leader and per field. PostgreSQL reads the
    tasks once (GROUPING SETS); SQLite, which has none, runs the two GROUP BY queries."""
    if db.session.get_bind().dialect.name != "postgresql":
        return (by_unit(user, ctx, period), *by_leader_and_field(user, ctx, period))
    due = due_in_force(ctx)
    status_keys = _status_keys(ctx, due.expr)
    keys = [Task.lead_unit_id, Task.assigned_by_id, Task.field]
    query = (
        due.join(
            select(func.grouping(Task.lead_unit_id), *keys, *status_keys, func.count()).select_from(
                Task
            )
        )
        .where(*_base_where(user, ctx, period))
        .group_by(
            func.grouping_sets(
                tuple_(Task.lead_unit_id, *status_keys),
                tuple_(Task.assigned_by_id, Task.field, *status_keys),
            )
        )
    )
    unit_rows, leader_field_rows = [], []
    for row in db.session.execute(query):
        if row[0] == 0:  # grouped by lead unit
            unit_rows.append((row[1], *row[4:]))
        else:
            leader_field_rows.append((row[2], row[3], *row[4:]))
    return (_unit_rows(_pivot(unit_rows, 1)), *_leader_field_rows(_pivot(leader_field_rows, 2)))


def by_directive(
    user: User, ctx: StatusContext, period: Period | None = None, limit: int = 20
) -> list[GroupRow]:
    """The ``limit`` directives most behind (most overdue tasks, then most open)."""
    due = due_in_force(ctx)
    status = time_status_sql(ctx, due=due.expr)
    overdue = func.sum(case((status == TimeStatus.OVERDUE.value, 1), else_=0))
    open_ = func.sum(case((status.in_(NOT_DONE), 1), else_=0))
    top = db.session.execute(
        due.join(select(Task.directive_id, overdue, open_).select_from(Task))
        .where(*_base_where(user, ctx, period))
        .group_by(Task.directive_id)
        .order_by(overdue.desc(), open_.desc(), Task.directive_id)
        .limit(limit)
    ).all()
    ids = [row[0] for row in top]
    if not ids:
        return []
    pivot = _grouped(user, ctx, period, [Task.directive_id], where=[Task.directive_id.in_(ids)])
    labels = dict(
        db.session.execute(
            select(Directive.id, Directive.symbol).where(Directive.id.in_(ids))
        ).all()
    )
    return [GroupRow(i, labels.get(i, ""), pivot.get((i,), Counts())) for i in ids]


def breakdown(
    user: User, ctx: StatusContext, by: str, period: Period | None = None, limit: int | None = None
) -> list[GroupRow]:
    """Counts per lead unit, assigning leader, field or directive."""
    if by == "unit":
        return by_unit(user, ctx, period)
    if by == "leader":
        return by_leader_and_field(user, ctx, period)[0]
    if by == "field":
        return by_leader_and_field(user, ctx, period)[1]
    if by == "directive":
        return by_directive(user, ctx, period, limit or 20)
    raise ValueError(by)


def ranking(user: User, ctx: StatusContext, period: Period | None = None) -> list[GroupRow]:
    """Units ranked for emulation by on-time completion rate (units with nothing due or
    done last), then by completed on time, then by fewest overdue."""
    rows = by_unit(user, ctx, period)
    return sorted(
        rows,
        key=lambda r: (
            r.counts.on_time_rate is None,
            -(r.counts.on_time_rate or 0),
            -r.counts.done_on_time,
            r.counts.overdue,
            r.label,
        ),
    )


def at_risk(user: User, ctx: StatusContext, period: Period | None = None, limit: int = 15):
    """Overdue tasks, then those due soon (both ordered by due date):
    [(task, status, due date in force)]."""
    from sqlalchemy.orm import joinedload

    flt = filter_for(ctx, period, statuses=[TimeStatus.OVERDUE.value, TimeStatus.DUE_SOON.value])
    query, _, due = filtered_query_with_due(user, flt, ctx)
    query = (
        query.add_columns(due.label("due_in_force"))
        .options(joinedload(Task.lead_unit), joinedload(Task.directive))
        .order_by(due, Task.id)
        .limit(limit)
    )
    return [(task, TimeStatus(status), day) for task, status, day in db.session.execute(query)]


def month_ends(as_of: date, months: int = 12) -> list[date]:
    """The last day of each of the ``months`` months up to as_of (as_of for the last);
    fewer when the calendar begins before (year 1)."""
    ends, year, month = [], as_of.year, as_of.month
    for _ in range(months):
        last = date(year, month, pycalendar.monthrange(year, month)[1])
        ends.append(min(last, as_of))
        if (year, month) == (1, 1):
            break
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return ends[::-1]


def trend(user: User, as_of: date, months: int = 12) -> list[tuple[date, Counts]]:
    """At each month end: completed on time, late, overdue open (one query a month)."""
    return [(day, totals(user, status_context(day))) for day in month_ends(as_of, months)]


# --- links ---------------------------------------------------------------------------


def filter_for(
    ctx: StatusContext, period: Period | None = None, *, statuses=(), **kw
) -> TaskFilter:
    """The TaskFilter whose list produces a number computed here."""
    return TaskFilter(
        as_of=ctx.as_of,
        status=list(statuses),
        assigned_from=period.start if period else None,
        assigned_to=period.end if period else None,
        **kw,
    )


# --- detail rows for the report and its exports ---------------------------------------


@dataclass
class DetailRow:
    task: Task
    status: TimeStatus
    due_on: date | None
    difficulties: str
    proposals: str
    extensions: int = 0  # extensions approved on or before the as-of date


def detail_rows(
    user: User, ctx: StatusContext, period: Period | None, limit: int | None = None
) -> list[DetailRow]:
    """The tasks of the report, ordered by directive and item, with the due date in force
    and the difficulties / proposals of the last progress report up to the as-of date."""
    flt = filter_for(ctx, period, sort="item")
    query, _, _ = task_rows_query(user, flt, ctx)
    query = query.order_by(Task.assigned_on, Task.directive_id, Task.item_no)
    if limit:
        query = query.limit(limit)
    rows = db.session.execute(query).unique().all()
    task_ids = [task.id for task, *_ in rows]
    latest = _latest_reports(task_ids, ctx.as_of)
    extensions = _extensions_as_of(task_ids, ctx.as_of)
    result = []
    for task, status, due in rows:
        report = latest.get(task.id)
        result.append(
            DetailRow(
                task,
                TimeStatus(status),
                due,
                (report.difficulties or "") if report else "",
                (report.proposals or "") if report else "",
                extensions.get(task.id, 0),
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


__all__ = [
    "AGEING_BUCKETS",
    "COMPLETED",
    "OPEN",
    "Counts",
    "DetailRow",
    "GroupRow",
    "Period",
    "PeriodError",
    "PeriodOutOfRange",
    "breakdown",
    "current_month_period",
    "date_range",
    "detail_rows",
    "filter_for",
    "month_ends",
    "parse_period",
    "ranking",
    "totals",
    "trend",
]
