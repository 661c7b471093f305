"""Secret-token iCal feeds: each open task's current due date as an all-day event."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from icalendar import Calendar, Event
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from .. import policy
from ..extensions import db
from ..models import FeedToken, Role, Task, TaskState, Unit, User
from . import audit

OPEN_STATES = [
    TaskState.ASSIGNED.value,
    TaskState.IN_PROGRESS.value,
    TaskState.AWAITING_CONFIRMATION.value,
    TaskState.PAUSED.value,
]


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _one_owner(user: User | None, unit: Unit | None) -> None:
    if (user is None) == (unit is None):
        raise ValueError("a feed belongs to exactly one user or one unit")


def active_feed(*, user: User | None = None, unit: Unit | None = None) -> FeedToken | None:
    _one_owner(user, unit)
    query = select(FeedToken).where(FeedToken.revoked_at.is_(None))
    if user is not None:
        query = query.where(FeedToken.user_id == user.id)
    else:
        query = query.where(FeedToken.unit_id == unit.id)
    return db.session.scalar(query.order_by(FeedToken.id.desc()).limit(1))


def create_feed(
    actor: User, now: datetime, *, user: User | None = None, unit: Unit | None = None
) -> str:
    """Revoke the owner's current feed and return a new secret token (shown once).
    The caller has asked ``policy.can_manage_unit_feed`` for a unit feed."""
    revoke_feed(actor, now, user=user, unit=unit)
    token = secrets.token_urlsafe(32)
    feed = FeedToken(
        token_hash=_hash(token),
        user_id=user.id if user else None,
        unit_id=unit.id if unit else None,
        created_by_id=actor.id,
        created_at=now,
    )
    db.session.add(feed)
    db.session.flush()
    audit.record("feed.create", actor=actor, obj=feed, note=_owner_note(user, unit))
    return token


def revoke_feed(
    actor: User, now: datetime, *, user: User | None = None, unit: Unit | None = None
) -> bool:
    feed = active_feed(user=user, unit=unit)
    if feed is None:
        return False
    feed.revoked_at = now
    audit.record("feed.revoke", actor=actor, obj=feed, note=_owner_note(user, unit))
    return True


def _owner_note(user: User | None, unit: Unit | None) -> str:
    return f"user {user.id}" if user is not None else f"unit {unit.id}"


def feed_for_token(token: str) -> FeedToken | None:
    """The live feed of ``token``: None when unknown or revoked, and when the account
    behind it no longer may have it — its creator disabled (or no longer allowed to
    manage that unit's feed), or, for a personal feed, its owner disabled."""
    if not token or len(token) > 100:
        return None
    feed = db.session.scalar(
        select(FeedToken).where(
            FeedToken.token_hash == _hash(token), FeedToken.revoked_at.is_(None)
        )
    )
    if feed is None or feed.created_by_id is None:
        return None
    creator = db.session.get(User, feed.created_by_id)
    if creator is None or not creator.active:
        return None
    if feed.unit_id is not None:
        return feed if policy.can_manage_unit_feed(creator, feed.unit_id) else None
    return feed if feed.user is not None and feed.user.active else None


def feed_tasks(feed: FeedToken) -> list[Task]:
    """Open tasks with a due date: a unit's tasks as lead unit; a user's tasks they are
    responsible for (focal person, assigning leader, monitor, or their unit's as head)."""
    query = (
        select(Task)
        .options(joinedload(Task.directive), joinedload(Task.lead_unit))
        .where(Task.state.in_(OPEN_STATES), Task.current_due_on.is_not(None))
    )
    if feed.unit_id is not None:
        query = query.where(Task.lead_unit_id == feed.unit_id)
    else:
        user = feed.user
        if user is None or not user.active:
            return []
        mine = [
            Task.focal_person_id == user.id,
            Task.assigned_by_id == user.id,
            Task.monitor_id == user.id,
        ]
        if user.role == Role.UNIT_HEAD and user.unit_id is not None:
            mine.append(Task.lead_unit_id == user.unit_id)
        query = query.where(policy.visible_tasks_clause(user), or_(*mine))
    return list(db.session.scalars(query.order_by(Task.current_due_on, Task.id)))


def render_ical(feed: FeedToken, tasks: list[Task], base_url: str, now: datetime) -> bytes:
    owner = feed.unit.label if feed.unit else (feed.user.name if feed.user else "")
    cal = Calendar()
    cal.add("prodid", "-//Tracker//Theo doi nhiem vu//VI")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"Hạn nhiệm vụ — {owner}")
    cal.add("x-wr-timezone", "Asia/Ho_Chi_Minh")
    for task in tasks:
        event = Event()
        event.add("uid", f"task-{task.id}-due@tracker")
        event.add("dtstamp", now)
        event.add("dtstart", task.current_due_on)
        event.add("dtend", task.current_due_on + timedelta(days=1))
        event.add("summary", f"Hạn: {task.title}")
        event.add(
            "description",
            f"{task.directive.symbol} — mục {task.item_no}\n"
            f"Đơn vị chủ trì: {task.lead_unit.label}\nTiến độ: {task.progress}%",
        )
        event.add("url", f"{base_url.rstrip('/')}/tasks/{task.id}")
        cal.add_component(event)
    return cal.to_ical()
