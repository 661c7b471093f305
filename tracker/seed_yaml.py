"""Reading seed files: YAML whose mappings and lists remember the line they start on
(``read_yaml``, with dates left as text so a bad one is reported, not a parser crash), and
``_Reader``, which checks the fields of one record and collects every problem as
'file:line: path.field: problem'; both raise or report ``SeedError`` (tracker.seeding
and tracker.seeding_units use them)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from flask import current_app, has_app_context

from .forms import has_control_chars


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
