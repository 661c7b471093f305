"""Build the mails of a delivery pass from its claimed rows, with what is true now.

Each row is checked at send time against the task as it is (issue 9): a completed,
paused or withdrawn task, a deadline moved or removed, a recipient no longer responsible
end the row with its reason instead of a stale mail; day counts and digests are computed
as of the send. Each mail is built on its own: one that cannot be built fails alone.
"""

from __future__ import annotations

import email.policy
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import formataddr

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..calendar import WorkingCalendar, local_date
from ..models import Escalation, OutboxMessage, Role, Task
from . import REMINDED_STATES, EndReason, Kind, Reason
from .mail import mail_address

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
    first_attempt_at: datetime | None
    message_id: str | None  # stored by an earlier attempt that may have reached the server


@dataclass
class Composed:
    mails: list[tuple[EmailMessage, list[RowInfo]]] = field(default_factory=list)
    ended: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    poison: list[tuple[list[int], str]] = field(default_factory=list)  # (row ids, error)


def load(session, ids: list[int]) -> list[OutboxMessage]:
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


def not_entitled(row: OutboxMessage) -> EndReason | None:
    """Why the recipient no longer has a reason to get this, if so (DESIGN §1: never an
    inactive user, a unit no longer on the task, or a completed or withdrawn task)."""
    user, task = row.recipient, row.task
    if user is None or not user.active:
        return EndReason.RECIPIENT_GONE
    if row.kind == Kind.DIGEST:
        if user.role != Role.LEADER:
            return EndReason.RECIPIENT_GONE
        return None if user.wants_digest else EndReason.OPTED_OUT
    if task is None or task.state not in REMINDED_STATES:
        return EndReason.TASK_CLOSED
    if row.reason == Reason.FOCAL:
        held = task.focal_person_id == user.id
    elif row.reason == Reason.MONITOR:
        held = task.monitor_id == user.id
    elif row.reason == Reason.HEAD:
        held = user.role == Role.UNIT_HEAD and user.unit_id == task.lead_unit_id
    elif row.reason == Reason.COORDINATOR:
        held = user.role == Role.UNIT_HEAD and any(
            unit.id == user.unit_id for unit in task.coordinating_units
        )
    else:
        held = False
    return None if held else EndReason.RECIPIENT_GONE


def no_longer_true(
    kind: str, due: date | None, today: date, calendar: WorkingCalendar, config
) -> EndReason | None:
    """Is a day-based reminder still true today, with the task's current due date? A
    due-soon notice while the task is due after today within the notice window, a
    due-today notice on its day only (overdue notices follow), an overdue notice while
    overdue. Assignments and escalations stay true while the task is open."""
    if kind not in (Kind.DUE_SOON, Kind.DUE_TODAY, Kind.OVERDUE):
        return None
    if due is None:
        return EndReason.NO_DEADLINE
    if kind == Kind.DUE_TODAY:
        if due == today:
            return None
        return EndReason.DAY_PASSED if due < today else EndReason.DUE_CHANGED
    if kind == Kind.OVERDUE:
        return None if due < today else EndReason.DUE_CHANGED
    if due <= today:  # due soon no more: it is due today or overdue (those notices follow)
        return EndReason.DAY_PASSED
    window = max(config["REMINDER_BEFORE_WORKING_DAYS"] or (0,))
    if calendar.working_days_between(today, due) > window:  # extended since
        return EndReason.DUE_CHANGED
    return None


def compose(
    session, rows: list[OutboxMessage], now: datetime, calendar: WorkingCalendar
) -> Composed:
    """The mails to send now, one per recipient, and the rows that end instead."""
    config = current_app.config
    today = local_date(now)
    out = Composed()
    digest_tasks = _digest_tasks(session, rows, today, config)
    escalations = _escalations(session, rows)
    # One mail per person per pass: rows of an earlier day (an assignment caught by the
    # look-back, a reminder delayed by an outage) travel with today's. Except a re-send: the
    # rows of a mail that may have reached the server (their stored Message-ID) go again
    # exactly as they went, under that ID, and rows that joined since go in a mail of their
    # own; a receiver that drops the duplicate ID would drop them with it otherwise.
    groups: dict[tuple[int, str | None], list[OutboxMessage]] = defaultdict(list)
    for row in rows:
        try:
            reason = not_entitled(row) or no_longer_true(
                row.kind, row.task.current_due_on if row.task else None, today, calendar, config
            )
            if reason is None and row.kind == Kind.DIGEST:
                wanted = (row.payload or {}).get("task_ids", [])
                if not [i for i in wanted if i in digest_tasks]:  # never an empty mail
                    reason = EndReason.NOTHING_LEFT
        except Exception as exc:  # a row that cannot even be checked fails alone
            log.exception("reminders.compose cannot check outbox row %s", row.id)
            out.poison.append(([row.id], f"{type(exc).__name__}: {exc}"))
            continue
        if reason is not None:
            out.ended[reason].append(row.id)
            continue
        groups[(row.recipient_id, row.message_id)].append(row)

    def build(group):
        return _message(group, now, today, calendar, digest_tasks, escalations)

    for group in groups.values():
        message, group = _build_isolated(group, build, out)
        if message is None:
            continue
        infos = [
            RowInfo(
                row.id,
                row.kind,
                row.task_id,
                mail_address(row.recipient),
                row.attempts,
                row.first_attempt_at,
                row.message_id,
            )
            for row in group
        ]
        out.mails.append((message, infos))
    return out


def _build_isolated(group, build, out: Composed):
    """The mail of ``group``; if it cannot be built, the rows that cannot be built even
    alone fail (in ``out.poison``) and the mail goes out with the others."""
    try:
        return build(group), group
    except Exception as exc:
        log.exception(
            "reminders.compose cannot build the mail of outbox rows %s", [r.id for r in group]
        )
        error = f"{type(exc).__name__}: {exc}"
    if len(group) == 1:
        out.poison.append(([group[0].id], error))
        return None, group
    good = []
    for row in group:
        try:
            build([row])
            good.append(row)
        except Exception as exc:
            out.poison.append(([row.id], f"{type(exc).__name__}: {exc}"))
    if not good:
        return None, group
    try:
        return build(good), good
    except Exception:  # each builds alone but not together: none of them is the culprit
        out.poison.append(([row.id for row in good], error))
        return None, good


def _digest_tasks(session, rows, today: date, config) -> dict[int, Task]:
    """The digest's tasks as they are now: open, with a deadline, overdue or due within
    the digest's horizon (a task given more time or done since drops out)."""
    wanted = {
        task_id
        for row in rows
        if row.kind == Kind.DIGEST and row.payload
        for task_id in row.payload.get("task_ids", [])
        if isinstance(task_id, int)
    }
    if not wanted:
        return {}
    horizon = date.fromordinal(today.toordinal() + config["REMINDER_DIGEST_HORIZON_DAYS"])
    return {
        task.id: task
        for task in session.scalars(
            select(Task)
            .where(
                Task.id.in_(wanted),
                Task.state.in_(REMINDED_STATES),
                Task.current_due_on.is_not(None),
                Task.current_due_on <= horizon,
            )
            .options(selectinload(Task.directive))
        )
    }


def _escalations(session, rows) -> dict[int, Escalation]:
    ids = [(row.payload or {}).get("escalation_id") for row in rows if row.kind == Kind.ESCALATION]
    ids = [i for i in ids if isinstance(i, int)]
    if not ids:
        return {}
    return {
        e.id: e
        for e in session.scalars(
            select(Escalation).where(Escalation.id.in_(ids)).options(selectinload(Escalation.actor))
        )
    }


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


def _days(kind: str, due: date | None, today: date, calendar: WorkingCalendar) -> int | None:
    """The day count a reminder states, as of the day it is sent."""
    if kind == Kind.DUE_SOON:
        return calendar.working_days_between(today, due)
    if kind == Kind.OVERDUE:
        return (today - due).days
    if kind == Kind.DUE_TODAY:
        return 0
    return None


def _message(
    group, now: datetime, today: date, calendar, digest_tasks, escalations
) -> EmailMessage:
    from .mail import render_mail

    config = current_app.config
    group = sorted(group, key=lambda r: (KIND_ORDER.index(r.kind), r.id))
    recipient = group[0].recipient
    items, seen = [], set()
    for row in group:
        task = row.task
        said = (row.kind, row.task_id, (row.payload or {}).get("escalation_id"))
        if said in seen:  # yesterday's overdue notice and today's: said once, both sent
            continue
        seen.add(said)
        item = {
            "kind": row.kind,
            "row": row,
            "task": task,
            "days": _days(row.kind, task.current_due_on if task else None, today, calendar),
        }
        if row.kind == Kind.DIGEST:
            tasks = [digest_tasks[i] for i in row.payload["task_ids"] if i in digest_tasks]
            item["tasks"] = [
                {"task": t, "days": (today - t.current_due_on).days}
                for t in sorted(tasks, key=lambda t: (t.current_due_on, t.id))
            ]
        if row.kind == Kind.ESCALATION:
            escalation = escalations.get(row.payload["escalation_id"])
            if escalation is None:
                raise LookupError(f"escalation {row.payload['escalation_id']} is gone")
            item["escalation"] = escalation
        items.append(item)
    subject, text, html = render_mail(recipient, items, now)
    message = EmailMessage(policy=MAIL_POLICY)
    message["Subject"] = subject
    message["From"] = formataddr(("Hệ thống theo dõi nhiệm vụ", config["MAIL_FROM"]))
    message["To"] = formataddr((recipient.name, mail_address(recipient)))
    domain = config["MAIL_FROM"].rpartition("@")[2] or "tracker.local"
    message["Message-ID"] = message_id(group, domain)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def message_id(group, domain: str) -> str:
    """One Message-ID per mail for ever: the one stored on its rows (a re-send after a
    crash: compose() groups rows by their stored ID, so a re-send is the same rows), else
    a new one from its first row. ``fence`` stores it on all the rows before the mail is
    sent, so the receiving side can drop the duplicate of a mail accepted just before a
    crash."""
    stored = sorted((row.id, row.message_id) for row in group if row.message_id)
    if stored:
        return stored[0][1]
    return f"<tracker-outbox-{min(row.id for row in group)}@{domain}>"
