"""Task pages: the filtered list, "my tasks", the task page with its timeline, and the
workflow actions (progress, result, confirmation, extensions, edits, withdrawal)."""

from datetime import UTC, date, datetime

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from .. import policy
from ..calendar import local_today
from ..extensions import db
from ..models import ExtensionRequest, Role, Task, TaskState, Unit, User
from ..params import QueryParams
from ..policy import Action
from ..services import extensions, files, staffing, workflow
from ..services import tasks as task_service
from ..services.tasks import TaskFilter
from ..status import TimeStatus, time_status
from . import task_forms

bp = Blueprint("tasks", __name__)


def now() -> datetime:
    return datetime.now(UTC)


def get_task_or_abort(task_id: int, action: str = Action.VIEW_TASK) -> Task:
    """The task, or 404 when the user may not know it exists, or 403 when they may see it
    but not do ``action``."""
    task = db.session.get(Task, task_id)
    if task is None or policy.hides_existence(current_user, task):
        abort(404)
    if not policy.can(current_user, action, task):
        abort(403)
    return task


def filter_choices() -> dict:
    return {
        "units": db.session.scalars(select(Unit).where(Unit.active).order_by(Unit.name)).all(),
        "leaders": db.session.scalars(
            select(User).where(User.role == Role.LEADER).order_by(User.name)
        ).all(),
        "fields": [
            f
            for f in db.session.scalars(
                select(Task.field).where(Task.field.is_not(None)).distinct().order_by(Task.field)
            )
        ],
        "states": list(TaskState),
        "statuses": [s for s in TimeStatus if s != TimeStatus.WITHDRAWN],
        "sorts": task_service.SORTS,
    }


@bp.route("/")
@login_required
def home():
    """Leaders, the Office and unit heads land on the dashboard; others on their tasks."""
    from .reports import home_endpoint_for

    return redirect(url_for(home_endpoint_for(current_user)))


def filter_from_request(params: QueryParams | None = None) -> TaskFilter:
    """TaskFilter from the URL (dates typed dd/mm/yyyy in the filter form, ISO in links);
    what ``params`` could not take is left out and recorded there."""
    return TaskFilter.from_args(params if params is not None else QueryParams(request.args))


@bp.route("/tasks")
@login_required
def index():
    params = QueryParams(request.args)
    return _task_list(filter_from_request(params), params, mine=False)


@bp.route("/tasks/mine")
@login_required
def mine():
    """Việc của tôi / của đơn vị: unit roles see their unit's tasks, the Office the tasks it
    monitors, leaders the tasks they assigned; overdue and due soon first."""
    params = QueryParams(request.args)
    flt = filter_from_request(params)
    if current_user.role in policy.UNIT_ROLES:
        flt.involving = current_user.unit_id
    elif current_user.role == Role.OFFICE:
        flt.monitor = current_user.id
    elif current_user.role == Role.LEADER:
        flt.leader = current_user.id
    return _task_list(flt, params, mine=True)


def _task_list(flt: TaskFilter, params: QueryParams, *, mine: bool):
    ctx = task_service.status_context(flt.as_of or local_today(), flt.later_confirmations)
    page = task_service.list_tasks(
        current_user,
        flt,
        ctx,
        page=params.page(),
        per_page=current_app.config["TASKS_PER_PAGE"],
    )
    params.note_ignored()
    return render_template(
        "tasks/index.html",
        page=page,
        flt=flt,
        mine=mine,
        endpoint="tasks.mine" if mine else "tasks.index",
        **filter_choices(),
    )


@bp.route("/tasks/<int:task_id>")
@login_required
def show(task_id: int):
    return _task_page(get_task_or_abort(task_id))


def lead_unit_warning(task: Task, saved: str | None = None) -> Markup | None:
    """For the Office and admins, when the task's lead unit has no active account (accepted
    on purpose: services/staffing.py says why): the warning naming the unit, with the link
    to add a person to it; ``saved`` ("Task assigned.") goes first after a save."""
    if not policy.sees_unstaffed_units(current_user):
        return None
    if staffing.unit_has_active_account(task.lead_unit_id):
        return None
    text = _(
        "%(unit)s has no active account: nobody there gets this task's reminders or sees "
        "it in their list.",
        unit=task.lead_unit.label,
    )
    if saved:
        text = f"{saved} {text}"
    if not policy.can_manage_people(current_user):
        return Markup.escape(text)
    url = url_for("admin.new_user", unit_id=task.lead_unit_id)
    return Markup('{} <a href="{}">{}</a>').format(text, url, _("Add a person to this unit"))


def flash_saved(task: Task, message: str) -> None:
    """After adding or editing a task: ``message``, or the warning about its lead unit."""
    warning = lead_unit_warning(task, saved=message)
    if warning is not None:
        flash(warning, "warning")
    else:
        flash(message, "success")


def _unless_flashed(warning: Markup | None) -> Markup | None:
    """The page's warning, unless the save that led here already flashed it."""
    pending = session.get("_flashes") or []
    if warning is not None and any(str(warning) in str(message) for _c, message in pending):
        return None
    return warning


def _task_page(task: Task, status: int = 200, **posted):
    """The task page; ``posted`` is an action form that failed validation, shown again
    with its errors and what was typed (status 400)."""
    if posted:
        flash_form_errors()
    ctx = task_service.status_context(local_today())
    pending = extensions.pending_extension(task)
    return render_template(
        "tasks/show.html",
        task=task,
        status=time_status(task, ctx),
        events=workflow.timeline(task),
        pending=pending,
        lead_unit_warning=_unless_flashed(lead_unit_warning(task)),
        forms=task_forms.action_forms(task, pending, **posted),
        can=lambda action: policy.can(current_user, action, task),
        Action=Action,
        TaskState=TaskState,
    ), status


def flash_form_errors() -> None:
    flash(_("Some values were not accepted: see the messages beside the fields."), "error")


def _done(task: Task, message: str):
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("tasks.show", task_id=task.id))


# A save refused because someone else saved first: the service says so (StaleEdit), or
# SQLAlchemy's version check does (StaleDataError, whose own text is not for people).
STALE = (workflow.StaleEdit, StaleDataError)


def refuse_change(error: Exception) -> None:
    """After a refused change: roll back, 403 for a Forbidden, else flash why."""
    db.session.rollback()
    if isinstance(error, workflow.Forbidden):
        abort(403)
    if isinstance(error, StaleDataError):
        error = workflow.StaleEdit(
            _("Changed by someone else meanwhile: your changes were not saved.")
        )
    flash(str(error), "error")


def _refused(task: Task, error: Exception):
    refuse_change(error)
    return redirect(url_for("tasks.show", task_id=task.id))


@bp.post("/tasks/<int:task_id>/report")
@login_required
def report(task_id: int):
    task = get_task_or_abort(task_id, Action.REPORT_PROGRESS)
    form = task_forms.ReportForm()
    if not form.validate_on_submit():
        return _task_page(task, 400, report=form)
    try:
        workflow.report_progress(current_user, task, **form.values(), now=now())
    except (workflow.WorkflowError, StaleDataError) as error:
        return _refused(task, error)
    return _done(task, _("Progress report saved."))


@bp.post("/tasks/<int:task_id>/result")
@login_required
def submit(task_id: int):
    task = get_task_or_abort(task_id, Action.SUBMIT_RESULT)
    form = task_forms.ResultForm()
    if not form.validate_on_submit():
        return _task_page(task, 400, result=form)
    try:
        workflow.submit_result(current_user, task, **form.values(), now=now())
    except (workflow.WorkflowError, StaleDataError) as error:
        return _refused(task, error)
    return _done(task, _("Result submitted: awaiting the Office's confirmation."))


@bp.post("/tasks/<int:task_id>/confirm")
@login_required
def confirm(task_id: int):
    task = get_task_or_abort(task_id, Action.CONFIRM_RESULT)
    form = task_forms.ConfirmForm()
    if not form.validate_on_submit():
        return _task_page(task, 400, confirm=form)
    try:
        if form.decision.data == "return":
            workflow.return_result(current_user, task, reason=form.remark.data, now=now())
            message = _("The result was returned to the lead unit.")
        else:
            workflow.confirm_result(current_user, task, remark=form.remark.data or None, now=now())
            message = _("The task is confirmed as completed.")
    except (workflow.WorkflowError, StaleDataError) as error:
        return _refused(task, error)
    return _done(task, message)


@bp.post("/tasks/<int:task_id>/extensions")
@login_required
def request_extension(task_id: int):
    task = get_task_or_abort(task_id, Action.REQUEST_EXTENSION)
    form = task_forms.ExtensionRequestForm()
    if not form.validate_on_submit():
        return _task_page(task, 400, extension=form)
    try:
        extensions.request_extension(current_user, task, **form.values(), now=now())
    except (workflow.WorkflowError, StaleDataError) as error:
        return _refused(task, error)
    return _done(task, _("Extension request sent."))


@bp.post("/extensions/<int:request_id>/decide")
@login_required
def decide_extension(request_id: int):
    ext = db.session.get(ExtensionRequest, request_id)
    if ext is None:
        abort(404)
    task = get_task_or_abort(ext.task_id, Action.DECIDE_EXTENSION)
    form = task_forms.ExtensionDecisionForm()
    if not form.validate_on_submit():
        return _task_page(task, 400, decide=form)
    try:
        extensions.decide_extension(current_user, ext, **form.values(), now=now())
    except (workflow.WorkflowError, StaleDataError) as error:
        return _refused(task, error)
    return _done(task, _("Decision saved."))


@bp.route("/extensions/pending")
@login_required
def pending_extensions():
    if not policy.can(current_user, Action.LIST_PENDING_EXTENSIONS):
        abort(403)
    return render_template(
        "tasks/pending_extensions.html", requests=extensions.pending_extensions_for(current_user)
    )


@bp.post("/tasks/<int:task_id>/withdraw")
@login_required
def withdraw(task_id: int):
    task = get_task_or_abort(task_id, Action.WITHDRAW_TASK)
    form = task_forms.WithdrawForm()
    if not form.validate_on_submit():
        return _task_page(task, 400, withdraw=form)
    try:
        workflow.withdraw_task(current_user, task, reason=form.reason.data, now=now())
    except (workflow.WorkflowError, StaleDataError) as error:
        return _refused(task, error)
    return _done(task, _("The task was withdrawn."))


def render_task_form(form, task: Task | None, directive, status: int = 200):
    """The task form (add or edit); after a refused save, the form as it was sent."""
    if form.errors:
        flash_form_errors()
    return render_template("tasks/form.html", form=form, task=task, directive=directive), status


def stale_edit_status(form, current_version: int) -> int:
    """After a refused save because someone else saved meanwhile: the form keeps what was
    typed but carries the version now stored, so a second save (after review) goes
    through. 409."""
    form.version.data = current_version
    form.version.raw_data = [str(current_version)]
    return 409


@bp.route("/tasks/<int:task_id>/edit", methods=["GET", "POST"])
@login_required
def edit(task_id: int):
    task = get_task_or_abort(task_id, Action.EDIT_TASK)
    if request.method == "GET":
        return render_task_form(task_forms.TaskEditForm.for_task(task), task, task.directive)
    form = task_forms.TaskEditForm()
    if not form.validate_on_submit():
        return render_task_form(form, task, task.directive, 400)
    try:
        workflow.edit_task(current_user, task, form.values(), version=form.version.data, now=now())
        db.session.commit()
    except (workflow.WorkflowError, StaleDataError) as error:
        refuse_change(error)
        task = db.session.get(Task, task_id)
        status = stale_edit_status(form, task.version) if isinstance(error, STALE) else 400
        return render_task_form(form, task, task.directive, status)
    flash_saved(task, _("Task saved."))
    return redirect(url_for("tasks.show", task_id=task.id))


@bp.route("/tasks/<int:task_id>/files/<path:name>")
@login_required
def download(task_id: int, name: str):
    """A file of the task, offered under the name its sender gave it (Content-Disposition
    with an ASCII fallback and filename*). Only the task's own stored paths are served."""
    task = get_task_or_abort(task_id, Action.DOWNLOAD_FILE)
    download_name = files.task_files(task).get(name)
    if download_name is None:
        abort(404)
    return send_from_directory(
        files.upload_root(), name, as_attachment=True, download_name=download_name
    )


# The name shown for a file (task page, timeline): never its stored path.
bp.add_app_template_global(files.display_name, "file_name")


@bp.app_context_processor
def pending_count():
    def count() -> int:
        if not current_user.is_authenticated:
            return 0
        return extensions.count_pending_extensions_for(current_user)

    return {"pending_extension_count": count}


STATE_LABELS = {
    TaskState.ASSIGNED: ("Assigned", "Đã giao"),
    TaskState.IN_PROGRESS: ("In progress", "Đang thực hiện"),
    TaskState.AWAITING_CONFIRMATION: ("Awaiting confirmation", "Chờ xác nhận"),
    TaskState.COMPLETED: ("Completed", "Hoàn thành"),
    TaskState.PAUSED: ("Paused", "Tạm dừng"),
    TaskState.WITHDRAWN: ("Withdrawn", "Đã rút"),
}


@bp.app_template_global()
def state_label(state) -> str:
    from ..i18n import bilingual

    return bilingual(STATE_LABELS, TaskState(state))


@bp.app_template_global()
def sort_label(sort: str) -> str:
    labels = {
        "urgency": _("Overdue and due soon first"),
        "due": _("Due date, earliest first"),
        "-due": _("Due date, latest first"),
        "updated": _("Recently updated"),
        "item": _("Directive and item"),
    }
    return labels.get(sort, sort)


# Timeline entries: known actions get a sentence; unknown ones (reminders, escalations,
# anything added later) are shown generically with their note and changes.
@bp.app_template_global()
def event_label(action: str) -> str:
    labels = {
        "task.assign": _("Assigned"),
        "task.update": _("Edited"),
        "task.report": _("Progress report"),
        "task.submit": _("Result submitted"),
        "task.confirm": _("Confirmed as completed"),
        "task.return": _("Result returned"),
        "task.withdraw": _("Task withdrawn"),
        "extension.request": _("Extension requested"),
        "extension.approve": _("Extension approved"),
        "extension.reject": _("Extension rejected"),
        "reminder.sent": _("Reminder sent"),
        "task.unit_succession": _("Lead unit changed by a reorganisation"),
        "task.unit_succession_undone": _("Reorganisation undone"),
    }
    return labels.get(action, action)


@bp.app_template_global()
def extension_status_label(status: str) -> str:
    labels = {
        "pending": _("Pending"),
        "approved": _("Approved"),
        "rejected": _("Rejected"),
        "cancelled": _("Cancelled"),
    }
    return labels.get(status, status)


@bp.app_template_global()
def field_label(name: str) -> str:
    labels = {
        "title": _("Title"),
        "content": _("Content"),
        "field": _("Field"),
        "lead_unit_id": _("Lead unit"),
        "lead_unit": _("Lead unit"),
        "coordinating_units": _("Coordinating units"),
        "focal_person_id": _("Focal person"),
        "monitor_id": _("Monitoring specialist"),
        "assigned_by_id": _("Assigning leader"),
        "is_priority": _("Priority"),
        "is_urgent": _("Urgent"),
        "assigned_on": _("Assigned on"),
        "start_on": _("Start date"),
        "current_due_on": _("Current due date"),
        "proposed_due_on": _("Proposed due date"),
        "progress": _("Progress"),
        "last_report_on": _("Last report"),
        "state": _("State"),
        "result_text": _("Result"),
        "result_doc_number": _("Result document number"),
        "result_doc_on": _("Result document date"),
        "result_file": _("File"),
        "submitted_on": _("Submitted on"),
        "completed_on": _("Completed on"),
        "confirmed_by_id": _("Confirmed by"),
        "confirmation_remark": _("Remark"),
        "return_count": _("Returns"),
        "extension_count": _("Extensions"),
    }
    return labels.get(name, name)


@bp.app_template_global()
def change_value(name: str, value) -> str:
    """A before/after value of the audit log as a person reads it."""
    from ..i18n import format_day

    if value is None or value == "":
        return "—"
    if name == "state" and value in set(TaskState):
        return state_label(value)
    if name.endswith("_id") and isinstance(value, int):
        model = Unit if name == "lead_unit_id" else User
        row = db.session.get(model, value)
        return row.label if isinstance(row, Unit) else (row.name if row else str(value))
    if isinstance(value, bool):
        return "✓" if value else "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return format_day(date.fromisoformat(value))
        except ValueError:
            return value
    return str(value)
