"""The succession flows of a unit (rename, merge, split, dissolve): fill in, preview what
would move ("37 open tasks and 12 people move to …"), confirm. The confirmation sends the
same values again; they are planned anew and applied in one transaction (the service
writes the audit), so the preview never goes stale into the database."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from ..calendar import local_today
from ..extensions import db
from ..models import Directive, Unit
from ..services import succession
from ..services import units as unit_service
from ..services.units import UnitError
from . import units_forms as forms
from .units import _refusal, bp, event_label, now, require_keeper, unit_or_404

# The preview lists at most this many of the open tasks that move.
PREVIEW_TASKS = 200


def _targets(form):
    """Sources, targets (new ones transient), the default successor, and the keys of the
    targets as the per-task selects of a split name them."""
    sources, existing, new_values, default_index = form.choices()
    continuing = {u.id for u in existing}
    ceasing = [u for u in sources if u.id not in continuing]
    created = unit_service.new_units(new_values, ceasing=ceasing)
    targets = [*existing, *created]
    default = targets[default_index] if default_index is not None else targets[0]
    by_key = dict(zip(form.target_keys(), targets, strict=True)) if kind_is_split(form) else {}
    return sources, targets, default, by_key


def kind_is_split(form) -> bool:
    return isinstance(form, forms.SplitForm)


def _task_targets(moves, by_key: dict) -> tuple[dict, list[str]]:
    """A split's choices per open task (``task_<id>`` = the key of a successor); only the
    tasks the preview listed, only successors offered."""
    chosen, refused = {}, []
    for task, _target in moves[:PREVIEW_TASKS]:
        key = request.form.get(f"task_{task.id}")
        if key is None or key == "":
            continue
        if key not in by_key:
            refused.append(str(task.id))
            continue
        chosen[task.id] = by_key[key]
    return chosen, refused


def _plan(kind: str, form):
    sources, targets, default, by_key = _targets(form)
    arguments = {
        "sources": sources,
        "targets": targets,
        "effective_on": form.effective_on.data,
        "today": local_today(),
        "default_target": default,
    }
    result = succession.plan(kind, **arguments)
    if kind == "split":
        chosen, refused = _task_targets(result.moves, by_key)
        if refused:
            raise UnitError(_("Choose one of the successors for each task."))
        if chosen:
            result = succession.plan(kind, **arguments, task_targets=chosen)
    return result, by_key


def _render(kind, unit, form, status=200, preview=None, by_key=None):
    moves = preview.moves if preview else []
    if moves:  # one query for the directives of the listed tasks, not one per row
        ids = {task.directive_id for task, _t in moves[:PREVIEW_TASKS]}
        db.session.scalars(select(Directive).where(Directive.id.in_(ids))).all()
    return (
        render_template(
            "units/succession.html",
            kind=kind,
            title=event_label(kind),
            unit=unit,
            form=form,
            preview=preview,
            lines=succession.preview_lines(preview) if preview else [],
            moves=moves[:PREVIEW_TASKS],
            more=max(0, len(moves) - PREVIEW_TASKS),
            by_key=by_key or {},
            key_of={id(u): k for k, u in (by_key or {}).items()},
            event_label=event_label,
        ),
        status,
    )


@bp.route("/<int:unit_id>/<any(rename, merge, split, dissolve):kind>", methods=["GET", "POST"])
def succession_event(unit_id: int, kind: str):
    require_keeper()
    unit = unit_or_404(unit_id)
    if not unit.active:
        flash(_("A unit that has already ceased cannot hand over again."), "error")
        return redirect(url_for("units.show", unit_id=unit.id))
    form = forms.FORMS[kind](unit)
    if request.method == "GET":
        return _render(kind, unit, form)
    if not form.validate_on_submit():
        return _render(kind, unit, form, 400)
    if form.step.data == "edit":
        return _render(kind, unit, form)
    try:
        with db.session.no_autoflush:
            result, by_key = _plan(kind, form)
    except UnitError as error:
        db.session.rollback()
        form.form_errors.append(str(error))
        return _render(kind, unit, form, 400)
    if form.step.data != "confirm":
        return _render(kind, unit, form, preview=result, by_key=by_key)
    lines = succession.preview_lines(result)
    try:
        succession.apply(result, actor=current_user, now=now(), note=form.note.data or None)
        db.session.commit()
    except (UnitError, IntegrityError, StaleDataError) as error:
        db.session.rollback()
        form.form_errors.append(_refusal(error))
        return _render(kind, unit, form, 409)
    flash(" ".join([_("%(event)s recorded.", event=event_label(kind)), *lines]), "success")
    successor: Unit = result.default_target
    if successor.id is None:  # pragma: no cover - apply always flushes the new units
        abort(500)
    return redirect(url_for("units.show", unit_id=successor.id))
