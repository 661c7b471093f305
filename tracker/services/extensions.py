"""Extension requests (đề nghị gia hạn): filed by the lead unit before the due date,
decided by the assigning leader or the Office (DESIGN §1). An approval moves the due date
through the dated history (``history.move_due_date``); a request filed after the due date
does not erase the time already overdue.

Like ``workflow``: each function takes the acting user and ``now``, checks the policy and
the state, and writes the AuditEvent in the same transaction; the caller commits.
"""

from __future__ import annotations

from datetime import date, datetime

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from ..calendar import load_calendar, local_date
from ..extensions import db
from ..models import ExtensionRequest, ExtensionStatus, Task, TaskState, User
from ..policy import Action
from . import audit
from .history import move_due_date
from .workflow import WorkflowError, _plain, _require, _require_state, withdraw_task


def pending_extension(task: Task) -> ExtensionRequest | None:
    for request in task.extension_requests:
        if request.status == ExtensionStatus.PENDING:
            return request
    return None


def request_extension(
    actor: User,
    task: Task,
    *,
    proposed_due_on: date | None,
    reason: str,
    letter_number: str | None = None,
    now: datetime,
) -> ExtensionRequest:
    _require(actor, Action.REQUEST_EXTENSION, task)
    _require_state(task, TaskState.ASSIGNED, TaskState.IN_PROGRESS)
    config = current_app.config
    due = task.current_due_on
    if due is None:
        raise WorkflowError(_("A task without a due date cannot be extended."))
    if pending_extension(task) is not None:
        raise WorkflowError(_("An extension request for this task is already waiting."))
    if task.extension_count >= config["EXTENSION_MAX_COUNT"]:
        raise WorkflowError(
            _(
                "Refused: this task has already been extended %(n)s times, the most allowed.",
                n=task.extension_count,
            )
        )
    today = local_date(now)
    if today > due:
        if not config["EXTENSION_ALLOWED_AFTER_DUE"]:
            raise WorkflowError(_("Refused: the due date has passed."))
    else:
        days_left = load_calendar().working_days_between(today, due)
        minimum = config["EXTENSION_MIN_WORKING_DAYS_BEFORE_DUE"]
        if days_left < minimum:
            raise WorkflowError(
                _(
                    "Refused: an extension must be requested at least %(min)s working days "
                    "before the due date (%(left)s left).",
                    min=minimum,
                    left=days_left,
                )
            )
    if proposed_due_on is None or proposed_due_on <= due:
        raise WorkflowError(_("The proposed date must be after the current due date."))
    if not (reason or "").strip():
        raise WorkflowError(_("Please give a reason."))
    request = ExtensionRequest(
        task=task,
        requested_by_id=actor.id,
        requested_at=now,
        due_on_before=due,
        proposed_due_on=proposed_due_on,
        reason=reason.strip(),
        letter_number=(letter_number or "").strip() or None,
        status=ExtensionStatus.PENDING,
    )
    db.session.add(request)
    db.session.flush()
    audit.record(
        "extension.request",
        actor=actor,
        obj=request,
        task_id=task.id,
        changes={"proposed_due_on": [_plain(due), _plain(proposed_due_on)]},
        note=request.reason,
    )
    return request


def decide_extension(
    actor: User,
    request: ExtensionRequest,
    *,
    decision: str,
    new_due_on: date | None = None,
    note: str | None = None,
    now: datetime,
) -> ExtensionRequest:
    """decision: "approve" (with new_due_on, the proposed date by default), "reject", or
    "withdraw" (the task is withdrawn instead)."""
    task = request.task
    _require(actor, Action.DECIDE_EXTENSION, task)
    if request.status != ExtensionStatus.PENDING:
        raise WorkflowError(_("This request has already been decided."))
    if decision == "withdraw":
        withdraw_task(actor, task, reason=note or _("Withdrawn on an extension request"), now=now)
        return request
    request.decided_by_id = actor.id
    request.decided_at = now
    request.decision_note = (note or "").strip() or None
    if decision == "approve":
        new_due = new_due_on or request.proposed_due_on
        if task.current_due_on is not None and new_due <= task.current_due_on:
            raise WorkflowError(_("The new due date must be after the current due date."))
        before = task.current_due_on
        request.status = ExtensionStatus.APPROVED
        request.approved_due_on = new_due
        move_due_date(task, new_due, actor=actor, now=now, extension_request=request)
        task.extension_count += 1
        task.updated_at = now
        audit.record(
            "extension.approve",
            actor=actor,
            obj=request,
            task_id=task.id,
            changes={
                "current_due_on": [_plain(before), _plain(new_due)],
                "extension_count": [task.extension_count - 1, task.extension_count],
            },
            note=request.decision_note,
        )
    elif decision == "reject":
        request.status = ExtensionStatus.REJECTED
        audit.record(
            "extension.reject",
            actor=actor,
            obj=request,
            task_id=task.id,
            note=request.decision_note,
        )
    else:
        raise WorkflowError(_("Unknown decision."))
    return request


def pending_extensions_for(user: User) -> list[ExtensionRequest]:
    """The requests waiting for ``user``'s decision (Office: all; leader: their tasks)."""
    query = (
        select(ExtensionRequest)
        .join(Task)
        .where(ExtensionRequest.status == ExtensionStatus.PENDING)
        .order_by(ExtensionRequest.requested_at)
    )
    if user.role == "leader":
        query = query.where(Task.assigned_by_id == user.id)
    elif user.role != "office":
        return []
    return list(db.session.scalars(query))


def count_pending_extensions_for(user: User) -> int:
    if user.role not in ("office", "leader"):
        return 0
    query = (
        select(func.count(ExtensionRequest.id))
        .join(Task)
        .where(ExtensionRequest.status == ExtensionStatus.PENDING)
    )
    if user.role == "leader":
        query = query.where(Task.assigned_by_id == user.id)
    return db.session.scalar(query) or 0
