"""Send what the planner put in the outbox: claim, build, fence, send, mark.

Never holds a database transaction open while talking to SMTP (DESIGN §4): the claim is
committed first, and each mail's rows are marked in their own short transaction. What a
failure means (retry, fail the row, pause delivery) is decided in transport.py; what is
still true to send, in compose.py.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import format_datetime

from flask import current_app
from sqlalchemy import select, update

from ..calendar import load_calendar
from ..extensions import db
from ..models import OutboxMessage, OutboxState
from ..services import audit
from . import EndReason, health
from .compose import compose, load
from .outbox import claim, fence, release
from .transport import (
    Deferred,
    DeliveryError,
    Misconfigured,
    Refused,
    Unreachable,
    check_smtp_settings,
    make_transport,
)

__all__ = ["DeliveryResult", "check_smtp_settings", "deliver", "deliver_all", "make_transport"]

log = logging.getLogger(__name__)


@dataclass
class DeliveryResult:
    claimed: int = 0
    mails: int = 0
    sent: int = 0  # outbox rows
    retried: int = 0
    failed: int = 0
    cancelled: int = 0
    lost: int = 0  # rows not sent: another worker took them over (the lease ran out)
    paused: int = 0  # rows given back: the server refused our login or relaying
    timed_out: bool = False  # deliver_all stopped at its time limit with rows still due
    errors: list[str] = field(default_factory=list)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def pass_clock(now: datetime) -> Callable[[], datetime]:
    """The pass's time: ``now`` (real, or given with ``--at``) plus the time spent since."""
    start = time.monotonic()
    return lambda: now + timedelta(seconds=time.monotonic() - start)


def deliver(
    now: datetime,
    *,
    session=None,
    worker: str | None = None,
    transport=None,
    clock: Callable[[], datetime] | None = None,
):
    """Claim due outbox rows and send them, one mail per recipient.

    Before each mail the worker re-confirms and extends its hold on exactly that mail's
    rows (``fence``): a lease that ran out during a slow pass, and rows another worker took
    over, are never sent twice from here. The lease must outlast one mail's SMTP exchange.
    """
    session = session or db.session
    config = current_app.config
    worker = worker or worker_name()
    clock = clock or pass_clock(now)
    lease_seconds = config["REMINDER_LEASE_SECONDS"]
    result = DeliveryResult()
    ids = claim(session, now, worker, config["REMINDER_BATCH_SIZE"], lease_seconds)
    result.claimed = len(ids)
    if not ids:
        return result
    try:
        composed = compose(session, load(session, ids), clock(), load_calendar(session))
    except Exception as exc:
        # The database failed under the pass (a row that cannot be built fails alone in
        # compose()): give every row back for a later pass, then raise.
        session.rollback()
        claimed = session.execute(
            select(OutboxMessage.id, OutboxMessage.attempts, OutboxMessage.first_attempt_at).where(
                OutboxMessage.id.in_(ids)
            )
        ).all()
        session.commit()
        _retry_later(session, claimed, worker, clock(), f"{type(exc).__name__}: {exc}")
        raise
    session.commit()  # nothing held open while talking to SMTP
    for reason, row_ids in composed.ended.items():
        _finish(session, row_ids, worker, state=OutboxState.CANCELLED, end_reason=reason)
        result.cancelled += len(row_ids)
    for row_ids, error in composed.poison:
        _finish(
            session,
            row_ids,
            worker,
            state=OutboxState.FAILED,
            end_reason=EndReason.COMPOSE_FAILED,
            error=error,
        )
        result.failed += len(row_ids)
        result.errors.append(error)
    transport = transport or make_transport()
    stop: DeliveryError | None = None  # the server is down, or refuses us: no more tries
    untried: list = []  # rows of the mails after ``stop``
    try:
        for message, group in composed.mails:
            row_ids = [row.id for row in group]
            if stop is None:
                held = fence(
                    session, row_ids, worker, clock(), lease_seconds, message["Message-ID"]
                )
                if held != set(row_ids):  # taken over: the other worker sends this mail
                    release(session, held, worker, clock())
                    result.lost += len(row_ids)
                    log.warning(
                        "reminders.deliver worker=%s lost its hold on %d of the rows of %s",
                        worker,
                        len(row_ids) - len(held),
                        message["Message-ID"],
                    )
                    continue
                del message["Date"]
                message["Date"] = format_datetime(clock())
                try:
                    transport.send(message)
                except DeliveryError as exc:
                    error = exc
                    if isinstance(exc, Unreachable | Misconfigured):
                        stop = exc
                else:
                    _mark_sent(session, group, worker, message["Message-ID"], clock())
                    result.mails += 1
                    result.sent += len(group)
                    continue
                # Refused outright, the server did not take it: a Message-ID new with
                # this attempt is free again (the rows may travel in another mail later).
                # Kept when the connection broke mid-send and it may have arrived, and
                # when an earlier attempt may have.
                first_try = not any(row.message_id for row in group)
                if first_try and not getattr(error, "maybe_accepted", False):
                    _forget_message_id(session, row_ids, worker)
            else:  # not tried: the server is down or refuses us; all handled below at once
                untried.extend(group)
                continue
            _after_failure(session, group, worker, clock(), error, result)
        if untried:
            _after_failure(session, untried, worker, clock(), stop, result)
    finally:
        transport.close()
    if isinstance(stop, Misconfigured):
        log.error("reminders.deliver paused worker=%s: %s", worker, stop)
    health.record(
        session,
        clock(),
        sent=result.mails > 0,
        paused=str(stop) if isinstance(stop, Misconfigured) else None,
        unreachable=str(stop) if isinstance(stop, Unreachable) else None,
    )
    log.info(
        "reminders.deliver worker=%s claimed=%d mails=%d sent=%d retried=%d failed=%d"
        " cancelled=%d lost=%d paused=%d",
        worker,
        result.claimed,
        result.mails,
        result.sent,
        result.retried,
        result.failed,
        result.cancelled,
        result.lost,
        result.paused,
    )
    return result


def deliver_all(now: datetime, *, time_limit: float = 600) -> DeliveryResult:
    """Passes one after another until nothing due is left (``tracker reminders deliver``
    and ``run``: a day's backlog in one command), a pass makes no progress, or
    ``time_limit`` seconds have gone (``total.timed_out``: the scheduler sends the rest).

    Each pass runs as of ``now`` plus the time the command has spent so far: its claim and
    fences measure leases in the same time as every other worker. Passes all dated ``now``
    would, once the command has run longer than a lease, claim and fence rows with leases
    already over for the others, which would take over and re-send mails on their way
    (found by bench/outbox_faults.py)."""
    total = DeliveryResult()
    started = time.monotonic()
    clock = pass_clock(now)
    while True:
        if time.monotonic() - started >= time_limit:
            total.timed_out = True
            break
        result = deliver(clock(), clock=clock)
        for name in ("claimed", "mails", "sent", "retried", "failed", "cancelled", "lost"):
            setattr(total, name, getattr(total, name) + getattr(result, name))
        total.paused += result.paused
        total.errors += result.errors
        if not result.claimed or not (result.sent or result.cancelled or result.failed):
            break
    return total


def _after_failure(session, group, worker: str, now: datetime, error, result) -> None:
    """One mail not sent: its rows fail (refused), are given back (delivery paused), or
    wait for a later pass (no answer, 4xx) until the give-up age."""
    row_ids = [row.id for row in group]
    result.errors.append(str(error))
    if isinstance(error, Refused):
        _finish(
            session,
            row_ids,
            worker,
            state=OutboxState.FAILED,
            end_reason=EndReason.REFUSED,
            error=str(error),
        )
        result.failed += len(group)
    elif isinstance(error, Misconfigured):
        _pause(session, row_ids, worker, now, str(error))
        result.paused += len(group)
    else:
        assert isinstance(error, Unreachable | Deferred)
        failed = _retry_later(session, group, worker, now, str(error))
        result.failed += failed
        result.retried += len(group) - failed


def _mine(worker: str):
    return (OutboxMessage.claimed_by == worker) & (OutboxMessage.state == OutboxState.SENDING)


def _mark_sent(session, group, worker: str, message_id: str, sent_at: datetime) -> None:
    """The server accepted the mail at ``sent_at``: its rows are sent, whoever holds them
    now (a row taken over during a send too slow for the lease is then not sent again)."""
    ids = [row.id for row in group]
    done = session.scalars(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), OutboxMessage.state == OutboxState.SENDING)
        .values(
            state=OutboxState.SENT,
            sent_at=sent_at,
            message_id=message_id,
            lease_until=None,
            claimed_by=worker,
        )
        .returning(OutboxMessage.id)
        .execution_options(synchronize_session=False)
    ).all()
    if len(done) < len(ids):
        log.warning(
            "reminders.deliver worker=%s sent %s but %d of its rows were no longer in sending",
            worker,
            message_id,
            len(ids) - len(done),
        )
    for row in group:
        if row.id in done:
            audit.record(
                "reminder.sent",
                task_id=row.task_id,
                changes={"outbox_id": row.id, "message_id": message_id},
                note=f"{row.kind} → {row.email}",
                session=session,
            )
    session.commit()


def _forget_message_id(session, ids, worker: str) -> None:
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), _mine(worker))
        .values(message_id=None)
        .execution_options(synchronize_session=False)
    )
    session.commit()


def _finish(
    session,
    ids,
    worker: str,
    *,
    state: str,
    end_reason: str,
    error: str | None = None,
) -> None:
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), _mine(worker))
        .values(state=state, lease_until=None, last_error=error, end_reason=end_reason)
        .execution_options(synchronize_session=False)
    )
    session.commit()


def _pause(session, ids, worker: str, now: datetime, error: str) -> None:
    """A configuration fault (login or relaying refused): nothing could be sent, so the
    rows wait, uncounted, until the settings are fixed; their give-up age starts again."""
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), _mine(worker))
        .values(
            state=OutboxState.PENDING,
            next_attempt_at=now
            + timedelta(seconds=current_app.config["REMINDER_PAUSED_RETRY_SECONDS"]),
            lease_until=None,
            attempts=OutboxMessage.attempts - 1,
            first_attempt_at=None,
            last_error=error,
        )
        .execution_options(synchronize_session=False)
    )
    session.commit()


def retry_delay(attempts: int, config) -> int:
    """Seconds before the next try after ``attempts`` tries: 1, 2, 4 … minutes, capped."""
    exponent = min(max(attempts - 1, 0), 20)  # 2**20 minutes is far past any cap
    return min(
        config["REMINDER_RETRY_BASE_SECONDS"] * 2**exponent, config["REMINDER_RETRY_MAX_SECONDS"]
    )


def _retry_later(session, group, worker: str, now: datetime, error: str) -> int:
    """Back off exponentially up to the cap; a row still not accepted REMINDER_GIVE_UP_HOURS
    after its first attempt fails. Returns the number of rows that failed."""
    config = current_app.config
    give_up = timedelta(hours=config["REMINDER_GIVE_UP_HOURS"])
    # Rows with the same outcome (failed, or due again at the same moment) are updated
    # together: an outage makes every row of the pass retry at once.
    buckets: dict[tuple, list[int]] = defaultdict(list)
    for row in group:
        started = row.first_attempt_at or now
        if now - started >= give_up:
            outcome = (("state", OutboxState.FAILED), ("end_reason", EndReason.GAVE_UP))
        else:
            delay = timedelta(seconds=retry_delay(row.attempts, config))
            outcome = (("state", OutboxState.PENDING), ("next_attempt_at", now + delay))
        buckets[outcome].append(row.id)
    failed = 0
    for outcome, ids in buckets.items():
        if dict(outcome)["state"] == OutboxState.FAILED:
            failed += len(ids)
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), _mine(worker))
            .values(lease_until=None, last_error=error, **dict(outcome))
            .execution_options(synchronize_session=False)
        )
    session.commit()
    return failed
