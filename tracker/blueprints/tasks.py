"""The task list (the full task pages come with the web application)."""

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..calendar import local_today
from ..services import tasks as task_service
from ..services.tasks import TaskFilter
from ..status import TimeStatus

bp = Blueprint("tasks", __name__)


@bp.route("/")
@login_required
def home():
    """Leaders, the Office and unit heads land on the dashboard; others on their tasks."""
    from .reports import home_endpoint_for

    return redirect(url_for(home_endpoint_for(current_user)))


@bp.route("/tasks")
@login_required
def index():
    flt = TaskFilter.from_args(request.args)
    ctx = task_service.status_context(flt.as_of or local_today())
    page = task_service.list_tasks(
        current_user,
        flt,
        ctx,
        page=max(1, request.args.get("page", 1, type=int)),
        per_page=current_app.config["TASKS_PER_PAGE"],
    )
    statuses = [s for s in TimeStatus if s != TimeStatus.WITHDRAWN]
    return render_template("tasks/index.html", page=page, flt=flt, statuses=statuses)
