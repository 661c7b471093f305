"""Directives, tasks and their workflow: every change a person makes, as plain functions.

Each function takes the acting user and ``now`` (an aware datetime), checks the policy and
the workflow state, changes the rows and writes the AuditEvent in the same transaction.
The caller commits. Refusals raise ``WorkflowError`` with a message for the person.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from .. import policy
from ..calendar import load_calendar, local_date
from ..extensions import db
from ..models import (
    AuditEvent,
    Directive,
    DueDateChange,
    ExtensionRequest,
    ExtensionStatus,
    Task,
    TaskState,
    Unit,
    User,
)
from ..policy import Action
from . import audit, files

OPEN_STATES = frozenset({TaskState.ASSIGNED, TaskState.IN_PROGRESS})


class WorkflowError(Exception):
    """A refusal the person should read."""


class Forbidden(WorkflowError):
    pass


class StaleEdit(WorkflowError):
    """Someone saved the object after the form was opened."""


def _require(actor: User, action: str, obj) -> None:
    if not policy.can(actor, action, obj):
        raise Forbidden(_("You may not do this."))


def _require_state(task: Task, *states: str) -> None:
    if task.state not in states:
        raise WorkflowError(_("This is not possible while the task is in its current state."))


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    return value


def _apply(obj, values: dict[str, Any]) -> dict[str, list]:
    """Set attributes and return {field: [before, after]} for those that changed."""
    changes = {}
    for name, value in values.items():
        before = getattr(obj, name)
        if before != value:
            changes[name] = [_plain(before), _plain(value)]
            setattr(obj, name, value)
    return changes


# --- directives ----------------------------------------------------------------------------

DIRECTIVE_FIELDS = (
    "symbol",
    "kind",
    "issued_on",
    "signer_name",
    "signer_position",
    "issuing_body",
    "summary",
    "meeting_title",
    "meeting_on",
    "meeting_chair",
    "origin_level",
    "external_id",
)


def _check_directive(values: dict[str, Any], directive: Directive | None = None) -> None:
    for required in ("symbol", "kind", "issued_on", "signer_name", "issuing_body", "summary"):
        if not values.get(required):
            raise WorkflowError(_("Please fill in every required field."))
    clash = db.session.scalar(select(Directive).where(Directive.symbol == values["symbol"]))
    if clash is not None and clash is not directive:
        raise WorkflowError(_("A directive with this symbol already exists."))


def create_directive(actor: User, values: dict[str, Any], *, now: datetime) -> Directive:
    _require(actor, Action.CREATE_DIRECTIVE, None)
    _check_directive(values)
    directive = Directive(**{k: values.get(k) for k in DIRECTIVE_FIELDS}, created_by_id=actor.id)
    db.session.add(directive)
    db.session.flush()
    audit.record(
        "directive.create",
        actor=actor,
        obj=directive,
        changes={k: [None, _plain(values.get(k))] for k in DIRECTIVE_FIELDS if values.get(k)},
    )
    return directive


def update_directive(
    actor: User, directive: Directive, values: dict[str, Any], *, version: int, now: datetime
) -> Directive:
    _require(actor, Action.EDIT_DIRECTIVE, directive)
    if directive.version != version:
        raise StaleEdit(_changed_meanwhile(object_type="directive", object_id=directive.id))
    _check_directive(values, directive)
    changes = _apply(directive, {k: values.get(k) for k in DIRECTIVE_FIELDS})
    if changes:
        audit.record("directive.update", actor=actor, obj=directive, changes=changes)
    return directive


# --- tasks ---------------------------------------------------------------------------------

TASK_FIELDS = (
    "title",
    "content",
    "field",
    "lead_unit_id",
    "focal_person_id",
    "monitor_id",
    "assigned_by_id",
    "is_priority",
    "is_urgent",
    "assigned_on",
    "start_on",
    "current_due_on",
)


def _check_task(values: dict[str, Any]) -> None:
    if not values.get("title"):
        raise WorkflowError(_("Please fill in every required field."))
    lead = values.get("lead_unit_id")
    if not lead or db.session.get(Unit, lead) is None:
        raise WorkflowError(_("Choose exactly one lead unit."))
    if lead in (values.get("coordinating_unit_ids") or []):
        raise WorkflowError(_("The lead unit cannot also be a coordinating unit."))
    due, assigned = values.get("current_due_on"), values.get("assigned_on")
    if due and assigned and due < assigned:
        raise WorkflowError(_("The due date cannot be before the assigned date."))


def _coordinating(ids) -> list[Unit]:
    ids = [int(i) for i in ids or []]
    if not ids:
        return []
    return list(db.session.scalars(select(Unit).where(Unit.id.in_(ids))))


def add_task(actor: User, directive: Directive, values: dict[str, Any], *, now: datetime) -> Task:
    _require(actor, Action.ADD_TASK, directive)
    values = dict(values)
    values.setdefault("assigned_on", local_date(now))
    values["assigned_on"] = values["assigned_on"] or local_date(now)
    _check_task(values)
    item_no = (
        db.session.scalar(select(func.max(Task.item_no)).where(Task.directive_id == directive.id))
        or 0
    ) + 1
    coordinating = _coordinating(values.get("coordinating_unit_ids"))
    task = Task(
        directive=directive,
        item_no=item_no,
        **{k: values.get(k) for k in TASK_FIELDS},
        original_due_on=values.get("current_due_on"),
        state=TaskState.ASSIGNED,
    )
    task.is_priority = bool(values.get("is_priority"))
    task.is_urgent = bool(values.get("is_urgent"))
    task.coordinating_units = coordinating
    task.refresh_search_text()
    db.session.add(task)
    db.session.flush()
    changes = {k: [None, _plain(values.get(k))] for k in TASK_FIELDS if values.get(k)}
    if task.coordinating_units:
        changes["coordinating_units"] = [None, [u.label for u in task.coordinating_units]]
    audit.record("task.assign", actor=actor, obj=task, task_id=task.id, changes=changes)
    return task


def _changed_meanwhile(*, task_id: int | None = None, object_type=None, object_id=None) -> str:
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(1)
    if task_id is not None:
        query = query.where(AuditEvent.task_id == task_id)
    else:
        query = query.where(
            AuditEvent.object_type == object_type, AuditEvent.object_id == object_id
        )
    event = db.session.scalar(query)
    who = event.actor.name if event is not None and event.actor is not None else _("someone")
    return _(
        "Changed by %(who)s meanwhile: your changes were not saved. "
        "Review the current values and save again.",
        who=who,
    )


def move_due_date(
    task: Task,
    new_due: date | None,
    *,
    actor: User,
    now: datetime,
    extension_request: ExtensionRequest | None = None,
) -> None:
    """The one way to change current_due_on: every move writes a DueDateChange row, so
    statistics as of a past date use the due date that was in force then."""
    old = task.current_due_on
    if old == new_due:
        return
    task.current_due_on = new_due
    if task.original_due_on is None or new_due is None:
        task.original_due_on = new_due
    db.session.add(
        DueDateChange(
            task_id=task.id,
            changed_at=now,
            effective_on=local_date(now),
            old_due_on=old,
            new_due_on=new_due,
            extension_request_id=extension_request.id if extension_request else None,
            actor_id=actor.id,
        )
    )


def edit_task(
    actor: User, task: Task, values: dict[str, Any], *, version: int, now: datetime
) -> Task:
    """Edit a task's fields. ``version`` is the one the form was opened with: when someone
    saved in between, nothing is changed and StaleEdit says who."""
    _require(actor, Action.EDIT_TASK, task)
    if task.state == TaskState.WITHDRAWN:
        raise WorkflowError(_("This is not possible while the task is in its current state."))
    if task.version != version:
        raise StaleEdit(_changed_meanwhile(task_id=task.id))
    _check_task(values)
    plain = {k: values.get(k) for k in TASK_FIELDS if k != "current_due_on"}
    plain["is_priority"] = bool(plain.get("is_priority"))
    plain["is_urgent"] = bool(plain.get("is_urgent"))
    plain["assigned_on"] = plain.get("assigned_on") or task.assigned_on
    changes = _apply(task, plain)
    new_due = values.get("current_due_on")
    if new_due != task.current_due_on:
        changes["current_due_on"] = [_plain(task.current_due_on), _plain(new_due)]
        move_due_date(task, new_due, actor=actor, now=now)
    with db.session.no_autoflush:
        coordinating = _coordinating(values.get("coordinating_unit_ids"))
    if {u.id for u in coordinating} != {u.id for u in task.coordinating_units}:
        changes["coordinating_units"] = [
            [u.label for u in task.coordinating_units],
            [u.label for u in coordinating],
        ]
        task.coordinating_units = coordinating
    if changes:
        task.refresh_search_text()
        task.updated_at = now
        audit.record("task.update", actor=actor, obj=task, task_id=task.id, changes=changes)
    return task


def _cancel_pending_extensions(task: Task, actor: User, now: datetime, note: str) -> None:
    for request in task.extension_requests:
        if request.status == ExtensionStatus.PENDING:
            request.status = ExtensionStatus.CANCELLED
            request.decided_by_id = actor.id
            request.decided_at = now
            request.decision_note = note


def withdraw_task(actor: User, task: Task, *, reason: str, now: datetime) -> Task:
    if not (
        policy.can(actor, Action.WITHDRAW_TASK, task)
        or policy.can(actor, Action.DECIDE_EXTENSION, task)
    ):
        raise Forbidden(_("You may not do this."))
    _require_state(
        task,
        TaskState.ASSIGNED,
        TaskState.IN_PROGRESS,
        TaskState.AWAITING_CONFIRMATION,
        TaskState.PAUSED,
    )
    if not (reason or "").strip():
        raise WorkflowError(_("Please give a reason."))
    before = task.state
    task.state = TaskState.WITHDRAWN
    task.withdrawn_on = local_date(now)
    task.updated_at = now
    _cancel_pending_extensions(task, actor, now, reason)
    audit.record(
        "task.withdraw",
        actor=actor,
        obj=task,
        task_id=task.id,
        changes={
            "state": [before, TaskState.WITHDRAWN.value],
            "withdrawn_on": [None, task.withdrawn_on.isoformat()],
        },
        note=reason,
    )
    return task


# --- progress and results ------------------------------------------------------------------


def report_progress(
    actor: User,
    task: Task,
    *,
    progress: int,
    text: str,
    difficulties: str | None = None,
    proposals: str | None = None,
    upload=None,
    now: datetime,
):
    from ..models import ProgressReport

    _require(actor, Action.REPORT_PROGRESS, task)
    _require_state(task, TaskState.ASSIGNED, TaskState.IN_PROGRESS)
    if progress is None or not 0 <= progress <= 100:
        raise WorkflowError(_("Progress must be between 0 and 100."))
    if not (text or "").strip():
        raise WorkflowError(_("Please describe the progress."))
    checked = _check_upload(upload)
    today = local_date(now)
    report = ProgressReport(
        task=task,
        reported_on=today,
        progress=progress,
        text=text.strip(),
        difficulties=(difficulties or "").strip() or None,
        proposals=(proposals or "").strip() or None,
        file_path=files.stored_name(task.id, checked),
        file_name=checked.name if checked else None,
        author_id=actor.id,
        created_at=now,
    )
    db.session.add(report)
    changes = _apply(
        task, {"progress": progress, "last_report_on": today, "state": TaskState.IN_PROGRESS}
    )
    task.updated_at = now
    db.session.flush()  # a database refusal comes before anything is written to disk
    if checked:
        files.write_upload(db.session, report.file_path, checked)
    audit.record(
        "task.report", actor=actor, obj=report, task_id=task.id, changes=changes, note=report.text
    )
    return report


def submit_result(
    actor: User,
    task: Task,
    *,
    text: str,
    doc_number: str | None = None,
    doc_on: date | None = None,
    upload=None,
    now: datetime,
) -> Task:
    _require(actor, Action.SUBMIT_RESULT, task)
    _require_state(task, TaskState.ASSIGNED, TaskState.IN_PROGRESS)
    if not (text or "").strip():
        raise WorkflowError(_("Please describe the result."))
    values = {
        "result_text": text.strip(),
        "result_doc_number": (doc_number or "").strip() or None,
        "result_doc_on": doc_on,
        "submitted_on": local_date(now),
        "state": TaskState.AWAITING_CONFIRMATION,
        "progress": 100,
    }
    checked = _check_upload(upload)
    changes = _apply(task, values)
    if checked:
        # The timeline shows the name the person chose, never the stored path.
        before = files.display_name(task.result_file, task.result_file_name) or None
        changes["result_file"] = [before, checked.name]
        task.result_file = files.stored_name(task.id, checked)
        task.result_file_name = checked.name
    task.updated_at = now
    db.session.flush()  # a database refusal comes before anything is written to disk
    if checked:
        files.write_upload(db.session, task.result_file, checked)
    audit.record("task.submit", actor=actor, obj=task, task_id=task.id, changes=changes)
    return task


def _check_upload(upload) -> files.Upload | None:
    try:
        return files.check_upload(upload)
    except files.UploadRefused as error:
        raise WorkflowError(str(error)) from None


def confirm_result(actor: User, task: Task, *, remark: str | None = None, now: datetime) -> Task:
    """The Office confirms: completed on the submission date (or on the confirmation date
    when COMPLETION_DATE_IS_CONFIRMATION is set)."""
    _require(actor, Action.CONFIRM_RESULT, task)
    _require_state(task, TaskState.AWAITING_CONFIRMATION)
    today = local_date(now)
    completed = (
        today
        if current_app.config["COMPLETION_DATE_IS_CONFIRMATION"]
        else (task.submitted_on or today)
    )
    changes = _apply(
        task,
        {
            "state": TaskState.COMPLETED,
            "completed_on": completed,
            "confirmed_by_id": actor.id,
            "confirmation_remark": (remark or "").strip() or None,
        },
    )
    task.confirmed_at = now
    task.updated_at = now
    audit.record(
        "task.confirm", actor=actor, obj=task, task_id=task.id, changes=changes, note=remark
    )
    return task


def return_result(actor: User, task: Task, *, reason: str, now: datetime) -> Task:
    """The Office returns a submission: back to in progress, counted; the returned
    submission's date no longer counts."""
    _require(actor, Action.CONFIRM_RESULT, task)
    _require_state(task, TaskState.AWAITING_CONFIRMATION)
    if not (reason or "").strip():
        raise WorkflowError(_("Please give a reason."))
    changes = _apply(
        task,
        {
            "state": TaskState.IN_PROGRESS,
            "return_count": task.return_count + 1,
            "submitted_on": None,
        },
    )
    task.updated_at = now
    audit.record(
        "task.return", actor=actor, obj=task, task_id=task.id, changes=changes, note=reason
    )
    return task


# --- extensions ----------------------------------------------------------------------------


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


def timeline(task: Task) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.task_id == task.id)
            .order_by(AuditEvent.at, AuditEvent.id)
        )
    )
