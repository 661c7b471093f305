"""Directives, tasks and their workflow: every change a person makes, as plain functions.

Each function takes the acting user and ``now`` (an aware datetime), checks the policy and
the workflow state, changes the rows and writes the AuditEvent in the same transaction.
The caller commits. Refusals raise ``WorkflowError`` with a message for the person.
Extension requests are in ``services.extensions``; every change of a task's state, due
date or lead unit goes through ``services.history``, which keeps its effective date.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from .. import policy
from ..calendar import local_date
from ..extensions import db
from ..models import (
    AuditEvent,
    Directive,
    ExtensionStatus,
    Task,
    TaskState,
    Unit,
    User,
)
from ..policy import Action
from . import audit, files
from .history import change_lead_unit, move_due_date, set_coordinating_units, set_state

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


# One rule for what an edit records (tracker.services.audit).
_plain = audit.plain
_apply = audit.apply_changes


def _state(task: Task, new_state: str, action: str, actor: User, now: datetime) -> dict:
    """Change the state through the dated history; the audit entry's part of it."""
    before = task.state
    set_state(task, new_state, action=action, actor=actor, now=now)
    return {} if before == task.state else {"state": [before, task.state]}


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


def _check_task(values: dict[str, Any], task: Task | None = None) -> None:
    if not values.get("title"):
        raise WorkflowError(_("Please fill in every required field."))
    lead = values.get("lead_unit_id")
    lead_unit = db.session.get(Unit, lead) if lead else None
    if lead_unit is None:
        raise WorkflowError(_("Choose exactly one lead unit."))
    if lead in (values.get("coordinating_unit_ids") or []):
        raise WorkflowError(_("The lead unit cannot also be a coordinating unit."))
    # Work goes to units that exist today: a unit that ceased is named with its successor.
    # (A task kept by the unit that did it stays with it when edited.)
    kept = {task.lead_unit_id, *(u.id for u in task.coordinating_units)} if task else set()
    for unit_id in [lead, *(values.get("coordinating_unit_ids") or [])]:
        unit = db.session.get(Unit, int(unit_id))
        if unit is not None and not unit.active and unit.id not in kept:
            raise WorkflowError(ceased_unit_message(unit))
    due, assigned = values.get("current_due_on"), values.get("assigned_on")
    if due and assigned and due < assigned:
        raise WorkflowError(_("The due date cannot be before the assigned date."))


def ceased_unit_message(unit: Unit) -> str:
    from .units import current_successors

    successors = ", ".join(u.label for u in current_successors(unit))
    if successors:
        return _(
            "%(unit)s no longer operates: its work went to %(successors)s.",
            unit=unit.label,
            successors=successors,
        )
    return _("%(unit)s no longer operates.", unit=unit.label)


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
    _check_task(values, task)
    plain = {k: values.get(k) for k in TASK_FIELDS if k != "current_due_on"}
    plain["is_priority"] = bool(plain.get("is_priority"))
    plain["is_urgent"] = bool(plain.get("is_urgent"))
    plain["assigned_on"] = plain.get("assigned_on") or task.assigned_on
    new_lead = plain.pop("lead_unit_id")
    changes = _apply(task, plain)
    if new_lead != task.lead_unit_id:
        changes["lead_unit_id"] = [task.lead_unit_id, new_lead]
        change_lead_unit(task, new_lead, actor=actor, now=now)
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
        set_coordinating_units(task, coordinating, actor=actor, now=now)
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
    set_state(task, TaskState.WITHDRAWN, action="withdraw", actor=actor, now=now)
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
    changes = _apply(task, {"progress": progress, "last_report_on": today})
    changes.update(_state(task, TaskState.IN_PROGRESS, "report", actor, now))
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
        "progress": 100,
    }
    checked = _check_upload(upload)
    changes = _apply(task, values)
    changes.update(_state(task, TaskState.AWAITING_CONFIRMATION, "submit", actor, now))
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
            "completed_on": completed,
            "confirmed_on": today,
            "confirmed_by_id": actor.id,
            "confirmation_remark": (remark or "").strip() or None,
        },
    )
    changes.update(_state(task, TaskState.COMPLETED, "confirm", actor, now))
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
            "return_count": task.return_count + 1,
            "submitted_on": None,
        },
    )
    changes.update(_state(task, TaskState.IN_PROGRESS, "return", actor, now))
    task.updated_at = now
    audit.record(
        "task.return", actor=actor, obj=task, task_id=task.id, changes=changes, note=reason
    )
    return task


def timeline(task: Task) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.task_id == task.id)
            .order_by(AuditEvent.at, AuditEvent.id)
        )
    )
