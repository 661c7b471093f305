"""The unit part of a seed file (issue 11): succession events with their effective dates,
and resolving a unit that has ceased to the one that took over its work.

Schema (top of seeds/directives.yaml)::

    unit_events:                O  list, applied after units, people and directives
      kind                      R  rename | merge | split | dissolve
      effective_on              R  date, YYYY-MM-DD (not after today)
      from                      R  unit code, or list of codes, that hand over
      into                      R  unit code, or list of codes, that take over (listed under units)
      note                      O  the decision, e.g. "Quyết định 25/QĐ-UBND ngày 28/02/2025"

An event already recorded (same kind, date and units) is skipped, so loading a file twice
adds nothing. A seed file is a record kept at the time: its events count as known from
their effective date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import select

from .calendar import local_today, local_zone
from .extensions import db
from .models import Unit, UnitEvent, UnitEventKind
from .services import succession
from .services.units import UnitError, current_successors

EVENT_FIELDS = {"kind", "effective_on", "from", "into", "note"}


@dataclass
class EventRecord:
    line: int
    where: str
    kind: str
    effective_on: date
    sources: list[str]
    targets: list[str]
    note: str | None


def parse_unit_events(data, r, known_units: set[str]) -> list[EventRecord]:
    """Validate the ``unit_events`` list of a seed file (``r`` collects the errors)."""
    events = []
    for i, rec in enumerate(r.records(data, "unit_events", "file", required=False)):
        where = f"unit_events[{i}]"
        r.only(rec, where, EVENT_FIELDS)
        kind = r.choice(rec, where, "kind", [k.value for k in UnitEventKind])
        effective_on = r.day(rec, where, "effective_on")
        codes = {}
        for key in ("from", "into"):
            value = rec.get(key)
            value = [value] if isinstance(value, str) else value
            if (
                not value
                or not isinstance(value, list)
                or not all(isinstance(v, str) for v in value)
            ):
                r.fail(rec, where, key, "must be a unit code or a list of unit codes")
                value = []
            for code in value:
                if code not in known_units:
                    r.fail(rec, where, key, f"unknown unit '{code}'")
            codes[key] = value
        if effective_on and effective_on > local_today():
            r.fail(rec, where, "effective_on", "is after today")
        note = r.text(rec, where, "note", required=False, max_len=1000)
        events.append(
            EventRecord(
                getattr(rec, "line", 0),
                where,
                kind,
                effective_on,
                codes["from"],
                codes["into"],
                note,
            )
        )
    return events


def _recorded(event: EventRecord, units: dict[str, Unit]) -> bool:
    """The same event (kind, date, units) is on record already."""
    sources = {units[c].id for c in event.sources}
    for existing in db.session.scalars(
        select(UnitEvent).where(
            UnitEvent.kind == event.kind,
            UnitEvent.effective_on == event.effective_on,
            UnitEvent.undone_at.is_(None),
        )
    ):
        if {link.unit_id for link in existing.links if link.role == "source"} == sources:
            return True
    return False


def apply_unit_events(events: list[EventRecord], path, actor=None) -> int:
    """Apply the events not yet on record, in file order; returns how many were applied.
    A refusal of the succession rules is reported with the event's line."""
    from .seeding import SeedError

    units = {u.code: u for u in db.session.scalars(select(Unit))}
    applied = 0
    for event in events:
        if _recorded(event, units):
            continue
        # Known from its effective date (noon local time), as a record kept at the time.
        moment = datetime.combine(event.effective_on, time(12), local_zone()).astimezone(UTC)
        try:
            plan = succession.plan(
                event.kind,
                sources=[units[c] for c in event.sources],
                targets=[units[c] for c in event.targets],
                effective_on=event.effective_on,
                today=local_today(),
            )
            succession.apply(plan, actor=actor, now=moment, note=event.note)
        except UnitError as error:
            raise SeedError(f"{path}:{event.line}: {event.where}: {error}") from None
        applied += 1
    db.session.flush()
    return applied


def resolve_ceased(unit: Unit, on: date | None, warnings: list[str], where: str) -> Unit:
    """The unit to use for work dated ``on`` (None: today) that a file gives to ``unit``: the
    unit itself while it operated, else its one successor today, with a warning."""
    if unit.active or (on is not None and unit.ended_on is not None and on < unit.ended_on):
        return unit
    successors = current_successors(unit)
    if len(successors) != 1:
        return unit  # a split: the Office decides (the form refuses a ceased unit)
    warnings.append(
        f"{where}: {unit.code} ceased on {unit.ended_on.isoformat() if unit.ended_on else '?'}; "
        f"using its successor {successors[0].code}"
    )
    return successors[0]
