"""Load directives, units and people from a YAML file (schema: the top of
seeds/directives.yaml) and holidays from seeds/holidays.yaml.

Validated before anything is written: a bad file raises ``SeedError`` naming the file,
line and field, and the database is left as it was. Idempotent: records that already
exist (units by code, people by email, directives by symbol, tasks by symbol + item
number) are left untouched, so a second run changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .extensions import db
from .models import (
    Directive,
    DirectiveKind,
    Holiday,
    OriginLevel,
    Role,
    Task,
    TaskState,
    Unit,
    UnitKind,
    User,
)
from .seed_yaml import SeedError, _Mapping, _Reader, read_yaml
from .seeding_units import apply_unit_events, parse_unit_events, resolve_ceased
from .services import audit

SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"
DEFAULT_DIRECTIVES = SEEDS_DIR / "directives.yaml"
DEFAULT_HOLIDAYS = SEEDS_DIR / "holidays.yaml"


DIRECTIVE_FIELDS = {
    "symbol",
    "kind",
    "issued_on",
    "signer",
    "signer_name",
    "signer_position",
    "issuing_body",
    "summary",
    "meeting",
    "origin_level",
    "external_id",
    "source_url",
    "tasks",
}
TASK_FIELDS = {
    "item",
    "title",
    "content",
    "field",
    "lead_unit",
    "coordinating_units",
    "assigned_by",
    "focal_person",
    "monitor",
    "priority",
    "urgent",
    "assigned_on",
    "due_on",
}


@dataclass
class SeedPlan:
    path: Path | None = None
    units: list[dict] = field(default_factory=list)
    people: list[dict] = field(default_factory=list)
    directives: list[dict] = field(default_factory=list)
    unit_events: list = field(default_factory=list)  # seeding_units.EventRecord


def parse_directives_file(path: Path) -> SeedPlan:
    """Read and validate the whole file; raise SeedError listing every problem found."""
    path = Path(path)
    data = read_yaml(path)
    r = _Reader(path)
    plan = SeedPlan(path=path)
    if not isinstance(data, _Mapping):
        raise SeedError(f"{path}:1: the file must be a mapping with units and directives")

    unit_codes: set[str] = set()
    for i, rec in enumerate(r.records(data, "units", "file")):
        where = f"units[{i}]"
        r.only(rec, where, {"code", "name", "short_name", "kind", "email", "aliases", "parent"})
        code = r.text(rec, where, "code", max_len=40)
        if code and not re.fullmatch(r"[A-Z0-9_]+", code):
            r.fail(rec, where, "code", f"'{code}' must be uppercase letters, digits, _")
        if code in unit_codes:
            r.fail(rec, where, "code", f"'{code}' appears twice")
        unit_codes.add(code)
        plan.units.append(
            {
                "code": code,
                "name": r.text(rec, where, "name", max_len=255),
                "short_name": r.text(rec, where, "short_name", required=False, max_len=80),
                "kind": r.choice(rec, where, "kind", [k.value for k in UnitKind], "department"),
                "email": r.text(rec, where, "email", required=False),
                "aliases": _aliases(r, rec, where),
                "parent": r.text(rec, where, "parent", required=False, max_len=40),
            }
        )

    known_units = unit_codes | _existing_unit_codes()
    for i, rec in enumerate(plan.units):
        if rec["parent"] and rec["parent"] not in known_units:
            r.fail(data["units"][i], f"units[{i}]", "parent", f"unknown unit '{rec['parent']}'")

    def unit_ref(rec, where, key, required=True):
        code = r.text(rec, where, key, required=required)
        if code and code not in known_units:
            r.fail(rec, where, key, f"unknown unit '{code}'")
        return code

    emails: set[str] = set()
    for i, rec in enumerate(r.records(data, "people", "file", required=False)):
        where = f"people[{i}]"
        r.only(rec, where, {"email", "name", "position", "role", "unit"})
        email = (r.text(rec, where, "email") or "").lower() or None
        if email and "@" not in email:
            r.fail(rec, where, "email", f"'{email}' is not an email address")
        if email in emails:
            r.fail(rec, where, "email", f"'{email}' appears twice")
        emails.add(email)
        role = r.choice(rec, where, "role", [x.value for x in Role])
        unit = unit_ref(rec, where, "unit", required=role in {Role.UNIT_HEAD, Role.UNIT_STAFF})
        plan.people.append(
            {
                "email": email,
                "name": r.text(rec, where, "name"),
                "position": r.text(rec, where, "position", required=False),
                "role": role,
                "unit": unit,
            }
        )

    known_people = emails | _existing_emails()

    def person_ref(rec, where, key):
        email = r.text(rec, where, key, required=False)
        email = email.lower() if email else None
        if email and email not in known_people:
            r.fail(rec, where, key, f"unknown person '{email}' (list them under people)")
        return email

    symbols: set[str] = set()
    for i, rec in enumerate(r.records(data, "directives", "file")):
        where = f"directives[{i}]"
        r.only(rec, where, DIRECTIVE_FIELDS)
        symbol = r.text(rec, where, "symbol", max_len=80)
        if symbol in symbols:
            r.fail(rec, where, "symbol", f"'{symbol}' appears twice")
        symbols.add(symbol)
        issued_on = r.day(rec, where, "issued_on")
        meeting = rec.get("meeting")
        meeting_fields = {"title": None, "date": None, "chair": None}
        if meeting is not None:
            meeting = r.mapping(meeting, f"{where}.meeting", rec, "meeting")
            if meeting is not None:
                meeting_fields = {
                    "title": r.text(meeting, f"{where}.meeting", "title", max_len=500),
                    "date": r.day(meeting, f"{where}.meeting", "date", required=False),
                    "chair": r.text(meeting, f"{where}.meeting", "chair", required=False),
                }
        directive = {
            "symbol": symbol,
            "kind": r.choice(rec, where, "kind", [k.value for k in DirectiveKind]),
            "issued_on": issued_on,
            "signer": person_ref(rec, where, "signer"),
            "signer_name": r.text(rec, where, "signer_name", max_len=255),
            "signer_position": r.text(rec, where, "signer_position", required=False),
            "issuing_body": r.text(rec, where, "issuing_body", max_len=255),
            "summary": r.text(rec, where, "summary", multiline=True),
            "meeting_title": meeting_fields["title"],
            "meeting_on": meeting_fields["date"],
            "meeting_chair": meeting_fields["chair"],
            "origin_level": r.choice(
                rec, where, "origin_level", [o.value for o in OriginLevel], "provincial"
            ),
            "external_id": r.text(rec, where, "external_id", required=False, max_len=120),
            "source_url": r.text(rec, where, "source_url", required=False, max_len=500),
            "tasks": [],
        }
        items: set[int] = set()
        for j, trec in enumerate(r.records(rec, "tasks", where)):
            twhere = f"{where}.tasks[{j}]"
            r.only(trec, twhere, TASK_FIELDS)
            item = r.positive_int(trec, twhere, "item")
            if item is not None and item in items:
                r.fail(trec, twhere, "item", f"item {item} appears twice in {symbol}")
            items.add(item)
            lead = unit_ref(trec, twhere, "lead_unit")
            coordinating = trec.get("coordinating_units") or []
            if not isinstance(coordinating, list):
                r.fail(trec, twhere, "coordinating_units", "must be a list of unit codes")
                coordinating = []
            for code in coordinating:
                if code not in known_units:
                    r.fail(trec, twhere, "coordinating_units", f"unknown unit '{code}'")
                elif code == lead:
                    r.fail(trec, twhere, "coordinating_units", f"'{code}' is the lead unit")
            due_on = r.day(trec, twhere, "due_on", required=False)
            assigned_on = r.day(trec, twhere, "assigned_on", required=False) or issued_on
            if due_on and assigned_on and due_on < assigned_on:
                r.fail(trec, twhere, "due_on", "is before the assignment date")
            directive["tasks"].append(
                {
                    "item_no": item,
                    "title": r.text(trec, twhere, "title", max_len=500),
                    "content": r.text(trec, twhere, "content", required=False, multiline=True),
                    "field": r.text(trec, twhere, "field", max_len=120),
                    "lead_unit": lead,
                    "coordinating_units": list(dict.fromkeys(coordinating)),
                    "assigned_by": person_ref(trec, twhere, "assigned_by"),
                    "focal_person": person_ref(trec, twhere, "focal_person"),
                    "monitor": person_ref(trec, twhere, "monitor"),
                    "is_priority": r.flag(trec, twhere, "priority"),
                    "is_urgent": r.flag(trec, twhere, "urgent"),
                    "assigned_on": assigned_on,
                    "due_on": due_on,
                }
            )
        plan.directives.append(directive)

    plan.unit_events = parse_unit_events(data, r, known_units)
    if r.errors:
        raise SeedError("\n".join(r.errors))
    return plan


def _aliases(r, rec, where) -> list[str]:
    value = rec.get("aliases") or []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        r.fail(rec, where, "aliases", "must be a list of names")
        return []
    if any(len(v) > 255 for v in value):
        r.fail(rec, where, "aliases", "an alias is longer than 255 characters")
    return [" ".join(v.split()) for v in value]


def _existing_unit_codes() -> set[str]:
    return set(db.session.scalars(db.select(Unit.code)))


def _existing_emails() -> set[str]:
    return set(db.session.scalars(db.select(User.email)))


# --- writing -------------------------------------------------------------------------


@dataclass
class SeedResult:
    created: dict[str, int] = field(default_factory=dict)
    existing: dict[str, int] = field(default_factory=dict)
    unit_events: int = 0
    # Units the file names that had ceased, resolved to their successor.
    warnings: list[str] = field(default_factory=list)

    def count(self, kind: str, created: bool) -> None:
        bucket = self.created if created else self.existing
        bucket[kind] = bucket.get(kind, 0) + 1

    def summary(self) -> str:
        kinds = {"unit": "units", "person": "people", "directive": "directives", "task": "tasks"}
        parts = [
            f"{plural}: {self.created.get(kind, 0)} created, {self.existing.get(kind, 0)} existing"
            for kind, plural in kinds.items()
        ]
        parts.append(f"unit events: {self.unit_events} applied")
        return "; ".join(parts)


def apply_plan(plan: SeedPlan, actor=None) -> SeedResult:
    """Insert what is missing. The caller commits (or rolls back) the one transaction."""
    result = SeedResult()
    units = {u.code: u for u in db.session.scalars(db.select(Unit))}
    for rec in plan.units:
        if rec["code"] in units:
            result.count("unit", False)
            continue
        unit = Unit(**{k: v for k, v in rec.items() if k != "parent"})
        db.session.add(unit)
        units[unit.code] = unit
        result.count("unit", True)
    for rec in plan.units:
        if rec["parent"] and units[rec["code"]].parent_id is None:
            units[rec["code"]].parent = units[rec["parent"]]
    db.session.flush()
    where = str(plan.path or "seed")

    people = {u.email: u for u in db.session.scalars(db.select(User))}
    for rec in plan.people:
        if rec["email"] in people:
            result.count("person", False)
            continue
        user = User(
            email=rec["email"],
            name=rec["name"],
            position=rec["position"],
            role=rec["role"],
            unit=(
                resolve_ceased(
                    units[rec["unit"]], None, result.warnings, f"{where}: {rec['email']}"
                )
                if rec["unit"]
                else None
            ),
            password_hash=None,
        )
        db.session.add(user)
        people[user.email] = user
        result.count("person", True)
    db.session.flush()

    for rec in plan.directives:
        directive = db.session.scalar(db.select(Directive).filter_by(symbol=rec["symbol"]))
        if directive is None:
            fields = {k: v for k, v in rec.items() if k not in {"tasks", "signer"}}
            directive = Directive(**fields, signer=people.get(rec["signer"]))
            db.session.add(directive)
            db.session.flush()
            audit.record("directive.seed", actor=actor, obj=directive, note=rec["symbol"])
            result.count("directive", True)
        else:
            result.count("directive", False)
        have = {t.item_no for t in directive.tasks}
        for trec in rec["tasks"]:
            if trec["item_no"] in have:
                result.count("task", False)
                continue
            at = f"{where}: {rec['symbol']} item {trec['item_no']}"

            def current(code, at=at, on=trec["assigned_on"]):
                return resolve_ceased(units[code], on, result.warnings, at)

            lead = current(trec["lead_unit"])
            coordinating = [current(c) for c in trec["coordinating_units"]]
            task = Task(
                directive=directive,
                item_no=trec["item_no"],
                title=trec["title"],
                content=trec["content"],
                field=trec["field"],
                lead_unit=lead,
                coordinating_units=list(dict.fromkeys(u for u in coordinating if u is not lead)),
                assigned_by=people.get(trec["assigned_by"]),
                focal_person=people.get(trec["focal_person"]),
                monitor=people.get(trec["monitor"]),
                is_priority=trec["is_priority"],
                is_urgent=trec["is_urgent"],
                assigned_on=trec["assigned_on"],
                original_due_on=trec["due_on"],
                current_due_on=trec["due_on"],
                state=TaskState.ASSIGNED,
            )
            task.refresh_search_text()
            db.session.add(task)
            db.session.flush()
            audit.record("task.seed", actor=actor, obj=task, task_id=task.id)
            result.count("task", True)
    db.session.flush()
    result.unit_events = apply_unit_events(plan.unit_events, where, actor=actor)
    return result


def seed_directives(path: Path = DEFAULT_DIRECTIVES, actor=None) -> SeedResult:
    """Validate then load ``path`` in one transaction; nothing is written on error."""
    try:
        plan = parse_directives_file(path)
        result = apply_plan(plan, actor=actor)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return result


# --- holidays --------------------------------------------------------------------------


def seed_holidays(path: Path = DEFAULT_HOLIDAYS) -> int:
    """Add the holidays of ``path`` not yet in the table (the Office may have edited the
    others); returns how many were added."""
    path = Path(path)
    data = read_yaml(path)
    r = _Reader(path)
    rows = []
    for i, rec in enumerate(r.records(data, "holidays", "file")):
        where = f"holidays[{i}]"
        rows.append(
            {
                "day": r.day(rec, where, "date"),
                "name": r.text(rec, where, "name", max_len=255),
                "is_working_day": r.flag(rec, where, "working_day"),
            }
        )
    if r.errors:
        raise SeedError("\n".join(r.errors))
    existing = set(db.session.scalars(db.select(Holiday.day)))
    added = 0
    for row in rows:
        if row["day"] not in existing:
            db.session.add(Holiday(**row))
            existing.add(row["day"])
            added += 1
    db.session.commit()
    return added
