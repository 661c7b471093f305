"""Progress pages for leaders: dashboard, charts, period report, exports, calendar feeds."""

from __future__ import annotations

import io
from datetime import date
from urllib.parse import quote_plus, urlencode

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import SelectField

from .. import charts, policy
from ..calendar import local_today, years_without_holidays
from ..database import utcnow
from ..extensions import db
from ..forms import Form, choices
from ..models import Unit
from ..params import QueryParams
from ..reminders import health as mail_health
from ..services import exports, feeds
from ..services import reports as report_service
from ..services import tasks as task_service
from ..services.reports import (
    DONE,
    IN_TIME,
    NO_DEADLINE,
    NOT_DONE,
    SCOPES,
    WITH_DEADLINE,
    PeriodError,
    PeriodOutOfRange,
    default_scope,
    filter_for,
    parse_period,
)

bp = Blueprint("reports", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def home_endpoint_for(user) -> str:
    """Where a user lands after sign-in: the dashboard for those who may see it."""
    return "reports.dashboard" if policy.can_view_dashboard(user) else "tasks.index"


@bp.route("/healthz")
def healthz():
    return Response("ok", mimetype="text/plain")


def _require_dashboard() -> None:
    if not policy.can_view_dashboard(current_user):
        abort(403)


def _as_of(params: QueryParams, default: date) -> date:
    return params.day("as_of") or default


def _context(params: QueryParams, as_of: date):
    """The status context of the request: ?later_confirmations=1 is the corrected view."""
    return task_service.status_context(as_of, params.flag("later_confirmations"))


def _period(params: QueryParams, required: bool):
    """The period of the request (?period=2021-03 or ?from=…&to=…, and ?scope=); None if
    none given (the current month when ``required``). One that is not valid is noted in
    ``params``."""
    scope = params.choice("scope", SCOPES) or default_scope()
    fallback = report_service.current_month_period(local_today(), scope) if required else None
    text, named = params.text("period", max_chars=40), "period"
    start, end = params.day("from"), params.day("to")
    if not text and start and end:
        text, named = f"{start.isoformat()}..{end.isoformat()}", "from, to"
    elif not text and (start or end):
        params.ignore("from" if start else "to", _("A period needs both dates."))
    if not text:
        return fallback
    try:
        return parse_period(text, scope)
    except PeriodOutOfRange as exc:
        note = _(
            "The period must lie between %(low)s and %(high)s.",
            low=f"{exc.low:%d/%m/%Y}",
            high=f"{exc.high:%d/%m/%Y}",
        )
    except PeriodError:
        note = _("The period is not valid: use 2021-03, 2021-Q1, 2021-H1, 2021 or two dates.")
    params.ignore(named, note)
    return fallback


def _linker(ctx, period):
    """link(statuses, **filter fields) -> the URL of the task list producing a number.

    Pages carry hundreds of numbers: the common part of the URL is built once, and the
    parameters are those of ``TaskFilter.to_args`` (the test follows every link)."""
    base = f"{url_for('tasks.index')}?{urlencode(filter_for(ctx, period).to_args(), doseq=True)}"

    def link(statuses=(), **kw) -> str:
        parts = [base]
        parts += [f"status={status}" for status in statuses]
        for name, value in kw.items():
            if value is None or value is False:
                continue
            parts.append(f"{name}={'1' if value is True else quote_plus(str(value))}")
        return "&".join(parts)

    return link


def _rate_rules() -> str:
    # The published definitions (reports.RATE_RULES_VI is the exports' wording).
    return _(
        "Completion rate = (completed on time + completed late) / total tasks with a "
        "deadline. Completion rate of tasks already due = completed among the tasks whose "
        "due date is on or before the report date / those tasks. Tasks without a deadline "
        "are counted apart, outside the total and both rates."
    )


def _rank_rule() -> str:
    return _(
        "Ranked by on-time rate, then by more completed on time, then by fewer overdue. "
        "Units equal on all three share a rank and the next rank skips (1, 2, 2, 4); units "
        "with nothing due or completed come last."
    )


GROUP_KEYS = {"unit": "unit", "leader": "leader", "field": "field", "directive": "directive"}


@bp.route("/dashboard")
@login_required
def dashboard():
    _require_dashboard()
    today = local_today()
    params = QueryParams(request.args)
    as_of = _as_of(params, today)
    period = _period(params, required=False)
    ctx = _context(params, as_of)
    params.note_ignored()
    user = current_user
    by_unit, by_leader, by_field = report_service.by_unit_leader_and_field(user, ctx, period)
    # Every task has one lead unit: the totals are the sum of the per-unit counts.
    counts = report_service.sum_counts(by_unit)
    groups = {
        "unit": by_unit,
        "leader": by_leader,
        "field": by_field,
        "directive": report_service.by_directive(user, ctx, period, limit=20),
    }
    scope_id = policy.dashboard_scope(user)
    scope = db.session.get(Unit, scope_id) if scope_id else None
    holiday_gaps = years_without_holidays(today) if policy.sees_holiday_gaps(user) else []
    return render_template(
        "reports/dashboard.html",
        holiday_gaps=holiday_gaps,
        without_account=_open_tasks_without_account(user, ctx, today),
        mail_health=mail_health.current() if policy.can_manage_outbox(user) else None,
        ctx=ctx,
        period=period,
        counts=counts,
        at_risk=report_service.at_risk(user, ctx, period),
        groups=groups,
        scope=scope,
        link=_linker(ctx, period),
        unit_chart=charts.unit_bars(groups["unit"]),
        trend_url=url_for("reports.trend_svg", as_of=as_of.isoformat()),
        ageing=report_service.AGEING_BUCKETS,
        DONE=DONE,
        NOT_DONE=NOT_DONE,
        IN_TIME=IN_TIME,
        WITH_DEADLINE=WITH_DEADLINE,
        NO_DEADLINE=NO_DEADLINE,
        rate_rules=_rate_rules(),
        rank_rule=_rank_rule(),
        default_scope=default_scope(),
        today=today,
    )


def _open_tasks_without_account(user, ctx, today: date) -> tuple[int, str] | None:
    """For the Office: how many open tasks have a lead unit nobody there hears from (as
    of today, whatever date the page shows: it is a to-do, not a statistic), and the link
    to exactly that list."""
    if not policy.sees_unstaffed_units(user):
        return None
    flt = task_service.open_without_account_filter()
    if ctx.as_of != today:
        ctx = task_service.status_context(today)
    return task_service.count_tasks(user, flt, ctx), url_for("tasks.index", **flt.to_args())


@bp.route("/dashboard/trend.svg")
@login_required
def trend_svg():
    _require_dashboard()
    params = QueryParams(request.args)
    as_of = _as_of(params, local_today())
    params.refuse_ignored()
    svg = charts.trend_chart(report_service.trend(current_user, as_of))
    return Response(str(svg), mimetype="image/svg+xml")


@bp.route("/reports")
@login_required
def period_report():
    _require_dashboard()
    params = QueryParams(request.args)
    period = _period(params, required=True)
    as_of = _as_of(params, min(period.end, local_today()))
    ctx = _context(params, as_of)
    with_predecessors = params.flag("predecessors")
    params.note_ignored()
    user = current_user
    limit = 200
    ranking = report_service.ranking(user, ctx, period, with_predecessors)
    return render_template(
        "reports/report.html",
        with_predecessors=with_predecessors,
        ctx=ctx,
        period=period,
        counts=report_service.sum_counts(ranking),
        ranking=ranking,
        rows=report_service.detail_rows(user, ctx, period, limit=limit),
        limit=limit,
        link=_linker(ctx, period),
        DONE=DONE,
        NOT_DONE=NOT_DONE,
        IN_TIME=IN_TIME,
        WITH_DEADLINE=WITH_DEADLINE,
        NO_DEADLINE=NO_DEADLINE,
        rate_rules=_rate_rules(),
        rank_rule=_rank_rule(),
        default_scope=default_scope(),
        ageing=report_service.AGEING_BUCKETS,
    )


@bp.route("/reports/export.<any(xlsx, csv):fmt>")
@login_required
def export(fmt: str):
    _require_dashboard()
    params = QueryParams(request.args)
    period = _period(params, required=True)
    as_of = _as_of(params, min(period.end, local_today()))
    ctx = _context(params, as_of)
    params.refuse_ignored()  # a download cannot show a note
    if fmt == "xlsx":
        data, mimetype = exports.build_xlsx(current_user, ctx, period), XLSX
    else:
        data, mimetype = exports.build_csv(current_user, ctx, period), "text/csv; charset=utf-8"
    return send_file(
        io.BytesIO(data),
        mimetype=mimetype,
        as_attachment=True,
        download_name=exports.export_name(period, ctx, fmt),
    )


# --- calendar feeds ---------------------------------------------------------------------


class FeedForm(Form):
    """One button of the iCal page: which feed (the user's own or their unit's) and what
    to do with it. Anything outside these two sets is a malformed request (400)."""

    target = SelectField(choices=choices([("user", "user"), ("unit", "unit")]))
    action = SelectField(choices=choices([("create", "create"), ("revoke", "revoke")]))


@bp.route("/ical", methods=["GET", "POST"])
@login_required
def ical_settings():
    user = current_user
    unit = user.unit
    can_unit = unit is not None and policy.can_manage_unit_feed(user, unit.id)
    new_url = None
    if request.method == "POST":
        form = FeedForm()
        if not form.validate_on_submit():
            abort(400)
        if form.target.data == "unit":
            if not can_unit:
                abort(403)
            owner = {"unit": unit}
        else:
            owner = {"user": user}
        now = utcnow()
        if form.action.data == "revoke":
            feeds.revoke_feed(user, now, **owner)
            db.session.commit()
            flash(_("The calendar link was revoked: it no longer works."))
            return redirect(url_for("reports.ical_settings"))
        token = feeds.create_feed(user, now, **owner)
        db.session.commit()
        new_url = url_for("reports.ical_feed", token=token, _external=True)
    return render_template(
        "reports/ical.html",
        user_feed=feeds.active_feed(user=user),
        unit_feed=feeds.active_feed(unit=unit) if can_unit else None,
        unit=unit if can_unit else None,
        new_url=new_url,
    )


@bp.route("/ical/<token>.ics")
def ical_feed(token: str):
    feed = feeds.feed_for_token(token)
    if feed is None:
        abort(404)
    base_url = current_app.config.get("BASE_URL") or request.host_url
    body = feeds.render_ical(feed, feeds.feed_tasks(feed), base_url, utcnow())
    return Response(body, mimetype="text/calendar; charset=utf-8")
