"""Outbox housekeeping: purging old rows, and the administrator's filtered bulk actions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, delete, func, select, true, update

from ..calendar import local_zone
from ..extensions import db
from ..models import OutboxMessage, OutboxState
from ..services import audit
from .outbox import CANCEL_VALUES, CANCELLABLE, RETRYABLE, retry_values

FINISHED = (OutboxState.SENT, OutboxState.CANCELLED)


def purge_cutoff(now: datetime) -> tuple[datetime, object]:
    """Rows finished before the first value, whose day is before the second, may go.
    The day bound keeps every row the planner could plan again (its unique key is what
    stops a second mail), whatever REMINDER_PURGE_AFTER_DAYS says."""
    config = current_app.config
    keep_days = (
        max(config["REMINDER_CATCH_UP_DAYS"], config["REMINDER_ASSIGNMENT_LOOKBACK_DAYS"]) + 2
    )
    days = max(config["REMINDER_PURGE_AFTER_DAYS"], keep_days)
    today = now.astimezone(local_zone()).date()
    return now - timedelta(days=days), today - timedelta(days=days)


def purge_outbox(now: datetime, session=None) -> int:
    """Delete sent and cancelled rows older than REMINDER_PURGE_AFTER_DAYS; pending,
    sending and failed rows stay whatever their age. Returns the number deleted; does
    not commit. The audit trail keeps each "reminder.sent" event."""
    session = session or db.session
    before, day_before = purge_cutoff(now)
    finished_at = func.coalesce(OutboxMessage.sent_at, OutboxMessage.created_at)
    result = session.execute(
        delete(OutboxMessage)
        .where(
            OutboxMessage.state.in_(FINISHED),
            finished_at < before,
            OutboxMessage.day < day_before,
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


@dataclass(frozen=True)
class OutboxFilter:
    state: str | None = None  # None: every state
    error: str | None = None  # part of the last error, any case

    def where(self):
        conditions = []
        if self.state:
            conditions.append(OutboxMessage.state == self.state)
        if self.error:
            conditions.append(OutboxMessage.last_error.icontains(self.error, autoescape=True))
        return and_(true(), *conditions)

    def to_args(self) -> dict[str, str]:
        args = {"state": self.state or "all"}
        if self.error:
            args["error"] = self.error
        return args


def count_matching(flt: OutboxFilter, states=None, session=None) -> int:
    session = session or db.session
    stmt = select(func.count()).select_from(OutboxMessage).where(flt.where())
    if states is not None:
        stmt = stmt.where(OutboxMessage.state.in_(states))
    return session.scalar(stmt)


def list_matching(flt: OutboxFilter, page: int, per_page: int, session=None):
    """One page of the matching rows, newest first, with recipient and task loaded."""
    from sqlalchemy.orm import selectinload

    session = session or db.session
    return session.scalars(
        select(OutboxMessage)
        .where(flt.where())
        .options(selectinload(OutboxMessage.recipient), selectinload(OutboxMessage.task))
        .order_by(OutboxMessage.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()


class BulkChanged(Exception):
    """The rows matching the filter changed since the administrator saw their number."""

    def __init__(self, found: int):
        super().__init__(f"{found} rows match now")
        self.found = found


def bulk_action(
    action: str, flt: OutboxFilter, *, expected: int, actor, now: datetime, session=None
) -> int:
    """Retry (failed, cancelled) or cancel (pending, failed) every row matching ``flt``,
    in one UPDATE, with one audit event giving the filter and the count; does not commit.
    Rows being sent are never touched. Refuses (BulkChanged) when the number of rows it
    would change is not the ``expected`` one the administrator confirmed."""
    session = session or db.session
    if action == "retry":
        states, values = RETRYABLE, retry_values(now)
    else:
        states, values = CANCELLABLE, CANCEL_VALUES
    result = session.execute(
        update(OutboxMessage)
        .where(flt.where(), OutboxMessage.state.in_(states))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    changed = result.rowcount or 0
    if changed != expected:
        raise BulkChanged(changed)  # the caller rolls back
    audit.record(
        f"outbox.bulk_{action}",
        actor=actor,
        changes={"state": flt.state or "all", "error": flt.error, "count": changed},
        note=f"{changed} messages",
        session=session,
    )
    return changed
