"""The outbox table's operations: idempotent insert, atomic claim, the admin's actions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..models import OutboxMessage, OutboxState
from ..services import audit

INSERT_CHUNK = 1000


@dataclass(frozen=True)
class OutboxItem:
    kind: str
    day: date
    recipient_id: int
    reason: str
    task_id: int | None = None
    payload: dict[str, Any] | None = None
    key_part: str | None = None  # overrides the task id in the key (escalations)

    @property
    def key(self) -> str:
        subject = self.key_part or (self.task_id if self.task_id is not None else "digest")
        return f"{self.recipient_id}:{self.kind}:{subject}:{self.day.isoformat()}"


def insert_items(session, items: list[OutboxItem], now: datetime) -> int:
    """INSERT … ON CONFLICT (key) DO NOTHING on SQLite and PostgreSQL; returns the number
    of new rows. A second planner, or the same one run again, adds nothing."""
    if not items:
        return 0
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    inserted = 0
    seen: set[str] = set()
    rows = []
    for item in items:
        if item.key in seen:  # the same person twice for one task (e.g. focal and monitor)
            continue
        seen.add(item.key)
        rows.append(
            {
                "key": item.key,
                "kind": item.kind,
                "day": item.day,
                "recipient_id": item.recipient_id,
                "reason": item.reason,
                "task_id": item.task_id,
                "payload": item.payload,
                "state": OutboxState.PENDING,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
        )
    # One cached statement, executed with many parameter sets: SQLAlchemy batches it into
    # multi-row INSERTs ("insertmanyvalues") and returns the ids of the rows it added.
    stmt = (
        insert(OutboxMessage.__table__)
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(OutboxMessage.__table__.c.id)
    )
    for start in range(0, len(rows), INSERT_CHUNK):
        inserted += len(session.execute(stmt, rows[start : start + INSERT_CHUNK]).all())
    return inserted


def claimable(now: datetime):
    """Pending rows that are due, and claims whose lease expired (a crashed worker)."""
    return or_(
        and_(OutboxMessage.state == OutboxState.PENDING, OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.state == OutboxState.SENDING, OutboxMessage.lease_until < now),
    )


def claim(session, now: datetime, worker: str, limit: int, lease_seconds: int) -> list[int]:
    """Take the due rows of up to ``limit`` (recipient, day) groups for ``worker`` until the
    lease expires, and commit. Whole groups, so one person gets one mail a day however
    many reminders they have.

    PostgreSQL: ``FOR UPDATE SKIP LOCKED`` lets concurrent workers take disjoint rows;
    SQLite: the transaction began with BEGIN IMMEDIATE, so claims are serialised."""
    groups = (
        select(OutboxMessage.recipient_id, OutboxMessage.day)
        .where(claimable(now))
        .group_by(OutboxMessage.recipient_id, OutboxMessage.day)
        .order_by(OutboxMessage.recipient_id, OutboxMessage.day)
        .limit(limit)
    )
    candidates = (
        select(OutboxMessage.id)
        .where(claimable(now), tuple_(OutboxMessage.recipient_id, OutboxMessage.day).in_(groups))
        .with_for_update(skip_locked=True)
    )
    stmt = (
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(candidates), claimable(now))
        .values(
            state=OutboxState.SENDING,
            lease_until=now + timedelta(seconds=lease_seconds),
            claimed_by=worker,
            attempts=OutboxMessage.attempts + 1,
        )
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    )
    ids = sorted(session.scalars(stmt).all())
    session.commit()
    return ids


def counts_by_state(session=None) -> dict[str, int]:
    session = session or db.session
    found = dict(
        session.execute(
            select(OutboxMessage.state, func.count()).group_by(OutboxMessage.state)
        ).all()
    )
    return {state.value: found.get(state.value, 0) for state in OutboxState}


class OutboxError(Exception):
    pass


def retry(message: OutboxMessage, *, actor, now: datetime) -> None:
    """The admin sends a failed (or cancelled) row again from scratch."""
    if message.state not in (OutboxState.FAILED, OutboxState.CANCELLED):
        raise OutboxError("only failed or cancelled messages can be retried")
    message.state = OutboxState.PENDING
    message.attempts = 0
    message.next_attempt_at = now
    message.lease_until = None
    message.claimed_by = None
    audit.record("outbox.retry", actor=actor, obj=message, task_id=message.task_id)


def cancel(message: OutboxMessage, *, actor, now: datetime) -> None:
    if message.state not in (OutboxState.PENDING, OutboxState.FAILED):
        raise OutboxError("only pending or failed messages can be cancelled")
    message.state = OutboxState.CANCELLED
    message.lease_until = None
    audit.record("outbox.cancel", actor=actor, obj=message, task_id=message.task_id)
