"""The forms of the unit pages: a unit (create and edit), and the four succession events
(rename, merge, split, dissolve), each filled in, previewed, then confirmed.

The forms check what was typed and chosen (lengths, formats, which units may be chosen);
the rules of units and successions stay in services/units.py and services/succession.py.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import EmailField, FieldList, FormField, HiddenField, SelectField
from wtforms import Form as PlainForm
from wtforms.validators import Length, Optional, Regexp, ValidationError

from ..extensions import db
from ..forms import (
    DayField,
    Form,
    LineField,
    NoControlChars,
    SelectChoice,
    TextField,
    strip,
)
from ..models import Unit, UnitKind
from ..services.units import MAX_ALIASES, parse_aliases
from .task_forms import NOT_OFFERED, Chosen, IdSelectField, IdsSelectField, VersionField

KIND_LABELS = {
    UnitKind.DEPARTMENT: _l("Department, board or branch"),
    UnitKind.DISTRICT: _l("District People's Committee"),
    UnitKind.COMMUNE: _l("Commune, ward or special zone People's Committee"),
    UnitKind.AGENCY: _l("Agency or public body"),
    UnitKind.CENTRAL: _l("Central agency in the province"),
    UnitKind.OFFICE: _l("Office of the People's Committee"),
    UnitKind.OTHER: _l("Other kind of unit"),
}
NOTE_MAX = 1000
ALIAS_MAX = 255
NEW = "new"  # the value of "a new unit" in a select of units


def kind_label(kind: str) -> str:
    try:
        return str(KIND_LABELS[UnitKind(kind)])
    except ValueError:
        return kind


def kind_choices() -> list[SelectChoice]:
    return [SelectChoice(k.value, KIND_LABELS[k]) for k in KIND_LABELS]


def active_units(exclude: Unit | None = None) -> list[Unit]:
    query = select(Unit).where(Unit.active.is_(True)).order_by(Unit.name)
    if exclude is not None:
        query = query.where(Unit.id != exclude.id)
    return list(db.session.scalars(query))


def _options(units, first=None) -> list[SelectChoice]:
    options = [first] if first is not None else []
    return options + [SelectChoice(str(u.id), u.name) for u in units]


def code_field(label, required: bool = True):
    field = LineField(label, 40, required=required)
    field.kwargs["filters"] = [strip, lambda v: v.upper() if isinstance(v, str) else v]
    field.kwargs["validators"].append(
        Regexp(r"^[A-Z0-9_]*$", message=_l("Capital letters, digits and _ only."))
    )
    return field


class Aliases:
    """Aliases typed one per line or separated by ";": at most 20, each one line of at most
    255 characters."""

    def __call__(self, form, field):
        aliases = parse_aliases(field.data)
        if len(aliases) > MAX_ALIASES:
            raise ValidationError(_l("At most %(n)d aliases.", n=MAX_ALIASES))
        if any(len(alias) > ALIAS_MAX for alias in aliases):
            raise ValidationError(_l("Each alias has at most %(n)d characters.", n=ALIAS_MAX))


class UnitForm(Form):
    code = code_field(_l("Code"))
    name = LineField(_l("Name"), 255, required=True)
    short_name = LineField(_l("Short name"), 80)
    aliases = TextField(
        _l("Other names and abbreviations (one a line, or separated by ;)"),
        render_kw={"rows": 3},
    )
    kind = SelectField(
        _l("Kind of unit"), validators=[Chosen()], invalid_choice_message=NOT_OFFERED
    )
    parent_id = IdSelectField(_l("Parent unit"))
    head_name = LineField(_l("Head of the unit"), 255)
    email = EmailField(
        _l("Email"),
        filters=[strip],
        validators=[
            Optional(),
            Length(max=255, message=_l("At most %(max)d characters.")),
            NoControlChars(single_line=True),
            Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", message=_l("Not a valid email address.")),
        ],
    )

    def __init__(self, *args, unit: Unit | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.aliases.validators = [
            *self.aliases.validators,
            Length(max=6000, message=_l("At most %(max)d characters.")),
            Aliases(),
        ]
        self.kind.choices = kind_choices()
        parents = active_units(exclude=unit)
        if unit is not None and unit.parent is not None and unit.parent not in parents:
            parents.append(unit.parent)  # an old parent stays choosable on its unit's form
        self.parent_id.choices = _options(parents, SelectChoice("", "—"))

    def fill(self, unit: Unit) -> None:
        for name in ("code", "name", "short_name", "kind", "parent_id", "head_name", "email"):
            getattr(self, name).data = getattr(unit, name)
        self.aliases.data = "\n".join(unit.aliases or [])

    def values(self) -> dict:
        return {
            "code": self.code.data,
            "name": self.name.data,
            "short_name": self.short_name.data or None,
            "aliases": parse_aliases(self.aliases.data),
            "kind": self.kind.data,
            "parent_id": self.parent_id.data,
            "head_name": self.head_name.data or None,
            "email": self.email.data or None,
        }


class UnitEditForm(UnitForm):
    version = VersionField()


class ConfirmForm(Form):
    """The CSRF token of the one-button forms (deactivate, undo)."""


# --- succession events ---------------------------------------------------------------


class NewUnitEntry(PlainForm):
    """A new unit a succession event creates (the CSRF token is the enclosing form's)."""

    code = code_field(_l("Code of the new unit"), required=False)
    name = LineField(_l("Name of the new unit"), 255)
    short_name = LineField(_l("Short name"), 80)
    # Checked only when the entry is filled in (check_complete): a blank entry is no unit.
    kind = SelectField(_l("Kind of unit"), validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = kind_choices()

    def is_blank(self) -> bool:
        return not (self.code.data or self.name.data or self.short_name.data)

    def check_complete(self) -> bool:
        ok = True
        for field in (self.code, self.name):
            if not field.data:
                field.errors = [*field.errors, _l("This field is required.")]
                ok = False
        if self.kind.data not in {k.value for k in UnitKind}:
            self.kind.errors = [*self.kind.errors, NOT_OFFERED]
            ok = False
        return ok

    def values(self, like: Unit | None = None) -> dict:
        return {
            "code": self.code.data,
            "name": self.name.data,
            "short_name": self.short_name.data or None,
            "kind": self.kind.data,
            # A renamed unit keeps its place, head and mailbox.
            "parent_id": like.parent_id if like else None,
            "head_name": like.head_name if like else None,
            "email": like.email if like else None,
        }


class SuccessionForm(Form):
    """What every event has: an effective date, a note, and the step (preview, confirm,
    or back to the form)."""

    effective_on = DayField(_l("Effective from"), required=True)
    note = TextField(_l("Note"), render_kw={"rows": 2})
    step = HiddenField(default="preview")

    def __init__(self, unit: Unit, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.unit = unit
        self.note.validators = [
            *self.note.validators,
            Length(max=NOTE_MAX, message=_l("At most %(max)d characters.")),
        ]

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return self.check() and valid

    def check(self) -> bool:
        """Checks across fields (FormField and FieldList take no inline validators): a
        message in ``form_errors``, False when refused."""
        return True

    def refuse(self, message) -> bool:
        self.form_errors.append(message)
        return False

    def hidden_items(self) -> list[tuple[str, str]]:
        """Every value as (name, value) pairs, for the preview page to send them again."""
        items = []
        for field in self:
            if field.type in ("CSRFTokenField", "SubmitField") or field.name == "step":
                continue
            if field.type == "FieldList":
                for entry in field:
                    items.extend((sub.name, _text(sub)) for sub in entry.form)
            elif field.type == "FormField":
                items.extend((sub.name, _text(sub)) for sub in field.form)
            elif field.type == "SelectMultipleField":
                items.extend((field.name, str(v)) for v in field.data or [])
            else:
                items.append((field.name, _text(field)))
        return items


def _text(field) -> str:
    if field.type in ("SelectField",):
        return "" if field.data is None else str(field.data)
    return field._value()


class RenameForm(SuccessionForm):
    new = FormField(NewUnitEntry)

    def __init__(self, unit: Unit, *args, **kwargs):
        super().__init__(unit, *args, **kwargs)
        if not self.is_submitted():
            self.new.form.kind.data = unit.kind

    def check(self) -> bool:
        if not self.new.form.check_complete():
            return self.refuse(_l("Give the new code and name."))
        return True

    def choices(self):
        return [self.unit], [], [self.new.form.values(like=self.unit)], None


class MergeForm(SuccessionForm):
    others = IdsSelectField(_l("Units merged with it"), size=8)
    into = SelectField(_l("Into"), invalid_choice_message=NOT_OFFERED, validators=[Chosen()])
    new = FormField(NewUnitEntry)

    def __init__(self, unit: Unit, *args, **kwargs):
        super().__init__(unit, *args, **kwargs)
        self._units = {u.id: u for u in active_units(exclude=unit)}
        self.others.choices = _options(self._units.values())
        self.into.choices = [
            SelectChoice(NEW, _l("A new unit (below)")),
            SelectChoice(str(unit.id), unit.name),
        ] + _options(self._units.values())
        if not self.is_submitted():
            self.new.form.kind.data = unit.kind

    def validate_others(self, field) -> None:
        if not field.data:
            raise ValidationError(_l("Choose at least one other unit."))

    def check(self) -> bool:
        if self.into.data == NEW:
            if not self.new.form.check_complete():
                return self.refuse(_l("Give the new unit's code and name."))
        elif (
            self.into.data
            and not self.into.errors
            and int(self.into.data) not in {self.unit.id, *(self.others.data or [])}
        ):
            return self.refuse(_l("Choose one of the merged units, or a new unit."))
        return True

    def choices(self):
        sources = [self.unit] + [self._units[i] for i in self.others.data or []]
        if self.into.data == NEW:
            return sources, [], [self.new.form.values()], None
        into = next(u for u in sources if str(u.id) == self.into.data)
        return sources, [into], [], None


class SplitForm(SuccessionForm):
    existing = IdsSelectField(_l("Existing units that take over part of it"), size=8)
    new = FieldList(FormField(NewUnitEntry), min_entries=3, max_entries=3)
    default = SelectField(
        _l("Default successor (open tasks and people)"),
        invalid_choice_message=NOT_OFFERED,
        validators=[Chosen()],
    )

    def __init__(self, unit: Unit, *args, **kwargs):
        super().__init__(unit, *args, **kwargs)
        self._units = {u.id: u for u in active_units(exclude=unit)}
        self.existing.choices = _options(self._units.values())
        self.default.choices = [
            SelectChoice(f"{NEW}-{i}", _l("New unit %(n)d", n=i + 1)) for i in range(3)
        ] + _options(self._units.values())

    def filled_new(self):
        return [(i, entry.form) for i, entry in enumerate(self.new) if not entry.form.is_blank()]

    def check(self) -> bool:
        if not all([entry.check_complete() for _i, entry in self.filled_new()]):
            return self.refuse(_l("Give each new unit's code and name."))
        if len(self.existing.data or []) + len(self.filled_new()) < 2:
            return self.refuse(_l("Choose or give at least two successors."))
        if self.default.data and self.default.data not in self.target_keys():
            return self.refuse(_l("The default successor must be one of the successors."))
        return True

    def target_keys(self) -> list[str]:
        return [str(i) for i in self.existing.data or []] + [
            f"{NEW}-{i}" for i, _e in self.filled_new()
        ]

    def choices(self):
        existing = [self._units[i] for i in self.existing.data or []]
        new = [entry.values() for _i, entry in self.filled_new()]
        return [self.unit], existing, new, self.target_keys().index(self.default.data)


class DissolveForm(SuccessionForm):
    into = IdSelectField(_l("Unit that takes over"), required=True)

    def __init__(self, unit: Unit, *args, **kwargs):
        super().__init__(unit, *args, **kwargs)
        self._units = {u.id: u for u in active_units(exclude=unit)}
        self.into.choices = _options(self._units.values(), SelectChoice("", "—"))

    def choices(self):
        return [self.unit], [self._units[self.into.data]], [], None


FORMS = {"rename": RenameForm, "merge": MergeForm, "split": SplitForm, "dissolve": DissolveForm}
