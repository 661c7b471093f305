"""The outbox table's operations: idempotent insert, atomic claim, the admin's actions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select, text, update

from ..database import insert_for
from ..extensions import db
from ..models import OutboxMessage, OutboxState
from ..services import audit
from . import EndReason

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
    insert = insert_for(session)
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


CLAIM_ORDER = (OutboxMessage.state, OutboxMessage.next_attempt_at, OutboxMessage.id)


def _leading_groups(session, now: datetime, limit: int) -> list[tuple[int, date]]:
    """The (recipient, day) groups of the first claimable rows, oldest first.

    Two ordered range scans of ix_outbox_claim (state, next_attempt_at, id), each stopped
    by a LIMIT: expired claims first (a crashed worker's rows are the oldest), then due
    pending rows. No grouping, no subquery evaluated per row, so the plan does not depend
    on the table's statistics (a fresh install, a large backlog: DESIGN pitfalls).
    PostgreSQL: ``SKIP LOCKED`` keeps a concurrent worker's leading rows out of the way."""
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        # Without statistics the planner guesses a handful of rows and reads all of them
        # through a bitmap, then sorts: only the ordered index scan, stopped by the LIMIT.
        for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
            session.execute(text(f"SET LOCAL {setting} = off"))
    found: list[tuple[int, date]] = []
    for condition in (
        and_(OutboxMessage.state == OutboxState.SENDING, OutboxMessage.lease_until < now),
        and_(OutboxMessage.state == OutboxState.PENDING, OutboxMessage.next_attempt_at <= now),
    ):
        if len(found) >= limit:
            break
        leading = session.execute(
            select(OutboxMessage.recipient_id, OutboxMessage.day)
            .where(condition)
            .order_by(*CLAIM_ORDER)
            .limit(limit - len(found))
            .with_for_update(skip_locked=True)
        ).all()
        for group in leading:
            group = tuple(group)
            if group not in found:
                found.append(group)
    if postgres:  # the groups are read by a BitmapOr over ix_outbox_recipient_id_day
        session.execute(text("SET LOCAL enable_bitmapscan = on"))
    return found[:limit]


def claim(session, now: datetime, worker: str, limit: int, lease_seconds: int) -> list[int]:
    """Take the due rows of up to ``limit`` (recipient, day) groups for ``worker`` until the
    lease expires, and commit. Whole groups, so one person gets one mail a day however
    many reminders they have.

    First the leading rows (an ordered index scan with a LIMIT), then every claimable row
    of their groups (ix_outbox_recipient_id_day). PostgreSQL: ``FOR UPDATE SKIP LOCKED``
    lets concurrent workers take disjoint rows; SQLite: the transaction began with BEGIN
    IMMEDIATE, so claims are serialised. On PostgreSQL the claim's transaction sets
    planner switches (SET LOCAL, gone at commit) so that its plan does not depend on
    statistics (bench/outbox_claim.py)."""
    groups = _leading_groups(session, now, limit)
    if not groups:
        session.commit()
        return []
    # Only the groups here (claimable is checked by the UPDATE), so the one index that
    # fits is ix_outbox_recipient_id_day whatever the statistics say.
    candidates = (
        select(OutboxMessage.id)
        .where(
            or_(
                *(
                    and_(OutboxMessage.recipient_id == recipient, OutboxMessage.day == day)
                    for recipient, day in groups
                )
            )
        )
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
            first_attempt_at=func.coalesce(OutboxMessage.first_attempt_at, now),
        )
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    )
    ids = sorted(session.scalars(stmt).all())
    session.commit()
    return ids


def fence(
    session,
    ids: list[int],
    worker: str,
    now: datetime,
    lease_seconds: int,
    message_id: str,
) -> set[int]:
    """Just before sending one mail: re-confirm and extend ``worker``'s hold on exactly
    that mail's rows, store the mail's Message-ID on them, and commit (nothing is held
    open while SMTP talks). Returns the ids still held; the mail is sent only if that is
    all of them, and otherwise nothing is changed. A row another worker took over (its
    lease ran out) is no longer held; nor is one whose lease ran out, taken over or not."""
    held = set(
        session.scalars(
            update(OutboxMessage)
            .where(
                OutboxMessage.id.in_(ids),
                OutboxMessage.claimed_by == worker,
                OutboxMessage.state == OutboxState.SENDING,
                OutboxMessage.lease_until >= now,
            )
            .values(lease_until=now + timedelta(seconds=lease_seconds), message_id=message_id)
            .returning(OutboxMessage.id)
            .execution_options(synchronize_session=False)
        ).all()
    )
    if held == set(ids):
        session.commit()
    else:  # not this worker's mail any more: change nothing (the Message-ID included)
        session.rollback()
    return held


def release(session, ids, worker: str, now: datetime) -> int:
    """Give back rows still held by ``worker`` that it will not send (another worker took
    over part of their mail): due again at once, the attempt not counted."""
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(list(ids)),
            OutboxMessage.claimed_by == worker,
            OutboxMessage.state == OutboxState.SENDING,
        )
        .values(
            state=OutboxState.PENDING,
            next_attempt_at=now,
            lease_until=None,
            attempts=OutboxMessage.attempts - 1,
        )
        .execution_options(synchronize_session=False)
    )
    session.commit()
    return result.rowcount


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


# The administrator's two actions, for one row here and for every row of a filter in
# reminders/housekeeping.py: which states each applies to, and what it sets.
RETRYABLE = (OutboxState.FAILED, OutboxState.CANCELLED)
CANCELLABLE = (OutboxState.PENDING, OutboxState.FAILED)


def retry_values(now: datetime) -> dict[str, Any]:
    """A retried row is sent again from scratch."""
    return {
        "state": OutboxState.PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "lease_until": None,
        "claimed_by": None,
        "first_attempt_at": None,  # a new give-up age
        "end_reason": None,
    }


CANCEL_VALUES: dict[str, Any] = {
    "state": OutboxState.CANCELLED,
    "lease_until": None,
    "end_reason": EndReason.ADMIN,
}


def retry(message: OutboxMessage, *, actor, now: datetime) -> None:
    """The admin sends a failed (or cancelled) row again from scratch."""
    if message.state not in RETRYABLE:
        raise OutboxError("only failed or cancelled messages can be retried")
    for name, value in retry_values(now).items():
        setattr(message, name, value)
    audit.record("outbox.retry", actor=actor, obj=message, task_id=message.task_id)


def cancel(message: OutboxMessage, *, actor, now: datetime) -> None:
    if message.state not in CANCELLABLE:
        raise OutboxError("only pending or failed messages can be cancelled")
    for name, value in CANCEL_VALUES.items():
        setattr(message, name, value)
    audit.record("outbox.cancel", actor=actor, obj=message, task_id=message.task_id)
