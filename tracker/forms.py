"""The pieces every form is built from: bounded text, dates typed dd/mm/yyyy, ids and
numbers in range, and the refusal of control characters (DESIGN §4: a NUL byte breaks
PostgreSQL, a line break in a header field breaks the mail package).

Forms stay beside their blueprints; they import these so that one rule (what a
single-line field may hold, which dates are sane) lives in one place.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import TextInput

# Tab, LF and CR are text; every other C0 control and DEL is not.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_BREAK = re.compile(r"[\r\n\u2028\u2029\x85]")

# The largest id a path or a form may name: PostgreSQL's integer.
MAX_ID = 2_147_483_647

DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d")


def has_control_chars(value: str, single_line: bool = False) -> bool:
    return bool(_CONTROL.search(value) or (single_line and _LINE_BREAK.search(value)))


# An address mail can be sent to: one line, something@domain.tld, no spaces, as long as
# the email columns (255).
EMAIL_MAX_CHARS = 255
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def is_email_address(value: str) -> bool:
    return (
        len(value) <= EMAIL_MAX_CHARS
        and not has_control_chars(value, single_line=True)
        and _EMAIL.fullmatch(value) is not None
    )


class EmailAddress:
    """something@domain.tld, without spaces (length and control characters: their own
    validators)."""

    def __call__(self, form, field):
        if field.data and _EMAIL.fullmatch(field.data) is None:
            raise ValidationError(_l("Not a valid email address."))


def strip(value):
    return value.strip() if isinstance(value, str) else value


class NoControlChars:
    """Refuse NUL and the other control characters; with ``single_line``, line breaks too."""

    def __init__(self, single_line: bool = False):
        self.single_line = single_line

    def __call__(self, form, field):
        value = field.data
        if isinstance(value, str) and has_control_chars(value, self.single_line):
            if self.single_line:
                raise ValidationError(_l("One line only, without control characters."))
            raise ValidationError(_l("Control characters are not allowed."))


class FreeTextLength:
    """At most ``FREE_TEXT_MAX_CHARS`` characters (a setting, 20,000 by default)."""

    def __call__(self, form, field):
        limit = int(current_app.config.get("FREE_TEXT_MAX_CHARS", 20_000))
        if field.data and len(field.data) > limit:
            raise ValidationError(
                _l(
                    "At most %(limit)s characters (%(count)s typed).",
                    limit=limit,
                    count=len(field.data),
                )
            )


def _required(required: bool):
    return DataRequired(message=_l("This field is required.")) if required else Optional()


def LineField(label, max_length: int, required: bool = False, **kw) -> StringField:  # noqa: N802
    """One line of text no longer than its column (``max_length``)."""
    return StringField(
        label,
        filters=[strip],
        validators=[
            _required(required),
            Length(max=max_length, message=_l("At most %(max)d characters.")),
            NoControlChars(single_line=True),
        ],
        **kw,
    )


def TextField(label, required: bool = False, **kw) -> TextAreaField:  # noqa: N802
    """Free text (several lines), capped by the FREE_TEXT_MAX_CHARS setting."""
    return TextAreaField(
        label,
        filters=[strip],
        validators=[_required(required), FreeTextLength(), NoControlChars()],
        **kw,
    )


class SaneDate:
    """Between DATE_MIN and DATE_MAX (settings, 01/01/2000–31/12/2100 by default)."""

    def __call__(self, form, field):
        if field.data is None:
            return
        low = current_app.config.get("DATE_MIN", date(2000, 1, 1))
        high = current_app.config.get("DATE_MAX", date(2100, 12, 31))
        if not low <= field.data <= high:
            raise ValidationError(
                _l(
                    "The date must be between %(low)s and %(high)s.",
                    low=low.strftime("%d/%m/%Y"),
                    high=high.strftime("%d/%m/%Y"),
                )
            )


class DayField(DateField):
    """A date typed dd/mm/yyyy (yyyy-mm-dd from links and date inputs is accepted too).

    The field renders as a text input showing dd/mm/yyyy, and keeps what was typed when
    it is not a date, so the form comes back with the person's own text and a message."""

    widget = TextInput()  # a date input would neither show nor take dd/mm/yyyy

    def __init__(self, label=None, validators=None, required: bool = False, **kw):
        kw.setdefault("render_kw", {}).setdefault("placeholder", "dd/mm/yyyy")
        super().__init__(
            label,
            validators=[_required(required), SaneDate(), *(validators or [])],
            format=list(DATE_FORMATS),
            **kw,
        )

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        raw = " ".join(valuelist).strip()
        if not raw:
            self.data = None
            return
        for fmt in self.strptime_format:
            try:
                self.data = datetime.strptime(raw, fmt).date()
                return
            except ValueError:
                continue
        self.data = None
        raise ValueError(_l("Not a date: type it as dd/mm/yyyy."))

    def _value(self):
        if self.raw_data:
            return " ".join(self.raw_data)
        return self.data.strftime("%d/%m/%Y") if self.data else ""


def parse_day(raw: str | None) -> date | None:
    """A dd/mm/yyyy or yyyy-mm-dd string as a date within the sane range, else None."""
    raw = (raw or "").strip()
    for fmt in DATE_FORMATS:
        try:
            value = datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
        low = current_app.config.get("DATE_MIN", date(2000, 1, 1))
        high = current_app.config.get("DATE_MAX", date(2100, 12, 31))
        return value if low <= value <= high else None
    return None


def BoundedIntegerField(  # noqa: N802
    label, low: int, high: int, required: bool = False, **kw
) -> IntegerField:
    """A whole number between ``low`` and ``high`` (0 counts as typed when required)."""
    return WholeNumberField(
        label,
        validators=[
            InputRequired(message=_l("This field is required.")) if required else Optional(),
            NumberRange(min=low, max=high, message=_l("A whole number from %(min)s to %(max)s.")),
        ],
        **kw,
    )


def coerce_id(value) -> int | None:
    """A select's value as a row id: empty → None; not a number or out of range → ValueError
    (WTForms then says the choice is not valid)."""
    if value in (None, "", "None"):
        return None
    number = int(value)
    if not 1 <= number <= MAX_ID:
        raise ValueError("out of range")
    return number


class WholeNumberField(IntegerField):
    """An IntegerField that says "not a whole number" in the person's language (WTForms'
    own message has no Vietnamese translation)."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        try:
            self.data = int(valuelist[0])
        except (TypeError, ValueError):
            self.data = None
            raise ValueError(_l("Not a whole number.")) from None


def choices(pairs) -> list:
    """(value, label) pairs as select choices: wtforms 3.3 deprecates plain tuples."""
    return [SelectChoice(value, label) for value, label in pairs]


class _AppTranslations:
    """WTForms' own messages through the app's catalogue (WTForms ships no Vietnamese)."""

    def gettext(self, string):
        from flask_babel import gettext

        return gettext(string)

    def ngettext(self, singular, plural, n):
        from flask_babel import ngettext

        return ngettext(singular, plural, n)


# WTForms' built-in messages, listed so that the extraction finds them for vi.tsv.
WTFORMS_MESSAGES = (
    _l("Not a valid choice."),
    _l("Not a valid integer value."),
    _l("Not a valid date value."),
    _l("Invalid input."),
)


class Form(FlaskForm):
    """A Flask-WTF form whose built-in messages ("Not a valid choice.") are translated."""

    class Meta:
        def get_translations(self, form):
            return _AppTranslations()


__all__ = [
    "DATE_FORMATS",
    "MAX_ID",
    "BoundedIntegerField",
    "DayField",
    "Form",
    "FreeTextLength",
    "LineField",
    "NoControlChars",
    "SaneDate",
    "SelectChoice",
    "TextField",
    "WholeNumberField",
    "choices",
    "coerce_id",
    "has_control_chars",
    "parse_day",
    "strip",
]
