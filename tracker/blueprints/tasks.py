"""The task list (the full task pages come with the web application)."""

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user, login_required

from ..calendar import local_today
from ..services import tasks as task_service
from ..status import TimeStatus

bp = Blueprint("tasks", __name__)


@bp.route("/")
@login_required
def index():
    ctx = task_service.status_context(local_today())
    status = request.args.get("status") or None
    if status not in {s.value for s in TimeStatus}:
        status = None
    page = task_service.list_tasks(
        current_user,
        ctx,
        status=status,
        text=request.args.get("q") or None,
        page=max(1, request.args.get("page", 1, type=int)),
        per_page=current_app.config["TASKS_PER_PAGE"],
    )
    return render_template(
        "tasks/index.html", page=page, ctx=ctx, status=status, q=request.args.get("q", "")
    )
