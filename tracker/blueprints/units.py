"""Units (issue 11): the list with search and filters, the unit page with its people,
tasks and succession events, create and edit, deactivate, undo of an event. The
succession flows (rename, merge, split, dissolve) are in units_succession.py, on this
blueprint."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from .. import policy
from ..extensions import db
from ..models import Unit, UnitEvent, UnitEventKind, UnitKind, User
from ..params import QueryParams
from ..services import succession
from ..services import units as unit_service
from ..services.units import UnitError, UnitSearch
from . import units_forms as forms

bp = Blueprint("units", __name__, url_prefix="/units")

PER_PAGE = 50
ACTIVE_FILTER = {"active": True, "ceased": False, "all": None}
EVENT_LABELS = {
    UnitEventKind.RENAME: _l("Rename"),
    UnitEventKind.MERGE: _l("Merger"),
    UnitEventKind.SPLIT: _l("Split"),
    UnitEventKind.DISSOLVE: _l("Dissolution"),
}


def now() -> datetime:
    return datetime.now(UTC)


@bp.app_template_global()
def unit_kind_label(kind: str) -> str:
    return forms.kind_label(kind)


@bp.app_template_global()
def may_view_units() -> bool:
    return policy.can_view_units(current_user)


def event_label(kind: str) -> str:
    try:
        return str(EVENT_LABELS[UnitEventKind(kind)])
    except ValueError:
        return kind


@bp.before_request
@login_required
def readers_only():
    if not policy.can_view_units(current_user):
        abort(403)


def require_keeper() -> None:
    if not policy.can_manage_units(current_user):
        abort(403)


def unit_or_404(unit_id: int) -> Unit:
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        abort(404)
    return unit


@bp.route("")
def index():
    params = QueryParams(request.args)
    q = params.text("q") or ""
    kind = params.choice("kind", [k.value for k in UnitKind])
    active = params.choice("active", ACTIVE_FILTER) or "active"
    page = params.page()
    search = UnitSearch(text=q, kind=kind, active=ACTIVE_FILTER[active])
    query = unit_service.search_query(search)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.execute(
        unit_service.with_counts(query).limit(PER_PAGE).offset((page - 1) * PER_PAGE)
    ).all()
    successors = unit_service.direct_successors([u.id for u, _p, _t in rows if not u.active])
    params.note_ignored()
    taken = {"q": q, "kind": kind, "active": active if active != "active" else None}
    return render_template(
        "units/index.html",
        rows=rows,
        successors=successors,
        total=total,
        page=page,
        pages=max(1, -(-total // PER_PAGE)),
        args={k: v for k, v in taken.items() if v},
        q=q,
        kind=kind,
        active=active,
        kinds=forms.kind_choices(),
        may_manage=policy.can_manage_units(current_user),
        active_units=forms.active_units() if policy.can_manage_units(current_user) else [],
        event_kinds=[(k, event_label(k)) for k in forms.FORMS],
    )


@bp.route("/change")
def start_event():
    """The list's "record a change" form: to the flow of the chosen unit and event."""
    require_keeper()
    params = QueryParams(request.args)
    unit_id = params.ident("unit")
    kind = params.choice("kind", forms.FORMS)
    if unit_id is None or kind is None:
        params.note_ignored()
        flash(_("Choose a unit and the change to record."), "warning")
        return redirect(url_for("units.index"))
    return redirect(url_for("units.succession_event", unit_id=unit_id, kind=kind))


def _relatives(unit: Unit, events: list[UnitEvent]) -> tuple[list[Unit], list[Unit]]:
    """Predecessors and successors of ``unit`` by its events that stand."""
    before, after = [], []
    for event in events:
        if event.undone_at is not None:
            continue
        roles = {link.role for link in event.links if link.unit_id == unit.id}
        for link in event.links:
            if link.unit_id == unit.id:
                continue
            if "target" in roles and link.role == "source" and link.unit not in before:
                before.append(link.unit)
            if "source" in roles and link.role == "target" and link.unit not in after:
                after.append(link.unit)
    return before, after


@bp.route("/<int:unit_id>")
def show(unit_id: int):
    unit = unit_or_404(unit_id)
    events = unit_service.events_of(unit)
    predecessors, successors = _relatives(unit, events)
    may_manage = policy.can_manage_units(current_user)
    blockers = {e.id: succession.undo_blockers(e) for e in events} if may_manage else {}
    open_count, done_count = unit_service.led_task_counts(unit.id)
    people = db.session.scalars(
        select(User).where(User.unit_id == unit.id).order_by(User.active.desc(), User.name)
    ).all()
    return render_template(
        "units/show.html",
        unit=unit,
        events=events,
        predecessors=predecessors,
        successors=successors,
        current=unit_service.current_successors(unit) if not unit.active else [],
        people=people,
        open_count=open_count,
        done_count=done_count,
        blockers=blockers,
        may_manage=may_manage,
        event_label=event_label,
        confirm=forms.ConfirmForm(),
    )


def _render_form(form, unit, status=200, error=None):
    if error:
        form.form_errors.append(error)
    return render_template("units/form.html", form=form, unit=unit), status


@bp.route("/new", methods=["GET", "POST"])
def create():
    require_keeper()
    form = forms.UnitForm()
    if request.method == "GET":
        return _render_form(form, None)
    if not form.validate_on_submit():
        return _render_form(form, None, 400)
    try:
        unit = unit_service.create_unit(form.values(), actor=current_user, now=now())
        db.session.commit()
    except (UnitError, IntegrityError) as error:
        db.session.rollback()
        return _render_form(form, None, 400, _refusal(error))
    flash(_("Unit saved."), "success")
    return redirect(url_for("units.show", unit_id=unit.id))


def _refusal(error: Exception) -> str:
    if isinstance(error, UnitError):
        return str(error)
    if isinstance(error, StaleDataError):
        return _("Changed by someone else meanwhile: review and save again.")
    return _("Another unit already has this code.")


@bp.route("/<int:unit_id>/edit", methods=["GET", "POST"])
def edit(unit_id: int):
    require_keeper()
    unit = unit_or_404(unit_id)
    if request.method == "GET":
        form = forms.UnitEditForm(formdata=None, unit=unit)
        form.fill(unit)
        form.version.data = unit.version
        return _render_form(form, unit)
    form = forms.UnitEditForm(unit=unit)
    if not form.validate_on_submit():
        return _render_form(form, unit, 400)
    try:
        unit_service.update_unit(
            unit, form.values(), version=form.version.data, actor=current_user, now=now()
        )
        db.session.commit()
    except (UnitError, IntegrityError, StaleDataError) as error:
        db.session.rollback()
        unit = unit_or_404(unit_id)
        stale = isinstance(error, StaleDataError) or unit.version != form.version.data
        if stale:  # the next save, after review, goes through
            form.version.data = unit.version
            form.version.raw_data = [str(unit.version)]
        return _render_form(form, unit, 409 if stale else 400, _refusal(error))
    flash(_("Unit saved."), "success")
    return redirect(url_for("units.show", unit_id=unit.id))


@bp.route("/<int:unit_id>/active", methods=["POST"])
def toggle_active(unit_id: int):
    require_keeper()
    unit = unit_or_404(unit_id)
    if not forms.ConfirmForm().validate_on_submit():
        abort(400)
    try:
        unit_service.set_active(unit, not unit.active, actor=current_user, now=now())
        db.session.commit()
    except (UnitError, StaleDataError) as error:
        db.session.rollback()
        flash(_refusal(error), "error")
    else:
        flash(_("Unit reactivated.") if unit.active else _("Unit deactivated."), "success")
    return redirect(url_for("units.edit", unit_id=unit_id))


@bp.route("/events/<int:event_id>/undo", methods=["POST"])
def undo(event_id: int):
    require_keeper()
    event = db.session.get(UnitEvent, event_id)
    if event is None:
        abort(404)
    if not forms.ConfirmForm().validate_on_submit():
        abort(400)
    back = next((link.unit_id for link in event.links if link.role == "source"), None)
    try:
        succession.undo(event, actor=current_user, now=now())
        db.session.commit()
    except (UnitError, StaleDataError) as error:
        db.session.rollback()
        flash(_refusal(error), "error")
    else:
        flash(_("The event was undone."), "success")
    return redirect(url_for("units.show", unit_id=back) if back else url_for("units.index"))


from . import units_succession  # noqa: E402, F401  (its routes are on this blueprint)
