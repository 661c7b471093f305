"""Query parameters of lists, the dashboard, reports and exports: one typed parser.

Links and filter forms put their values in the URL, and anyone may type anything there.
``QueryParams`` reads each parameter with its type and bounds (ids within PostgreSQL's
integer, page numbers capped, dates within DATE_MIN..DATE_MAX, short text without control
characters, values from a fixed list). A value that does not pass is ignored, never sent to
the database, and its name is kept: a page then says which parameters it ignored
(``note_ignored``), a download or an image answers 400 instead (``refuse_ignored``).
Empty values ("All units" in a filter form) are simply absent, not errors.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime

from flask import abort, current_app, flash
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict
from werkzeug.routing import IntegerConverter, ValidationError

from .forms import DATE_FORMATS, MAX_ID, has_control_chars, parse_day

MAX_PAGE = 10_000
# Search text and other short values: longer is never typed, only pasted or forged.
MAX_TEXT_CHARS = 200
# Overdue for at most a century.
MAX_AGE_DAYS = 36_500

TRUE_WORDS = frozenset({"1", "true", "on", "yes"})
FALSE_WORDS = frozenset({"0", "false", "off", "no"})

_INTEGER = re.compile(r"[+-]?[0-9]{1,12}")


class QueryParams:
    """Typed, bounded reads of ``request.args`` (any MultiDict); each refused value's
    parameter name goes to ``ignored``."""

    def __init__(self, args: MultiDict | None = None):
        self.args = args if args is not None else MultiDict()
        self.ignored: list[str] = []
        self.notes: list[str] = []  # what to do instead, when a parameter needs saying

    def ignore(self, name: str, note: str | None = None) -> None:
        if name not in self.ignored:
            self.ignored.append(name)
        if note and note not in self.notes:
            self.notes.append(note)

    # --- reading values -----------------------------------------------------------------

    def _clean(self, name: str, value, max_chars: int) -> str | None:
        value = "" if value is None else str(value).strip()
        if not value:
            return None
        if len(value) > max_chars or has_control_chars(value, single_line=True):
            self.ignore(name)
            return None
        return value

    def text(self, name: str, max_chars: int = MAX_TEXT_CHARS) -> str | None:
        """One line of at most ``max_chars`` characters, without control characters."""
        return self._clean(name, self.args.get(name), max_chars)

    def integer(self, name: str, low: int, high: int) -> int | None:
        """A whole number within ``low``..``high``."""
        raw = self.text(name)
        if raw is None:
            return None
        if not _INTEGER.fullmatch(raw) or not low <= int(raw) <= high:
            self.ignore(name)
            return None
        return int(raw)

    def ident(self, name: str) -> int | None:
        """A row id (1..2,147,483,647: PostgreSQL's integer)."""
        return self.integer(name, 1, MAX_ID)

    def page(self, name: str = "page") -> int:
        """A page number, 1 when absent or not valid."""
        return self.integer(name, 1, MAX_PAGE) or 1

    def day(self, name: str) -> date | None:
        """A date (yyyy-mm-dd from links, dd/mm/yyyy typed) within DATE_MIN..DATE_MAX."""
        raw = self.text(name)
        if raw is None:
            return None
        value = parse_day(raw)
        if value is None:
            self.ignore(name, _date_range_note() if _is_a_date(raw) else None)
        return value

    def flag(self, name: str) -> bool:
        """A checkbox: 1/true/on/yes, or 0/false/off/no."""
        raw = self.text(name)
        if raw is None:
            return False
        word = raw.lower()
        if word not in TRUE_WORDS | FALSE_WORDS:
            self.ignore(name)
        return word in TRUE_WORDS

    def choice(self, name: str, allowed: Iterable[str]) -> str | None:
        """One of ``allowed``."""
        raw = self.text(name)
        if raw is None:
            return None
        if raw not in set(allowed):
            self.ignore(name)
            return None
        return raw

    def choices(self, name: str, allowed: Iterable[str]) -> list[str]:
        """Every value of a repeated parameter that is one of ``allowed``, in order, once."""
        allowed = set(allowed)
        chosen: list[str] = []
        for value in self.args.getlist(name):
            value = self._clean(name, value, MAX_TEXT_CHARS)
            if value is None:
                continue
            if value not in allowed:
                self.ignore(name)
            elif value not in chosen:
                chosen.append(value)
        return chosen

    # --- telling the user -------------------------------------------------------------

    def message(self) -> str | None:
        if not self.ignored:
            return None
        message = _(
            "Ignored in the address, because not valid: %(names)s.",
            names=", ".join(self.ignored),
        )
        return " ".join([message, *self.notes])

    def note_ignored(self) -> None:
        """For a page: a note at its top naming the ignored parameters."""
        message = self.message()
        if message:
            flash(message, "warning")

    def refuse_ignored(self) -> None:
        """For a download or an image, which cannot show a note: 400."""
        message = self.message()
        if message:
            abort(400, description=message)


def _is_a_date(raw: str) -> bool:
    for fmt in DATE_FORMATS:
        try:
            datetime.strptime(raw, fmt)
        except ValueError:
            continue
        return True
    return False


def _date_range_note() -> str:
    low, high = current_app.config["DATE_MIN"], current_app.config["DATE_MAX"]
    return _(
        "Dates must lie between %(low)s and %(high)s.",
        low=f"{low:%d/%m/%Y}",
        high=f"{high:%d/%m/%Y}",
    )


# --- path ids -----------------------------------------------------------------------------


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route: 1..2,147,483,647, else the URL matches nothing (404).
    Werkzeug's own accepts any length of digits, which PostgreSQL's integer columns refuse."""

    def __init__(self, map, fixed_digits=0, min=1, max=MAX_ID, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

    def to_python(self, value: str) -> int:
        if len(value) > len(str(MAX_ID)):
            raise ValidationError()
        return super().to_python(value)


__all__ = [
    "MAX_AGE_DAYS",
    "MAX_PAGE",
    "MAX_TEXT_CHARS",
    "IdConverter",
    "QueryParams",
]
