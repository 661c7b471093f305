"""Which reminders are due now: one query over tasks, working days from calendar.py."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import aliased

from ..calendar import WorkingCalendar, load_calendar, local_zone
from ..database import insert_for
from ..extensions import db
from ..models import PlannerState, Role, Task, User, task_coordinating_unit
from . import REMINDED_STATES, Kind, Reason
from .outbox import OutboxItem, insert_items

STATE_NAME = "reminders"


@dataclass
class PlanResult:
    day: date
    tasks_seen: int = 0
    planned: int = 0  # items computed (a second planner computes the same ones)
    inserted: int = 0  # new outbox rows
    by_kind: dict[str, int] = field(default_factory=dict)
    caught_up: list[date] = field(default_factory=list)  # missed days planned now


class WorkdayIndex:
    """Working days between two dates in O(1): a running count over a date range, built
    once per pass from the calendar's own rule."""

    def __init__(self, calendar: WorkingCalendar, first: date, last: date):
        self.calendar, self.first = calendar, first
        self.ordinal: list[int] = []
        count, day = 0, first
        while day <= last:
            if calendar.is_working_day(day):
                count += 1
            self.ordinal.append(count)
            day += timedelta(days=1)

    def between(self, start: date, end: date) -> int:
        """Working days in (start, end], like WorkingCalendar.working_days_between."""
        return self.ordinal[(end - self.first).days] - self.ordinal[(start - self.first).days]


def _clock(setting: str) -> time:
    hours, minutes = setting.split(":")
    return time(int(hours), int(minutes))


def _owners(r, heads: dict[int, list[int]], with_heads: bool):
    """The people a task's reminder goes to: its focal person (the lead unit's heads when
    it has none), the monitoring specialist, and the heads too when asked."""
    focal_ok = r.focal_person_id is not None and r.focal_active
    if focal_ok:
        yield r.focal_person_id, Reason.FOCAL
    if with_heads or not focal_ok:
        for head in heads.get(r.lead_unit_id, []):
            yield head, Reason.HEAD
    if r.monitor_id is not None and r.monitor_active:
        yield r.monitor_id, Reason.MONITOR


def _missed(last: date | None, today: date, window: int) -> list[date]:
    """The days after ``last`` and before today, at most ``window`` days back. A planner
    that never ran has nothing to catch up."""
    if last is None:
        return []
    first = max(last + timedelta(days=1), today - timedelta(days=window))
    return [first + timedelta(days=n) for n in range((today - first).days)]


def _day_reminder(due: date, day: date, working: bool, workdays: WorkdayIndex, config):
    """The day-based reminder a task due on ``due`` gets on ``day``, if any."""
    if due == day:
        return Kind.DUE_TODAY if config["REMINDER_ON_DUE_DATE"] else None
    if not working:
        return None
    if due > day:
        left = workdays.between(day, due)
        return Kind.DUE_SOON if left in config["REMINDER_BEFORE_WORKING_DAYS"] else None
    every = config["REMINDER_OVERDUE_EVERY_WORKING_DAYS"]
    late = workdays.between(due, day)
    return Kind.OVERDUE if every and late >= 1 and (late - 1) % every == 0 else None


def _record(session, today: date, daily: bool, digest_done: bool, now: datetime) -> None:
    """Remember the days planned in full: every day before today (caught up or given up),
    and today once its daily (and, on the digest's weekday, digest) time has passed."""
    daily_on = today if daily else today - timedelta(days=1)
    digest_on = today if digest_done else today - timedelta(days=1)
    state = session.get(PlannerState, STATE_NAME)
    if state is None:
        # Two first planners at once: one INSERT wins, the other's is dropped.
        session.execute(
            insert_for(session)(PlannerState.__table__)
            .values(
                name=STATE_NAME,
                daily_planned_on=daily_on,
                digest_planned_on=digest_on,
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=["name"])
        )
        return
    # Only forwards: a planner run with an earlier --at does not make days missed again.
    if state.daily_planned_on is None or state.daily_planned_on < daily_on:
        state.daily_planned_on = daily_on
    if state.digest_planned_on is None or state.digest_planned_on < digest_on:
        state.digest_planned_on = digest_on
    state.updated_at = now


def plan(now: datetime, session=None) -> PlanResult:
    """Insert every reminder due at ``now`` into the outbox, and those of the days the
    planner missed (up to REMINDER_CATCH_UP_DAYS back) that are still true today, as
    today's. Records the days planned. Does not commit."""
    session = session or db.session
    config = current_app.config
    local_now = now.astimezone(local_zone())
    today = local_now.date()
    calendar = load_calendar(session)
    result = PlanResult(day=today)

    daily = local_now.time() >= _clock(config["REMINDER_DAILY_AT"])
    digest_day = today.weekday() == config["REMINDER_DIGEST_WEEKDAY"]
    digest = digest_day and local_now.time() >= _clock(config["REMINDER_DIGEST_AT"])
    state = session.get(PlannerState, STATE_NAME)
    window = config["REMINDER_CATCH_UP_DAYS"]
    missed = _missed(state and state.daily_planned_on, today, window)
    missed_digest = any(
        day.weekday() == config["REMINDER_DIGEST_WEEKDAY"]
        for day in _missed(state and state.digest_planned_on, today, window)
    )
    result.caught_up = missed
    _record(session, today, daily, digest or not digest_day, now)
    before = sorted(set(config["REMINDER_BEFORE_WORKING_DAYS"]), reverse=True)
    horizon = today + timedelta(days=config["REMINDER_DIGEST_HORIZON_DAYS"])
    if before:
        horizon = max(horizon, calendar.add_working_days(today, before[0]))
    lookback = today - timedelta(days=config["REMINDER_ASSIGNMENT_LOOKBACK_DAYS"])
    if missed:
        lookback = min(lookback, missed[0])

    # The one query over tasks: open tasks due by the horizon (index state, current_due_on)
    # or assigned lately (index state, assigned_on), with their focal person and monitor.
    focal, monitor = aliased(User), aliased(User)
    selects = (
        [Task.current_due_on <= horizon] if (daily or digest or missed or missed_digest) else []
    )
    if config["REMINDER_ON_ASSIGNMENT"]:
        selects.append(and_(Task.assigned_on >= lookback, Task.assigned_on <= today))
    if not selects:
        return result
    wanted = and_(Task.state.in_(REMINDED_STATES), or_(*selects))
    rows = session.execute(
        select(
            Task.id,
            Task.lead_unit_id,
            Task.assigned_on,
            Task.current_due_on,
            Task.assigned_by_id,
            Task.focal_person_id,
            focal.active.label("focal_active"),
            Task.monitor_id,
            monitor.active.label("monitor_active"),
        )
        .outerjoin(focal, focal.id == Task.focal_person_id)
        .outerjoin(monitor, monitor.id == Task.monitor_id)
        .where(wanted)
    ).all()
    result.tasks_seen = len(rows)
    if not rows:
        return result

    # Who else: unit heads (one query) and coordinating units of these tasks (one query).
    heads: dict[int, list[int]] = defaultdict(list)
    for user_id, unit_id in session.execute(
        select(User.id, User.unit_id).where(User.role == Role.UNIT_HEAD, User.active.is_(True))
    ):
        heads[unit_id].append(user_id)
    coordinating: dict[int, list[int]] = defaultdict(list)
    if config["REMINDER_ON_ASSIGNMENT"]:
        for task_id, unit_id in session.execute(
            select(task_coordinating_unit.c.task_id, task_coordinating_unit.c.unit_id)
            .join(Task, Task.id == task_coordinating_unit.c.task_id)
            .where(Task.state.in_(REMINDED_STATES), Task.assigned_on >= lookback)
        ):
            coordinating[task_id].append(unit_id)
    leaders = set()
    if digest or missed_digest:
        leaders = set(
            session.scalars(
                select(User.id).where(
                    User.role == Role.LEADER, User.active.is_(True), User.wants_digest.is_(True)
                )
            )
        )

    dues = [r.current_due_on for r in rows if r.current_due_on is not None]
    first = min([today, *missed, *dues]) - timedelta(days=1)
    workdays = WorkdayIndex(calendar, first, max([horizon, *dues]))
    working_today = calendar.is_working_day(today)
    copy_head_after = config["REMINDER_OVERDUE_COPY_HEAD_AFTER_DAYS"]

    items: list[OutboxItem] = []
    digests: dict[int, list[int]] = defaultdict(list)

    def add(kind, task_id, recipient_id, reason, day=today, **payload):
        items.append(OutboxItem(kind, day, recipient_id, reason, task_id, payload or None))

    for r in rows:

        def owners(kind, task_id, day=today, with_heads=False, *, _r=r, **payload):
            for recipient, reason in _owners(_r, heads, with_heads):
                add(kind, task_id, recipient, reason, day, **payload)

        if config["REMINDER_ON_ASSIGNMENT"] and lookback <= r.assigned_on <= today:
            # Keyed by the assignment day: a planner that runs again tomorrow adds nothing.
            owners(Kind.ASSIGNED, r.id, r.assigned_on, with_heads=True)
            for unit_id in coordinating.get(r.id, []):
                for head in heads.get(unit_id, []):
                    add(Kind.ASSIGNED, r.id, head, Reason.COORDINATOR, r.assigned_on)
        due = r.current_due_on
        if due is None:
            continue
        kinds = set()
        if daily and (kind := _day_reminder(due, today, working_today, workdays, config)):
            kinds.add(kind)
        for day in missed:
            # A missed day's reminder, sent today if it is still true today (with the
            # task's current due date): due soon only while still due after today; a
            # "due today" of a day gone by is not (the overdue notices follow); an
            # overdue notice while still overdue. Keyed by today: at most one a day.
            kind = _day_reminder(due, day, calendar.is_working_day(day), workdays, config)
            if (kind == Kind.DUE_SOON and due > today) or (kind == Kind.OVERDUE and due < today):
                kinds.add(kind)
        if Kind.DUE_TODAY in kinds:
            owners(Kind.DUE_TODAY, r.id, days=0)
        if Kind.DUE_SOON in kinds:
            owners(Kind.DUE_SOON, r.id, days=workdays.between(today, due))
        if Kind.OVERDUE in kinds:
            days_late = (today - due).days
            owners(Kind.OVERDUE, r.id, with_heads=days_late >= copy_head_after, days=days_late)
        if (
            (digest or missed_digest)
            and r.assigned_by_id in leaders
            and due <= today + timedelta(days=config["REMINDER_DIGEST_HORIZON_DAYS"])
        ):
            digests[r.assigned_by_id].append(r.id)

    for leader_id, task_ids in digests.items():
        # Never an empty mail: a leader with nothing overdue or due soon gets no digest.
        add(Kind.DIGEST, None, leader_id, Reason.LEADER, task_ids=sorted(task_ids))

    result.planned = len(items)
    for item in items:
        result.by_kind[item.kind] = result.by_kind.get(item.kind, 0) + 1
    result.inserted = insert_items(session, items, now)
    return result
