"""Directives: list, detail with tasks and progress, create/edit (Office), add tasks."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import exists, extract, func, or_, select
from sqlalchemy.orm.exc import StaleDataError

from .. import policy
from ..calendar import local_today
from ..extensions import db
from ..models import Directive, DirectiveKind, Role, Task, User
from ..params import QueryParams
from ..policy import Action
from ..services import tasks as task_service
from ..services import workflow
from ..status import time_status
from ..text import fold
from .directive_forms import DirectiveEditForm, DirectiveForm
from .task_forms import TaskForm
from .tasks import (
    STALE,
    flash_form_errors,
    flash_saved,
    now,
    refuse_change,
    render_task_form,
    stale_edit_status,
)

bp = Blueprint("directives", __name__, url_prefix="/directives")


def get_directive_or_abort(directive_id: int, action: str = Action.VIEW_DIRECTIVE) -> Directive:
    directive = db.session.get(Directive, directive_id)
    if directive is None or not policy.can(current_user, Action.VIEW_DIRECTIVE, directive):
        abort(404)
    if not policy.can(current_user, action, directive):
        abort(403)
    return directive


@bp.route("/")
@login_required
def index():
    params = QueryParams(request.args)
    low, high = current_app.config["DATE_MIN"], current_app.config["DATE_MAX"]
    q = params.text("q")
    leader = params.ident("leader")
    kind = params.choice("kind", [k.value for k in DirectiveKind])
    year = params.integer("year", low.year, high.year)
    page = params.page()
    query = select(Directive).where(
        exists(
            select(Task.id).where(
                Task.directive_id == Directive.id, policy.visible_tasks_clause(current_user)
            )
        )
        if current_user.role in policy.UNIT_ROLES
        else Directive.id.is_not(None)
    )
    if q:
        # Symbols and summaries are short: fold in Python-compatible SQL is not portable,
        # so match the folded text of the directive's tasks or the raw symbol/summary.
        folded = fold(q)
        query = query.where(
            or_(
                func.lower(Directive.symbol).contains(q.lower(), autoescape=True),
                Directive.summary.contains(q, autoescape=True),
                exists(
                    select(Task.id).where(
                        Task.directive_id == Directive.id,
                        Task.search_text.contains(folded, autoescape=True),
                    )
                ),
            )
        )
    if leader:
        # The signer, or the leader who assigned one of its tasks.
        query = query.where(
            or_(
                Directive.signer_id == leader,
                exists(
                    select(Task.id).where(
                        Task.directive_id == Directive.id, Task.assigned_by_id == leader
                    )
                ),
            )
        )
    if kind:
        query = query.where(Directive.kind == kind)
    if year:
        query = query.where(extract("year", Directive.issued_on) == year)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    per_page = current_app.config["TASKS_PER_PAGE"]
    directives = db.session.scalars(
        query.order_by(Directive.issued_on.desc(), Directive.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    counts = dict(
        db.session.execute(
            select(Task.directive_id, func.count(Task.id))
            .where(Task.directive_id.in_([d.id for d in directives]))
            .group_by(Task.directive_id)
        ).all()
    )
    params.note_ignored()
    # The filter form and the pager carry the values that were taken, as text.
    taken = {"q": q, "leader": leader, "kind": kind, "year": year}
    return render_template(
        "directives/index.html",
        directives=directives,
        counts=counts,
        total=total,
        page=page,
        pages=max(1, -(-total // per_page)),
        args={name: str(value) for name, value in taken.items() if value},
        leaders=db.session.scalars(
            select(User).where(User.role == Role.LEADER).order_by(User.name)
        ).all(),
        kinds=list(DirectiveKind),
        may_create=policy.can(current_user, Action.CREATE_DIRECTIVE),
    )


@bp.route("/<int:directive_id>")
@login_required
def show(directive_id: int):
    directive = get_directive_or_abort(directive_id)
    ctx = task_service.status_context(local_today())
    visible = policy.visible_task_ids(current_user, directive.id)
    rows = [(task, time_status(task, ctx)) for task in directive.tasks if task.id in visible]
    return render_template(
        "directives/show.html",
        directive=directive,
        rows=rows,
        may_edit=policy.can(current_user, Action.EDIT_DIRECTIVE, directive),
    )


def _render_form(form, directive, status=200):
    if form.errors:
        flash_form_errors()
    return render_template("directives/form.html", form=form, directive=directive), status


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    if not policy.can(current_user, Action.CREATE_DIRECTIVE):
        abort(403)
    form = DirectiveForm()
    if request.method == "GET":
        return _render_form(form, None)
    if not form.validate_on_submit():
        return _render_form(form, None, 400)
    try:
        directive = workflow.create_directive(current_user, form.values(), now=now())
        db.session.commit()
    except workflow.WorkflowError as error:
        refuse_change(error)
        return _render_form(form, None, 400)
    flash(_("Directive saved."), "success")
    return redirect(url_for("directives.show", directive_id=directive.id))


@bp.route("/<int:directive_id>/edit", methods=["GET", "POST"])
@login_required
def edit(directive_id: int):
    directive = get_directive_or_abort(directive_id, Action.EDIT_DIRECTIVE)
    if request.method == "GET":
        return _render_form(DirectiveEditForm(obj=directive, formdata=None), directive)
    form = DirectiveEditForm()
    if not form.validate_on_submit():
        return _render_form(form, directive, 400)
    try:
        workflow.update_directive(
            current_user, directive, form.values(), version=form.version.data, now=now()
        )
        db.session.commit()
    except (workflow.WorkflowError, StaleDataError) as error:
        refuse_change(error)
        directive = db.session.get(Directive, directive_id)
        status = stale_edit_status(form, directive.version) if isinstance(error, STALE) else 400
        return _render_form(form, directive, status)
    flash(_("Directive saved."), "success")
    return redirect(url_for("directives.show", directive_id=directive.id))


@bp.route("/<int:directive_id>/tasks/new", methods=["GET", "POST"])
@login_required
def add_task(directive_id: int):
    directive = get_directive_or_abort(directive_id, Action.ADD_TASK)
    form = TaskForm()
    if request.method == "GET":
        return render_task_form(form, None, directive)
    if not form.validate_on_submit():
        return render_task_form(form, None, directive, 400)
    try:
        task = workflow.add_task(current_user, directive, form.values(), now=now())
        db.session.commit()
    except workflow.WorkflowError as error:
        refuse_change(error)
        return render_task_form(form, None, directive, 400)
    flash_saved(task, _("Task assigned."))
    return redirect(url_for("tasks.show", task_id=task.id))


KIND_LABELS = {
    DirectiveKind.CONCLUSION_NOTICE: ("Conclusion notice", "Thông báo kết luận"),
    DirectiveKind.OFFICIAL_LETTER: ("Official letter", "Công văn"),
    DirectiveKind.DECISION: ("Decision", "Quyết định"),
    DirectiveKind.INSTRUCTION: ("Instruction", "Chỉ thị"),
    DirectiveKind.PLAN: ("Plan", "Kế hoạch"),
    DirectiveKind.MEETING_OPINION: ("Opinion at a meeting", "Ý kiến tại cuộc họp"),
}


@bp.app_template_global()
def kind_label(kind) -> str:
    from ..i18n import bilingual

    return bilingual(KIND_LABELS, DirectiveKind(kind))
