"""Send what the planner put in the outbox: claim, send over one SMTP connection, mark.

Never holds a database transaction open while talking to SMTP (DESIGN §4): the claim is
committed first, and each mail's rows are marked in their own short transaction.
"""

from __future__ import annotations

import contextlib
import email.policy
import logging
import os
import re
import smtplib
import socket
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from pathlib import Path

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from ..calendar import local_date
from ..extensions import db
from ..models import (
    Escalation,
    OutboxMessage,
    OutboxState,
    Role,
    Task,
)
from ..services import audit
from . import REMINDED_STATES, Kind, Reason
from .outbox import claim, fence, release

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RowInfo:
    """What is needed of a row after the claim was committed (no lazy loads, so no
    transaction opens while SMTP talks)."""

    id: int
    kind: str
    task_id: int | None
    email: str
    attempts: int


@dataclass
class DeliveryResult:
    claimed: int = 0
    mails: int = 0
    sent: int = 0  # outbox rows
    retried: int = 0
    failed: int = 0
    cancelled: int = 0
    lost: int = 0  # rows not sent: another worker took them over (the lease ran out)
    errors: list[str] = field(default_factory=list)


class TemporaryError(Exception):
    """Connection refused or dropped, or a 4xx reply: try again later."""

    def __init__(self, message: str, *, unreachable: bool = False):
        super().__init__(message)
        self.unreachable = unreachable  # no point trying the other mails of this pass


class PermanentError(Exception):
    """A 5xx reply: keep the row as failed for the admin."""


def _classify(exc: Exception) -> Exception:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, text = next(iter(exc.recipients.values()))
        return _by_code(code, text)
    if isinstance(exc, smtplib.SMTPResponseException):
        return _by_code(exc.smtp_code, exc.smtp_error)
    return TemporaryError(f"{type(exc).__name__}: {exc}", unreachable=True)


def _by_code(code: int, text) -> Exception:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    message = f"{code} {text}"
    return PermanentError(message) if 500 <= code < 600 else TemporaryError(message)


class SmtpTransport:
    """One connection for the whole pass, opened on first use, reopened after a drop."""

    def __init__(self, config):
        self.config = config
        self.connection: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        c = self.config
        host, port, timeout = c["SMTP_HOST"], int(c["SMTP_PORT"]), c["SMTP_TIMEOUT"]
        tls = str(c["SMTP_TLS"]).lower()
        if tls == "ssl":
            conn = smtplib.SMTP_SSL(host, port, timeout=timeout)
        else:
            conn = smtplib.SMTP(host, port, timeout=timeout)
            if tls == "starttls":
                conn.starttls()
        if c["SMTP_USER"]:
            conn.login(c["SMTP_USER"], c["SMTP_PASSWORD"])
        return conn

    def send(self, message: EmailMessage) -> None:
        try:
            if self.connection is None:
                self.connection = self._connect()
            self.connection.send_message(message)
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self.close()
            raise _classify(exc) from exc
        except smtplib.SMTPException as exc:
            raise _classify(exc) from exc
        except Exception as exc:  # e.g. a non-ASCII password: retried, then failed, visible
            self.close()
            raise TemporaryError(f"{type(exc).__name__}: {exc}") from exc

    def close(self) -> None:
        if self.connection is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self.connection.quit()
            self.connection = None


class EmlTransport:
    """No SMTP host configured: each mail becomes instance/mail/<message-id>.eml."""

    def __init__(self, folder: Path):
        self.folder = folder

    def send(self, message: EmailMessage) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9._-]", "_", message["Message-ID"].strip("<>"))
        path = self.folder / f"{name}.eml"
        tmp = path.with_suffix(".tmp")
        try:
            tmp.write_bytes(bytes(message))
            os.replace(tmp, path)
        except OSError as exc:  # a full disk, say: retried like a temporary SMTP failure
            raise TemporaryError(f"{type(exc).__name__}: {exc}", unreachable=True) from exc

    def close(self) -> None:
        pass


def check_smtp_settings(config) -> None:
    """Refuse to start with settings that can never work (DESIGN §4: smtplib cannot log
    in with a non-ASCII user name or password)."""
    for name in ("SMTP_USER", "SMTP_PASSWORD"):
        if not str(config.get(name) or "").isascii():
            raise ValueError(f"TRACKER_{name} must be ASCII: smtplib cannot log in otherwise")
    if str(config.get("SMTP_TLS") or "").lower() not in {"", "starttls", "ssl"}:
        raise ValueError("TRACKER_SMTP_TLS must be empty, 'starttls' or 'ssl'")


def make_transport(app=None):
    app = app or current_app
    if app.config["SMTP_HOST"]:
        return SmtpTransport(app.config)
    return EmlTransport(Path(app.instance_path) / "mail")


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
    """Claim due outbox rows and send them, one mail per recipient and day.

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
        mails, cancelled = _compose(session, _load(session, ids), now)
    except Exception as exc:
        # A mail that cannot be built (a template error, say) must not sit claimed forever:
        # back off like a temporary error, fail after the maximum attempts, then raise.
        session.rollback()
        claimed = session.execute(
            select(OutboxMessage.id, OutboxMessage.attempts).where(OutboxMessage.id.in_(ids))
        ).all()
        session.commit()
        _retry_later(session, claimed, worker, now, f"{type(exc).__name__}: {exc}")
        raise
    session.commit()  # nothing held open while talking to SMTP
    if cancelled:
        _finish(session, cancelled, worker, state=OutboxState.CANCELLED, now=now)
        result.cancelled = len(cancelled)
    transport = transport or make_transport()
    down = None
    try:
        for message, group in mails:
            row_ids = [row.id for row in group]
            if down is not None:  # the server is unreachable: do not knock again this pass
                error = down
            else:
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
                try:
                    transport.send(message)
                    error = None
                except (TemporaryError, PermanentError) as exc:
                    error = exc
                    if getattr(exc, "unreachable", False):
                        down = exc
            if error is None:
                _mark_sent(session, group, worker, message["Message-ID"], clock())
                result.mails += 1
                result.sent += len(group)
            elif isinstance(error, PermanentError):
                _finish(
                    session, row_ids, worker, state=OutboxState.FAILED, now=now, error=str(error)
                )
                result.failed += len(group)
                result.errors.append(str(error))
            else:
                failed = _retry_later(session, group, worker, now, str(error))
                result.failed += failed
                result.retried += len(group) - failed
                result.errors.append(str(error))
    finally:
        transport.close()
    log.info(
        "reminders.deliver worker=%s claimed=%d mails=%d sent=%d retried=%d failed=%d"
        " cancelled=%d lost=%d",
        worker,
        result.claimed,
        result.mails,
        result.sent,
        result.retried,
        result.failed,
        result.cancelled,
        result.lost,
    )
    return result


def _load(session, ids: list[int]) -> list[OutboxMessage]:
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.id.in_(ids))
            .options(
                selectinload(OutboxMessage.recipient),
                selectinload(OutboxMessage.task).selectinload(Task.coordinating_units),
                selectinload(OutboxMessage.task).selectinload(Task.directive),
            )
            .order_by(OutboxMessage.id)
        )
    )


def _entitled(row: OutboxMessage) -> bool:
    """Does the recipient still have a reason to get this? (DESIGN §1: never an inactive
    user, a unit no longer on the task, or a completed or withdrawn task.)"""
    user, task = row.recipient, row.task
    if user is None or not user.active:
        return False
    if row.kind == Kind.DIGEST:
        return user.role == Role.LEADER and user.wants_digest
    if task is None or task.state not in REMINDED_STATES:
        return False
    if row.reason == Reason.FOCAL:
        return task.focal_person_id == user.id
    if row.reason == Reason.MONITOR:
        return task.monitor_id == user.id
    if row.reason == Reason.HEAD:
        return user.role == Role.UNIT_HEAD and user.unit_id == task.lead_unit_id
    if row.reason == Reason.COORDINATOR:
        return user.role == Role.UNIT_HEAD and any(
            unit.id == user.unit_id for unit in task.coordinating_units
        )
    return False


def _compose(session, rows: list[OutboxMessage], now: datetime):
    cancelled: list[int] = []
    groups: dict[tuple[int, date], list[OutboxMessage]] = defaultdict(list)
    digest_tasks: dict[int, list[Task]] = {}
    wanted_digest_ids = {
        task_id
        for row in rows
        if row.kind == Kind.DIGEST and row.payload
        for task_id in row.payload.get("task_ids", [])
    }
    digest_pool = {}
    if wanted_digest_ids:
        digest_pool = {
            t.id: t
            for t in session.scalars(
                select(Task)
                .where(Task.id.in_(wanted_digest_ids), Task.state.in_(REMINDED_STATES))
                .options(selectinload(Task.directive))
            )
        }
    escalation_ids = [row.payload["escalation_id"] for row in rows if row.kind == Kind.ESCALATION]
    escalations = {}
    if escalation_ids:
        escalations = {
            e.id: e
            for e in session.scalars(select(Escalation).where(Escalation.id.in_(escalation_ids)))
        }
    for row in rows:
        if not _entitled(row):
            cancelled.append(row.id)
            continue
        if row.kind == Kind.DIGEST:
            tasks = [digest_pool[i] for i in row.payload["task_ids"] if i in digest_pool]
            if not tasks:  # everything got done meanwhile: never an empty mail
                cancelled.append(row.id)
                continue
            digest_tasks[row.id] = tasks
        groups[(row.recipient_id, row.day)].append(row)
    mails = []
    for group in groups.values():
        infos = [
            RowInfo(row.id, row.kind, row.task_id, row.recipient.email, row.attempts)
            for row in group
        ]
        mails.append((_message(group, now, digest_tasks, escalations), infos))
    return mails, cancelled


# Python 3.11's folding of long non-ASCII headers drops the space between encoded words
# ("455ngày"); long header lines avoid the fold.
MAIL_POLICY = email.policy.SMTP.clone(max_line_length=998)

KIND_ORDER = [
    Kind.ESCALATION,
    Kind.OVERDUE,
    Kind.DUE_TODAY,
    Kind.DUE_SOON,
    Kind.ASSIGNED,
    Kind.DIGEST,
]


def _message(group, now: datetime, digest_tasks, escalations) -> EmailMessage:
    from .mail import render_mail

    config = current_app.config
    group = sorted(group, key=lambda r: (KIND_ORDER.index(r.kind), r.id))
    recipient = group[0].recipient
    items = []
    for row in group:
        item = {
            "kind": row.kind,
            "row": row,
            "task": row.task,
            "days": (row.payload or {}).get("days"),
        }
        if row.kind == Kind.DIGEST:
            item["tasks"] = [
                {"task": t, "days": (local_date(now) - t.current_due_on).days}
                for t in sorted(digest_tasks[row.id], key=lambda t: t.current_due_on)
            ]
        if row.kind == Kind.ESCALATION:
            item["escalation"] = escalations.get(row.payload["escalation_id"])
        items.append(item)
    subject, text, html = render_mail(recipient, items, now)
    message = EmailMessage(policy=MAIL_POLICY)
    message["Subject"] = subject
    message["From"] = formataddr(("Hệ thống theo dõi nhiệm vụ", config["MAIL_FROM"]))
    message["To"] = formataddr((recipient.name, recipient.email))
    domain = config["MAIL_FROM"].rpartition("@")[2] or "tracker.local"
    message["Message-ID"] = _message_id(group, domain)
    message["Date"] = format_datetime(now)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def _message_id(group, domain: str) -> str:
    """One Message-ID per mail for ever: the one already stored on any of its rows (a
    re-send after a crash, even if a row joined the mail since), else a new one from its
    first row. ``fence`` stores it on all the rows before the mail is sent, so the
    receiving side can drop the duplicate of a mail accepted just before a crash."""
    stored = sorted((row.id, row.message_id) for row in group if row.message_id)
    if stored:
        return stored[0][1]
    return f"<tracker-outbox-{min(row.id for row in group)}@{domain}>"


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


def _finish(session, ids, worker: str, *, state: str, now: datetime, error: str | None = None):
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), _mine(worker))
        .values(state=state, lease_until=None, last_error=error)
        .execution_options(synchronize_session=False)
    )
    session.commit()


def _retry_later(session, group, worker: str, now: datetime, error: str) -> int:
    """Back off exponentially; after the maximum number of attempts the row fails."""
    config = current_app.config
    failed = 0
    for row in group:
        if row.attempts >= config["REMINDER_MAX_ATTEMPTS"]:
            values = {"state": OutboxState.FAILED}
            failed += 1
        else:
            delay = min(
                config["REMINDER_RETRY_BASE_SECONDS"] * 2 ** (row.attempts - 1),
                config["REMINDER_RETRY_MAX_SECONDS"],
            )
            values = {
                "state": OutboxState.PENDING,
                "next_attempt_at": now + timedelta(seconds=delay),
            }
        session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row.id, _mine(worker))
            .values(lease_until=None, last_error=error, **values)
            .execution_options(synchronize_session=False)
        )
    session.commit()
    return failed
