"""The unit catalogue kept by the Office (issue 11): create, edit, deactivate, search, and
the lineage that succession events build (who took over from whom).

Succession itself (rename, merge, split, dissolve) is ``tracker.services.succession``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from ..extensions import db
from ..models import Task, TaskState, Unit, UnitEvent, UnitEventUnit, UnitKind, User
from ..text import fold
from . import audit

EDITABLE = ("code", "name", "short_name", "kind", "aliases", "parent_id", "head_name", "email")
CODE_PATTERN = re.compile(r"^[A-Z0-9_]{1,40}$")
MAX_ALIASES = 20


class UnitError(ValueError):
    """A refusal to show the user (already translated)."""


def parse_aliases(text: str | None) -> list[str]:
    """Aliases typed one per line or separated by ";" (a comma belongs in names such as
    "Sở Văn hóa, Thể thao và Du lịch"); blanks and repeats dropped, order kept."""
    parts = re.split(r"[;\n]", text or "")
    seen, aliases = set(), []
    for part in (" ".join(p.split()) for p in parts):
        if part and fold(part) not in seen:
            seen.add(fold(part))
            aliases.append(part)
    return aliases


def _check(values: dict, unit: Unit | None, ceasing: Sequence[Unit] = ()) -> None:
    code = values.get("code") or ""
    if not CODE_PATTERN.match(code):
        raise UnitError(_("The code uses capital letters, digits and _ only (at most 40)."))
    taken = db.session.scalar(
        select(Unit.id).where(Unit.code == code, Unit.id != (unit.id if unit else -1))
    )
    if taken:
        raise UnitError(_("Another unit already has the code %(code)s.", code=code))
    if values.get("kind") not in {k.value for k in UnitKind}:
        raise UnitError(_("Choose a kind of unit."))
    if len(values.get("aliases") or []) > MAX_ALIASES:
        raise UnitError(_("At most %(n)d aliases.", n=MAX_ALIASES))
    same_name = same_name_unit(values.get("name") or "", exclude=unit, ceasing=ceasing)
    if same_name is not None:
        raise UnitError(
            _("An active unit with this name exists already: %(name)s.", name=same_name.name)
        )
    parent_id = values.get("parent_id")
    if parent_id is not None:
        parent = db.session.get(Unit, parent_id)
        if parent is None or (unit is not None and _is_below(parent, unit)):
            raise UnitError(_("A unit cannot be placed under itself or a unit below it."))


def _is_below(candidate: Unit, unit: Unit) -> bool:
    seen = set()
    while candidate is not None and candidate.id not in seen:
        if candidate.id == unit.id:
            return True
        seen.add(candidate.id)
        candidate = candidate.parent
    return False


def same_name_unit(
    name: str, exclude: Unit | None = None, ceasing: Sequence[Unit] = ()
) -> Unit | None:
    """An active unit whose name or short name folds to ``name`` (no duplicates, issue 11).
    ``ceasing``: units that an event ends, whose name a successor may take."""
    folded = fold(name)
    if not folded:
        return None
    query = select(Unit).where(Unit.active.is_(True))
    if exclude is not None and exclude.id is not None:
        query = query.where(Unit.id != exclude.id)
    ceasing_ids = [u.id for u in ceasing if u.id is not None]
    if ceasing_ids:
        query = query.where(Unit.id.not_in(ceasing_ids))
    for unit in db.session.scalars(query):
        if folded in {fold(unit.name), fold(unit.short_name or "")}:
            return unit
    return None


def create_unit(values: dict, *, actor: User, now: datetime) -> Unit:
    values = {k: values.get(k) for k in EDITABLE}
    values["aliases"] = values.get("aliases") or []
    _check(values, None)
    unit = Unit(**values, active=True, created_at=now)
    db.session.add(unit)
    db.session.flush()
    changes = {k: [None, v] for k, v in values.items() if v}
    audit.record("unit.create", actor=actor, obj=unit, changes=changes)
    return unit


def new_units(values_list: Sequence[dict], *, ceasing: Sequence[Unit] = ()) -> list[Unit]:
    """Transient units for the targets of a succession event (``succession.apply`` adds
    them), checked as ``create_unit`` checks, each against the others too. A unit the
    event ends may pass its name on (Sở KH&CN merged into a new Sở KH&CN)."""
    units, codes, names = [], set(), set()
    for given in values_list:
        values = {k: given.get(k) for k in EDITABLE}
        values["aliases"] = values.get("aliases") or []
        _check(values, None, ceasing=ceasing)
        if values["code"] in codes:
            raise UnitError(_("Another unit already has the code %(code)s.", code=values["code"]))
        if fold(values["name"] or "") in names:
            raise UnitError(
                _("An active unit with this name exists already: %(name)s.", name=values["name"])
            )
        codes.add(values["code"])
        names.add(fold(values["name"] or ""))
        units.append(Unit(**values))
    return units


def update_unit(unit: Unit, values: dict, *, version: int, actor: User, now: datetime) -> Unit:
    if unit.version != version:
        raise UnitError(_("Changed by someone else meanwhile: review and save again."))
    values = {k: values.get(k) for k in EDITABLE}
    values["aliases"] = values.get("aliases") or []
    _check(values, unit)
    changes = audit.apply_changes(unit, values)
    if changes:
        audit.record("unit.update", actor=actor, obj=unit, changes=changes)
    return unit


def open_led_tasks(unit_id: int) -> int:
    """Open tasks a unit leads (a deactivation would leave them with nobody)."""
    closed = (TaskState.COMPLETED.value, TaskState.WITHDRAWN.value)
    return db.session.scalar(
        select(func.count(Task.id)).where(Task.lead_unit_id == unit_id, Task.state.not_in(closed))
    )


def set_active(unit: Unit, active: bool, *, actor: User, now: datetime) -> Unit:
    if unit.active == active:
        return unit
    if not active:
        open_count = open_led_tasks(unit.id)
        if open_count:
            raise UnitError(
                _(
                    "%(unit)s still leads %(n)d open tasks: hand them over with a merger or "
                    "a dissolution into a successor instead.",
                    unit=unit.label,
                    n=open_count,
                )
            )
    elif same_name_unit(unit.name, exclude=unit) is not None:
        raise UnitError(_("An active unit with this name exists already."))
    unit.active = active
    audit.record(
        "unit.activate" if active else "unit.deactivate",
        actor=actor,
        obj=unit,
        changes={"active": [not active, active]},
    )
    return unit


@dataclass(frozen=True)
class UnitSearch:
    text: str = ""
    kind: str | None = None
    active: bool | None = True  # None: both


def search_query(search: UnitSearch):
    """Units matching every word of the text in their code, names or aliases (folded), or
    in a successor's: "Sở TT&TT" also finds the Sở Khoa học và Công nghệ that took it over."""
    query = select(Unit).order_by(Unit.active.desc(), Unit.name)
    words = fold(search.text).split()
    if words:
        matching = select(Unit.id)
        for word in words:
            matching = matching.where(Unit.search_text.contains(word, autoescape=True))
        successors = (
            select(UnitEventUnit.unit_id)
            .join(UnitEvent, UnitEvent.id == UnitEventUnit.event_id)
            .where(
                UnitEventUnit.role == "target",
                UnitEvent.undone_at.is_(None),
                UnitEvent.id.in_(
                    select(UnitEventUnit.event_id).where(
                        UnitEventUnit.role == "source", UnitEventUnit.unit_id.in_(matching)
                    )
                ),
            )
        )
        query = query.where(or_(Unit.id.in_(matching), Unit.id.in_(successors)))
    if search.kind:
        query = query.where(Unit.kind == search.kind)
    if search.active is not None:
        query = query.where(Unit.active.is_(search.active))
    return query


# --- lineage -------------------------------------------------------------------------


def _linked(unit_ids: set[int], from_role: str, to_role: str) -> set[int]:
    """Units on the other side of the (not undone) events where ``unit_ids`` have
    ``from_role``."""
    if not unit_ids:
        return set()
    events = (
        select(UnitEventUnit.event_id)
        .join(UnitEvent, UnitEvent.id == UnitEventUnit.event_id)
        .where(
            UnitEventUnit.role == from_role,
            UnitEventUnit.unit_id.in_(unit_ids),
            UnitEvent.undone_at.is_(None),
        )
    )
    return set(
        db.session.scalars(
            select(UnitEventUnit.unit_id).where(
                UnitEventUnit.role == to_role, UnitEventUnit.event_id.in_(events)
            )
        )
    )


def lineage(unit_id: int) -> frozenset[int]:
    """The unit and every unit it took over from, however far back (a few small queries;
    chains are short)."""
    found, frontier = {unit_id}, {unit_id}
    while frontier:
        frontier = _linked(frontier, "target", "source") - found
        found |= frontier
    return frozenset(found)


def current_successors(unit: Unit) -> list[Unit]:
    """The active units that carry on an inactive one's work today (itself when active)."""
    if unit.active:
        return [unit]
    found, frontier, result = {unit.id}, {unit.id}, set()
    while frontier:
        nxt = _linked(frontier, "source", "target") - found
        found |= nxt
        active = set(db.session.scalars(select(Unit.id).where(Unit.id.in_(nxt), Unit.active)))
        result |= active
        frontier = nxt - active
    if not result:
        return []
    return list(db.session.scalars(select(Unit).where(Unit.id.in_(result)).order_by(Unit.name)))


def events_of(unit: Unit) -> list[UnitEvent]:
    """The events a unit took part in, latest first (its page lists them)."""
    ids = select(UnitEventUnit.event_id).where(UnitEventUnit.unit_id == unit.id)
    return list(
        db.session.scalars(
            select(UnitEvent)
            .where(UnitEvent.id.in_(ids))
            # What the page shows of each: its units and who recorded it (not per row).
            .options(
                selectinload(UnitEvent.links).joinedload(UnitEventUnit.unit),
                joinedload(UnitEvent.actor),
            )
            .order_by(UnitEvent.effective_on.desc(), UnitEvent.id.desc())
        )
    )


def successor_map() -> dict[int, int]:
    """Every unit that has ceased and whose work went, in the end, to exactly one active
    unit, mapped to that unit (two queries, whatever the number of units): the emulation
    ranking "kể cả đơn vị tiền nhiệm" sums a unit's row into its successor's. A unit split
    between several successors keeps its own row."""
    links = db.session.execute(
        select(UnitEventUnit.event_id, UnitEventUnit.unit_id, UnitEventUnit.role)
        .join(UnitEvent, UnitEvent.id == UnitEventUnit.event_id)
        .where(UnitEvent.undone_at.is_(None))
    ).all()
    if not links:
        return {}
    active = set(db.session.scalars(select(Unit.id).where(Unit.active.is_(True))))
    sources: dict[int, set[int]] = {}
    targets: dict[int, set[int]] = {}
    for event_id, unit_id, role in links:
        (sources if role == "source" else targets).setdefault(event_id, set()).add(unit_id)
    following: dict[int, set[int]] = {}
    for event_id, units in sources.items():
        for unit_id in units:
            following.setdefault(unit_id, set()).update(targets.get(event_id, set()) - {unit_id})

    def finals(unit_id: int, seen: frozenset[int]) -> set[int]:
        if unit_id in active:
            return {unit_id}
        result = set()
        for nxt in following.get(unit_id, ()):
            if nxt not in seen:
                result |= finals(nxt, seen | {nxt})
        return result

    mapping = {}
    for unit_id in following:
        if unit_id in active:
            continue
        ends = finals(unit_id, frozenset({unit_id}))
        if len(ends) == 1:
            mapping[unit_id] = ends.pop()
    return mapping


def summed_into(unit_id: int, mapping: dict[int, int] | None = None) -> set[int]:
    """The unit and the predecessors whose rows ``successor_map`` sums into it."""
    mapping = successor_map() if mapping is None else mapping
    return {unit_id} | {old for old, new in mapping.items() if new == unit_id}


# --- what the unit pages show -------------------------------------------------------

CLOSED = (TaskState.COMPLETED.value, TaskState.WITHDRAWN.value)


def with_counts(query):
    """``query`` (a SELECT of Unit) with each unit's active people and open tasks led, as
    two grouped subqueries joined once (no query per row)."""
    people = (
        select(User.unit_id.label("unit_id"), func.count(User.id).label("n"))
        .where(User.active.is_(True), User.unit_id.is_not(None))
        .group_by(User.unit_id)
        .subquery()
    )
    led = (
        select(Task.lead_unit_id.label("unit_id"), func.count(Task.id).label("n"))
        .where(Task.state.not_in(CLOSED))
        .group_by(Task.lead_unit_id)
        .subquery()
    )
    return (
        query.outerjoin(people, people.c.unit_id == Unit.id)
        .outerjoin(led, led.c.unit_id == Unit.id)
        .add_columns(func.coalesce(people.c.n, 0), func.coalesce(led.c.n, 0))
    )


def direct_successors(unit_ids: Sequence[int]) -> dict[int, list[Unit]]:
    """For each unit, the units its (not undone) events handed over to, in one query."""
    if not unit_ids:
        return {}
    source, target = aliased(UnitEventUnit), aliased(UnitEventUnit)
    rows = db.session.execute(
        select(source.unit_id, Unit)
        .join(target, and_(target.event_id == source.event_id, target.role == "target"))
        .join(UnitEvent, UnitEvent.id == source.event_id)
        .join(Unit, Unit.id == target.unit_id)
        .where(
            source.role == "source",
            source.unit_id.in_(list(unit_ids)),
            target.unit_id != source.unit_id,
            UnitEvent.undone_at.is_(None),
        )
        .order_by(source.unit_id, UnitEvent.effective_on, target.position)
    ).all()
    found: dict[int, list[Unit]] = {}
    for unit_id, unit in rows:
        if unit not in found.setdefault(unit_id, []):
            found[unit_id].append(unit)
    return found


def led_task_counts(unit_id: int) -> tuple[int, int]:
    """(open, completed) tasks a unit leads today."""
    open_count = func.count(Task.id).filter(Task.state.not_in(CLOSED))
    done = func.count(Task.id).filter(Task.state == TaskState.COMPLETED.value)
    row = db.session.execute(select(open_count, done).where(Task.lead_unit_id == unit_id)).one()
    return int(row[0]), int(row[1])


def unit_labels(ids) -> dict[int, str]:
    """{id: short name, else name} of the units ``ids``, in one query: the label every
    report row and export column shows."""
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(
        db.session.execute(
            select(Unit.id, func.coalesce(Unit.short_name, Unit.name)).where(Unit.id.in_(ids))
        ).all()
    )
