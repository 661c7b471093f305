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
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from flask import current_app, has_app_context

from .extensions import db
from .forms import has_control_chars
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
from .seeding_units import apply_unit_events, parse_unit_events, resolve_ceased
from .services import audit

SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"
DEFAULT_DIRECTIVES = SEEDS_DIR / "directives.yaml"
DEFAULT_HOLIDAYS = SEEDS_DIR / "holidays.yaml"


class SeedError(ValueError):
    """A seed file that cannot be loaded; str() names the file, line and field."""


# --- YAML with line numbers ---------------------------------------------------------


class _Mapping(dict):
    line: int = 0
    key_lines: dict


class _List(list):
    line: int = 0


class _Loader(yaml.SafeLoader):
    """SafeLoader that keeps line numbers and leaves dates as text, so a bad date is
    reported with its line instead of crashing the YAML parser."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regex) for tag, regex in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader, node):
    loader.flatten_mapping(node)
    mapping = _Mapping()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.key_lines[key] = key_node.start_mark.line + 1
    return mapping


def _construct_sequence(loader, node):
    items = _List(loader.construct_object(child, deep=True) for child in node.value)
    items.line = node.start_mark.line + 1
    return items


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def read_yaml(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SeedError(f"{path}: cannot read: {exc}") from exc
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        raise SeedError(f"{path}:{line}: YAML syntax error: {exc.problem}") from exc
    except yaml.YAMLError as exc:
        raise SeedError(f"{path}: YAML error: {exc}") from exc


# --- validation ------------------------------------------------------------------------


class _Reader:
    """Reads fields of one record, collecting errors as 'file:line: path.field: problem'."""

    def __init__(self, path: Path):
        self.path = path
        self.errors: list[str] = []

    def fail(self, record: Any, where: str, key: str | None, problem: str) -> None:
        line = getattr(record, "line", 0)
        if key is not None and isinstance(record, _Mapping):
            line = record.key_lines.get(key, line)
        name = f"{where}.{key}" if key else where
        self.errors.append(f"{self.path}:{line}: {name}: {problem}")

    def only(self, record: _Mapping, where: str, allowed: set[str]) -> None:
        """Report keys the schema does not know: usually a typo of a real field."""
        for key in record:
            if key not in allowed:
                self.fail(
                    record, where, str(key), "unknown field (see the schema at the top of the file)"
                )

    def mapping(self, value: Any, where: str, parent=None, key=None) -> _Mapping | None:
        if isinstance(value, _Mapping):
            return value
        self.fail(parent if parent is not None else value, where, key, "must be a mapping")
        return None

    def records(self, parent: _Mapping, key: str, where: str, required: bool = True) -> list:
        value = parent.get(key)
        if value is None:
            if required:
                self.fail(parent, where, key, "is required (a list)")
            return []
        if not isinstance(value, list):
            self.fail(parent, where, key, "must be a list")
            return []
        result = []
        for index, item in enumerate(value):
            record = self.mapping(item, f"{where}.{key}[{index}]", parent, key)
            if record is not None:
                result.append(record)
        return result

    def text(self, record, where, key, required=True, max_len=255, multiline=False) -> str | None:
        """Text no longer than its column; one line unless ``multiline`` (a line break in a
        title or a name would break the headers of reminder mails), never a control
        character (PostgreSQL refuses NUL)."""
        value = record.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(record, where, key, "is required")
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.fail(record, where, key, "must be text")
            return None
        value = str(value).strip()
        if multiline:
            max_len = current_app.config["FREE_TEXT_MAX_CHARS"] if has_app_context() else 20_000
        if max_len and len(value) > max_len:
            self.fail(record, where, key, f"is longer than {max_len} characters")
        if has_control_chars(value, single_line=not multiline):
            problem = "has a control character" if multiline else "must be one line"
            self.fail(record, where, key, f"{problem} (no line break or control character)")
        return value

    def choice(self, record, where, key, choices, default=None) -> str | None:
        value = record.get(key, default)
        if value is None:
            self.fail(record, where, key, "is required")
            return None
        if value not in choices:
            self.fail(record, where, key, f"'{value}' is not one of: {', '.join(choices)}")
            return None
        return value

    def day(self, record, where, key, required=True) -> date | None:
        value = record.get(key)
        if value is None:
            if required:
                self.fail(record, where, key, "is required (a date YYYY-MM-DD)")
            return None
        try:
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(value)):
                raise ValueError
            return date.fromisoformat(str(value))
        except ValueError:
            self.fail(record, where, key, f"'{value}' is not a date (YYYY-MM-DD)")
            return None

    def flag(self, record, where, key) -> bool:
        value = record.get(key, False)
        if not isinstance(value, bool):
            self.fail(record, where, key, "must be true or false")
            return False
        return value

    def positive_int(self, record, where, key) -> int | None:
        value = record.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            self.fail(record, where, key, "is required (a positive whole number)")
            return None
        return value


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
