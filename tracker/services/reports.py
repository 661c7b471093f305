"""Progress statistics (DESIGN §1 "Reports"): totals, breakdowns, ageing, ranking, trend.

Every number is an SQL aggregate over the status expression of ``tracker.status`` with the
due date in force on the as-of date, over exactly the rows the task list shows for the
matching ``TaskFilter``: so each number links to a list whose count equals it.
"""

from __future__ import annotations

import calendar as pycalendar
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import case, func, select, tuple_

from .. import policy
from ..calendar import shift_days
from ..extensions import db
from ..models import (
    Directive,
    Task,
    User,
)
from ..status import (
    COMPLETED,
    OPEN,
    StatusContext,
    TimeStatus,
    awaiting_sql,
    done_sql,
    facts_in_force,
    time_status_sql,
    withdrawn_sql,
)
from .periods import (  # the periods and scopes, here too for the callers of reports
    PERIOD_SYNTAX,
    SCOPE_ASSIGNED,
    SCOPE_CUMULATIVE,
    SCOPE_DUE,
    SCOPE_LABELS_VI,
    SCOPE_RULES_VI,
    SCOPES,
    Period,
    PeriodError,
    PeriodOutOfRange,
    current_month_period,
    date_range,
    default_scope,
    parse_period,
)
from .report_lists import (  # the lists behind the numbers, here too for the callers
    DetailRow,
    at_risk,
    detail_rows,
    filter_for,
)
from .tasks import (
    status_context,
)
from .units import successor_map, unit_labels

AGEING_BUCKETS = ((1, 30), (31, 60), (61, 120), (121, None))  # days overdue
DONE = [TimeStatus.DONE_ON_TIME.value, TimeStatus.DONE_LATE.value]
NOT_DONE = [TimeStatus.IN_TIME.value, TimeStatus.DUE_SOON.value, TimeStatus.OVERDUE.value]
IN_TIME = [TimeStatus.IN_TIME.value, TimeStatus.DUE_SOON.value]
WITH_DEADLINE = DONE + NOT_DONE
NO_DEADLINE = [TimeStatus.NO_DEADLINE_OPEN.value, TimeStatus.NO_DEADLINE_DONE.value]

# The published rates (Quyết định 42/2014/QĐ-TTg forms; DESIGN §1), stated on the page:
RATE_RULES_VI = (
    "Tỷ lệ hoàn thành = (hoàn thành đúng hạn + hoàn thành quá hạn) / tổng số nhiệm vụ "
    "có thời hạn. Tỷ lệ hoàn thành nhiệm vụ đến hạn = số đã hoàn thành trong các nhiệm "
    "vụ có thời hạn đến ngày báo cáo / số nhiệm vụ có thời hạn đến ngày báo cáo. Nhiệm "
    "vụ không thời hạn được thống kê riêng, không tính vào tổng số và các tỷ lệ."
)
RANK_RULE_VI = (
    "Xếp hạng theo tỷ lệ hoàn thành đúng hạn (đúng hạn / (đã hoàn thành + quá hạn)), rồi "
    "số hoàn thành đúng hạn (nhiều hơn xếp trên), rồi số quá hạn (ít hơn xếp trên). Các "
    "đơn vị bằng nhau ở cả ba tiêu chí cùng hạng; hạng kế tiếp bỏ qua số hạng đã dùng "
    "(1, 2, 2, 4). Đơn vị chưa có nhiệm vụ đến hạn hoặc hoàn thành xếp cuối."
)


# --- counts --------------------------------------------------------------------------


@dataclass
class Counts:
    """The official form: Total (with a deadline) = completed (on time + late) + not
    completed (in time + overdue); tasks without a deadline beside it, open / done."""

    total: int = 0  # with a deadline
    done_on_time: int = 0
    done_late: int = 0
    in_time: int = 0  # including due soon
    due_soon: int = 0
    overdue: int = 0
    awaiting: int = 0  # not completed as of the date, a result waiting (chờ xác nhận)
    no_deadline_open: int = 0
    no_deadline_done: int = 0
    already_due: int = 0  # with a due date on or before the as-of date
    done_already_due: int = 0  # completed among those
    ageing: list[int] = field(default_factory=lambda: [0] * len(AGEING_BUCKETS))

    FIELDS = (
        "total", "done_on_time", "done_late", "in_time", "due_soon", "overdue", "awaiting",
        "no_deadline_open", "no_deadline_done", "already_due", "done_already_due",
    )  # fmt: skip

    @property
    def completed(self) -> int:
        return self.done_on_time + self.done_late

    @property
    def not_completed(self) -> int:
        return self.in_time + self.overdue

    @property
    def no_deadline(self) -> int:
        return self.no_deadline_open + self.no_deadline_done

    @property
    def rate_all(self) -> float | None:
        """Completed over Total (with a deadline): the published "tỷ lệ hoàn thành"."""
        return self.completed / self.total if self.total else None

    @property
    def rate_due(self) -> float | None:
        """Completed over tasks already due (nhiệm vụ đến hạn), both with a deadline."""
        return self.done_already_due / self.already_due if self.already_due else None

    @property
    def on_time_rate(self) -> float | None:
        """Completed on time over tasks whose outcome is known (completed or overdue):
        the emulation ranking's measure."""
        decided = self.completed + self.overdue
        return self.done_on_time / decided if decided else None


def _status_keys(ctx: StatusContext, facts):
    """Per task: its time status, whether it is already due, its ageing bucket (the
    latter meaningful for overdue tasks only) and whether a result awaits confirmation.
    Grouping by these and counting, then adding the groups up, evaluates the status
    expression once per row."""
    due = facts.due
    status = time_status_sql(ctx, due=due)
    already = case((due <= ctx.as_of, 1), else_=0)
    whens = [
        (due >= shift_days(ctx.as_of, -high), i)
        for i, (_, high) in enumerate(AGEING_BUCKETS)
        if high is not None
    ]
    bucket = case(*whens, else_=len(AGEING_BUCKETS) - 1)
    return [status, already, bucket, awaiting_sql(ctx, facts=facts)]


def _add(counts: Counts, status: str, already: int, bucket: int, awaiting: int, n: int) -> None:
    if status == TimeStatus.NO_DEADLINE_OPEN:
        counts.no_deadline_open += n
        return
    if status == TimeStatus.NO_DEADLINE_DONE:
        counts.no_deadline_done += n
        return
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
    if awaiting and status in NOT_DONE:
        counts.awaiting += n
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


def _base_where(user: User, ctx: StatusContext, period: Period | None, facts):
    """The rows of the task list for ``filter_for(ctx, period)`` (withdrawn out)."""
    clauses = [
        policy.visible_tasks_clause(user),
        Task.assigned_on <= ctx.as_of,
        ~withdrawn_sql(ctx),
    ]
    if period is None:
        return clauses
    if period.scope == SCOPE_DUE:
        clauses += [facts.due >= period.start, facts.due <= period.end]
    elif period.scope == SCOPE_CUMULATIVE:
        clauses += [
            Task.assigned_on <= period.end,
            ~(done_sql(ctx) & (Task.completed_on < period.start)),
        ]
    else:
        clauses += [Task.assigned_on >= period.start, Task.assigned_on <= period.end]
    return clauses


LEAD_UNIT = "lead_unit"  # a grouping key: the lead unit in force on the as-of date


def _grouped(user, ctx, period, keys: list, *, where=()):
    facts = facts_in_force(ctx)
    keys = [facts.lead_unit_id if key is LEAD_UNIT else key for key in keys]
    status_keys = _status_keys(ctx, facts)
    query = facts.join(select(*keys, *status_keys, func.count()).select_from(Task))
    query = query.where(*_base_where(user, ctx, period, facts), *where)
    query = query.group_by(*keys, *status_keys)
    return _pivot(db.session.execute(query), len(keys))


@dataclass
class GroupRow:
    key: int | str | None
    label: str
    counts: Counts
    rank: int | None = None  # the emulation ranking's (shared by exact ties)
    # The predecessors summed into this row ("kể cả đơn vị tiền nhiệm"): their labels.
    includes: tuple[str, ...] = ()


def totals(user: User, ctx: StatusContext, period: Period | None = None) -> Counts:
    return _grouped(user, ctx, period, []).get((), Counts())


def sum_counts(rows: list[GroupRow]) -> Counts:
    """The totals of a breakdown that covers every row once (by lead unit)."""
    total = Counts()
    for row in rows:
        c = row.counts
        for name in Counts.FIELDS:
            setattr(total, name, getattr(total, name) + getattr(c, name))
        total.ageing = [a + b for a, b in zip(total.ageing, c.ageing, strict=True)]
    return total


def _rows(pivot: dict[tuple, Counts], labels: dict) -> list[GroupRow]:
    rows = [GroupRow(key[0], labels.get(key[0]) or "", counts) for key, counts in pivot.items()]
    return sorted(rows, key=lambda r: (r.label == "", r.label.casefold()))


def by_unit(user: User, ctx: StatusContext, period: Period | None = None) -> list[GroupRow]:
    return _unit_rows(_grouped(user, ctx, period, [LEAD_UNIT]))


def _unit_rows(pivot: dict[tuple, Counts]) -> list[GroupRow]:
    labels = unit_labels(key[0] for key in pivot)
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
    facts = facts_in_force(ctx)
    status_keys = _status_keys(ctx, facts)
    lead = facts.lead_unit_id
    keys = [lead, Task.assigned_by_id, Task.field]
    query = (
        facts.join(select(func.grouping(lead), *keys, *status_keys, func.count()).select_from(Task))
        .where(*_base_where(user, ctx, period, facts))
        .group_by(
            func.grouping_sets(
                tuple_(lead, *status_keys),
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
    facts = facts_in_force(ctx)
    status = time_status_sql(ctx, due=facts.due)
    overdue = func.sum(case((status == TimeStatus.OVERDUE.value, 1), else_=0))
    open_ = func.sum(case((status.in_(NOT_DONE), 1), else_=0))
    top = db.session.execute(
        facts.join(select(Task.directive_id, overdue, open_).select_from(Task))
        .where(*_base_where(user, ctx, period, facts))
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


def _rank_key(row: GroupRow) -> tuple:
    c = row.counts
    return (c.on_time_rate is None, -(c.on_time_rate or 0), -c.done_on_time, c.overdue)


def ranking(
    user: User,
    ctx: StatusContext,
    period: Period | None = None,
    with_predecessors: bool = False,
) -> list[GroupRow]:
    """Units ranked for emulation (RANK_RULE_VI): by on-time completion rate (units with
    nothing due or done last), then by completed on time, then by fewest overdue. Units
    equal on all three share a rank and the next rank skips (1, 2, 2, 4); within a
    rank they are listed by name. ``with_predecessors``: a unit that ceased is summed
    into its one successor's row (the same query, regrouped)."""
    rows = by_unit(user, ctx, period)
    if with_predecessors:
        rows = sum_into_successors(rows)
    return assign_ranks(rows)


def sum_into_successors(rows: list[GroupRow]) -> list[GroupRow]:
    mapping = successor_map()
    if not mapping:
        return rows
    groups: dict[int, list[GroupRow]] = {}
    for row in rows:
        groups.setdefault(mapping.get(row.key, row.key), []).append(row)
    labels = unit_labels(groups)
    summed = [
        GroupRow(
            key,
            labels.get(key, ""),
            sum_counts(members),
            includes=tuple(sorted(m.label for m in members if m.key != key)),
        )
        for key, members in groups.items()
    ]
    return sorted(summed, key=lambda r: (r.label == "", r.label.casefold()))


def assign_ranks(rows: list[GroupRow]) -> list[GroupRow]:
    rows = sorted(rows, key=lambda r: (*_rank_key(r), r.label.casefold()))
    previous = None
    for position, row in enumerate(rows, start=1):
        key = _rank_key(row)
        if key != previous:
            rank, previous = position, key
        row.rank = rank
    return rows


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


__all__ = [
    "PERIOD_SYNTAX",
    "SCOPE_ASSIGNED",
    "SCOPE_CUMULATIVE",
    "SCOPE_DUE",
    "SCOPE_LABELS_VI",
    "SCOPE_RULES_VI",
    "default_scope",
    "AGEING_BUCKETS",
    "COMPLETED",
    "OPEN",
    "Counts",
    "DetailRow",
    "GroupRow",
    "Period",
    "PeriodError",
    "PeriodOutOfRange",
    "SCOPES",
    "assign_ranks",
    "at_risk",
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
