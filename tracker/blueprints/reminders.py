"""Escalations on a task, and the administrator's outbox page."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import SelectField, SubmitField

from .. import policy
from ..extensions import db
from ..forms import MAX_ID, BoundedIntegerField, DayField, Form, LineField, SelectChoice, TextField
from ..models import AuditEvent, Escalation, OutboxMessage, OutboxState, Task
from ..params import MAX_TEXT_CHARS, QueryParams
from ..reminders import EndReason, Kind, health, housekeeping
from ..reminders import outbox as outbox_service
from ..reminders.escalations import EscalationError, record_escalation
from ..reminders.mail import mail_address

bp = Blueprint("reminders", __name__)
# The outbox shows the address a row goes to (a user's email for reminders, if chosen).
bp.add_app_template_global(mail_address, "mail_address")

OUTBOX_PER_PAGE = 50
ALL_STATES = "all"
OUTBOX_STATES = [state.value for state in OutboxState]
KIND_LABELS = {
    Kind.ASSIGNED: _l("New task"),
    Kind.DUE_SOON: _l("Due soon"),
    Kind.DUE_TODAY: _l("Due today"),
    Kind.OVERDUE: _l("Overdue"),
    Kind.DIGEST: _l("Weekly digest"),
    Kind.ESCALATION: _l("Escalation"),
}
END_REASON_LABELS = {
    EndReason.TASK_CLOSED: _l("The task is completed, awaiting confirmation, paused or withdrawn"),
    EndReason.RECIPIENT_GONE: _l("The recipient is inactive or no longer responsible"),
    EndReason.OPTED_OUT: _l("The leader turned the weekly digest off"),
    EndReason.NO_DEADLINE: _l("The task no longer has a deadline"),
    EndReason.DUE_CHANGED: _l("The deadline changed: this reminder is no longer true"),
    EndReason.DAY_PASSED: _l("Its day has passed (the overdue notices follow)"),
    EndReason.NOTHING_LEFT: _l("No task left to list"),
    EndReason.COMPOSE_FAILED: _l("The mail could not be built"),
    EndReason.REFUSED: _l("The mail server refused this mail or its recipient"),
    EndReason.GAVE_UP: _l("Not accepted within the retry time"),
    EndReason.ADMIN: _l("Cancelled by the administrator"),
}


class EscalationForm(Form):
    kind = SelectField(
        _l("Escalation kind"),
        choices=[
            SelectChoice("reminder", _l("Reminder (nhắc nhở)")),
            SelectChoice("criticism", _l("Criticism (phê bình)")),
            SelectChoice("explanation", _l("Request for explanation")),
        ],
    )
    note = TextField(_l("Content"), required=True)
    explain_by = DayField(_l("Explanation due by"))
    submit = SubmitField(_l("Record and notify the unit head"))


def _task_or_404(task_id: int) -> Task:
    task = db.get_or_404(Task, task_id)
    if not policy.can_view_task(current_user, task):
        abort(404)
    return task


@bp.route("/tasks/<int:task_id>/escalations", methods=["GET", "POST"])
@login_required
def escalations(task_id: int):
    task = _task_or_404(task_id)
    may_escalate = policy.can_escalate(current_user, task)
    form = EscalationForm()
    if request.method == "POST":
        if not may_escalate:
            abort(403)
        if form.validate_on_submit():
            try:
                record_escalation(
                    db.session,
                    task,
                    kind=form.kind.data,
                    note=form.note.data,
                    explain_by=form.explain_by.data,
                    actor=current_user,
                    now=datetime.now(UTC),
                )
            except EscalationError as exc:
                db.session.rollback()
                form.explain_by.errors = [*form.explain_by.errors, _error_text(str(exc))]
            else:
                db.session.commit()
                flash(_("Recorded; the head of the lead unit will be notified by mail."), "success")
                return redirect(url_for("reminders.escalations", task_id=task.id))
    history = db.session.scalars(
        select(Escalation)
        .where(Escalation.task_id == task.id)
        .options(selectinload(Escalation.actor))
        .order_by(Escalation.created_at.desc())
    ).all()
    sent = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.task_id == task.id, AuditEvent.action == "reminder.sent")
        .order_by(AuditEvent.at.desc())
    ).all()
    return render_template(
        "reminders/escalations.html",
        task=task,
        form=form,
        history=history,
        sent=sent,
        may_escalate=may_escalate,
    )


def _error_text(message: str) -> str:
    return {
        "a request for explanation needs a date": _("A request for explanation needs a date."),
        "the explanation date is in the past": _("The date is in the past."),
        "the note is required": _("This field is required."),
    }.get(message, message)


def _require_outbox_admin() -> None:
    if not policy.can_manage_outbox(current_user):
        abort(403)


class BulkOutboxForm(Form):
    """The filter a bulk action applies to (hidden fields of the outbox page), and the
    number of rows the administrator saw on the button."""

    state = SelectField(choices=[SelectChoice(v, v) for v in [*OUTBOX_STATES, ALL_STATES]])
    error = LineField(_l("Error contains"), max_length=MAX_TEXT_CHARS)
    expected = BoundedIntegerField(_l("Number"), 0, MAX_ID, required=True)


def _filter_from(state: str | None, error: str | None) -> housekeeping.OutboxFilter:
    return housekeeping.OutboxFilter(
        state=None if state in (None, ALL_STATES) else state, error=error or None
    )


@bp.route("/admin/outbox")
@login_required
def outbox():
    _require_outbox_admin()
    params = QueryParams(request.args)
    state = params.choice("state", [*OUTBOX_STATES, ALL_STATES]) or OutboxState.FAILED.value
    flt = _filter_from(state, params.text("error"))
    page = params.page()
    params.note_ignored()
    total = housekeeping.count_matching(flt)
    pages = max(1, -(-total // OUTBOX_PER_PAGE))
    page = min(page, pages)
    return render_template(
        "reminders/outbox.html",
        counts=outbox_service.counts_by_state(),
        messages=housekeeping.list_matching(flt, page, OUTBOX_PER_PAGE),
        flt=flt,
        state=state,
        total=total,
        page=page,
        pages=pages,
        retryable=housekeeping.count_matching(flt, housekeeping.RETRYABLE),
        cancellable=housekeeping.count_matching(flt, housekeeping.CANCELLABLE),
        states=OUTBOX_STATES,
        mail_health=health.current(),
        end_reasons=END_REASON_LABELS,
        kind_labels=KIND_LABELS,
    )


@bp.route("/admin/outbox/bulk/<any(retry, cancel):action>", methods=["POST"])
@login_required
def outbox_bulk(action: str):
    _require_outbox_admin()
    form = BulkOutboxForm()
    if not form.validate_on_submit():
        abort(400, description=_("The filter of this action is not valid."))
    flt = _filter_from(form.state.data, form.error.data)
    try:
        changed = housekeeping.bulk_action(
            action, flt, expected=form.expected.data, actor=current_user, now=datetime.now(UTC)
        )
    except housekeeping.BulkChanged as exc:
        db.session.rollback()
        flash(
            _(
                "The matching messages changed meanwhile (%(n)s now); nothing was changed. "
                "Check the list and try again.",
                n=exc.found,
            ),
            "warning",
        )
    else:
        db.session.commit()
        if action == "retry":
            flash(_("Queued again: %(n)s messages.", n=changed), "success")
        else:
            flash(_("Cancelled: %(n)s messages.", n=changed), "success")
    return redirect(url_for("reminders.outbox", **flt.to_args()))


@bp.route("/admin/outbox/<int:message_id>/<any(retry, cancel):action>", methods=["POST"])
@login_required
def outbox_action(message_id: int, action: str):
    _require_outbox_admin()
    message = db.get_or_404(OutboxMessage, message_id)
    operation = outbox_service.retry if action == "retry" else outbox_service.cancel
    try:
        operation(message, actor=current_user, now=datetime.now(UTC))
    except outbox_service.OutboxError:
        db.session.rollback()
        flash(_("This message cannot be changed in its current state."), "error")
    else:
        db.session.commit()
        flash(_("Queued again.") if action == "retry" else _("Cancelled."), "success")
    return redirect(url_for("reminders.outbox"))
