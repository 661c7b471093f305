"""The forms of the task pages: the task itself (add and edit) and the workflow actions
of the task page (progress report, result, confirm/return, extension request and
decision, withdrawal).

The forms check what a person typed and chose (lengths, dates, which people and units may
be chosen); the workflow rules stay in services/workflow.py, which takes the plain values
of ``values()``.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from sqlalchemy import select
from wtforms import BooleanField, IntegerField, SelectField, SelectMultipleField
from wtforms.validators import Optional, StopValidation, ValidationError
from wtforms.widgets import HiddenInput

from .. import policy
from ..extensions import db
from ..forms import (
    MAX_ID,
    BoundedIntegerField,
    DayField,
    Form,
    LineField,
    SelectChoice,
    TextField,
    coerce_id,
)
from ..models import Role, Unit, User

NOT_OFFERED = _l("Choose one of the options offered.")
NONE = "—"


class Chosen:
    """A required choice. A value that was not offered already has its message: no second
    one saying the field is empty."""

    field_flags = {"required": True}

    def __call__(self, form, field):
        if field.errors:
            raise StopValidation()
        if field.data is None:
            raise StopValidation(_l("This field is required."))


def IdSelectField(label, required: bool = False, **kw) -> SelectField:  # noqa: N802
    """A select of rows by id: the choices are set per request (``choices=``); anything else
    sent, a number too large for the database included, is refused with a message."""
    return SelectField(
        label,
        coerce=coerce_id,
        validators=[Chosen() if required else Optional()],
        invalid_value_message=NOT_OFFERED,
        invalid_choice_message=NOT_OFFERED,
        **kw,
    )


def IdsSelectField(label, size: int = 6, **kw) -> SelectMultipleField:  # noqa: N802
    """``IdSelectField`` for several rows (coordinating units, merged units …)."""
    return SelectMultipleField(
        label,
        coerce=coerce_id,
        invalid_value_message=NOT_OFFERED,
        invalid_choice_message=NOT_OFFERED,
        render_kw={"size": size},
        **kw,
    )


def VersionField() -> IntegerField:  # noqa: N802
    """The version the form was opened with (optimistic locking), a bounded whole number."""
    return BoundedIntegerField("version", 1, MAX_ID, required=True, widget=HiddenInput())


def _option(value, label, **render_kw) -> SelectChoice:
    return SelectChoice(str(value), label, render_kw=render_kw)


class TaskForm(Form):
    """A task of a directive: its text, units, people, flags and dates."""

    title = LineField(_l("Title"), 500, required=True)
    content = TextField(_l("Content"), render_kw={"rows": 4})
    field = LineField(_l("Field"), 120)
    lead_unit_id = IdSelectField(_l("Lead unit"), required=True)
    coordinating_unit_ids = IdsSelectField(_l("Coordinating units"))
    focal_person_id = IdSelectField(_l("Focal person"))
    assigned_by_id = IdSelectField(_l("Assigning leader"))
    monitor_id = IdSelectField(_l("Monitoring specialist"))
    assigned_on = DayField(_l("Assigned on"))
    start_on = DayField(_l("Start date"))
    current_due_on = DayField(_l("Due date (empty: no deadline)"))
    is_priority = BooleanField(_l("Priority"))
    is_urgent = BooleanField(_l("Urgent"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._offer_choices()

    def _offer_choices(self) -> None:
        """Only what may be chosen: active units; active people of an active unit as focal
        person (each tagged with its unit, so the page can show those of the chosen lead
        unit); active leaders; active Office staff."""
        units = db.session.scalars(select(Unit).where(Unit.active).order_by(Unit.name)).all()
        people = db.session.scalars(
            select(User).where(User.active).order_by(User.name, User.id)
        ).all()
        active_units = {u.id: u for u in units}
        members = [u for u in people if u.role in policy.UNIT_ROLES and u.unit_id in active_units]
        self._member_unit = {u.id: u.unit_id for u in members}
        self.lead_unit_id.choices = [_option("", NONE)] + [_option(u.id, u.name) for u in units]
        self.coordinating_unit_ids.choices = [_option(u.id, u.name) for u in units]
        self.focal_person_id.choices = [_option("", NONE)] + [
            _option(
                u.id,
                f"{u.name} ({active_units[u.unit_id].label})",
                **{"data-unit": str(u.unit_id)},
            )
            for u in members
        ]
        self.assigned_by_id.choices = [_option("", NONE)] + [
            _option(u.id, u.name) for u in people if u.role == Role.LEADER
        ]
        self.monitor_id.choices = [_option("", NONE)] + [
            _option(u.id, u.name) for u in people if u.role == Role.OFFICE
        ]

    def validate_focal_person_id(self, field) -> None:
        lead = self.lead_unit_id.data
        if field.errors:  # not offered at all: that message says enough
            return
        if (
            field.data is not None
            and lead is not None
            and self._member_unit.get(field.data) != lead
        ):
            raise ValidationError(_l("Choose a person of the lead unit."))

    def validate_coordinating_unit_ids(self, field) -> None:
        if self.lead_unit_id.data is not None and self.lead_unit_id.data in (field.data or []):
            raise ValidationError(_l("The lead unit cannot also be a coordinating unit."))

    def values(self) -> dict:
        """The plain values services/workflow.py takes."""
        return {
            "title": self.title.data,
            "content": self.content.data or None,
            "field": self.field.data or None,
            "lead_unit_id": self.lead_unit_id.data,
            "coordinating_unit_ids": list(self.coordinating_unit_ids.data or []),
            "focal_person_id": self.focal_person_id.data,
            "monitor_id": self.monitor_id.data,
            "assigned_by_id": self.assigned_by_id.data,
            "is_priority": bool(self.is_priority.data),
            "is_urgent": bool(self.is_urgent.data),
            "assigned_on": self.assigned_on.data,
            "start_on": self.start_on.data,
            "current_due_on": self.current_due_on.data,
        }


class TaskEditForm(TaskForm):
    version = VersionField()

    @classmethod
    def for_task(cls, task) -> TaskEditForm:
        """The form filled with the task as it is now."""
        form = cls(obj=task, formdata=None)
        form.coordinating_unit_ids.data = [u.id for u in task.coordinating_units]
        return form


# --- the actions of the task page ----------------------------------------------------------


class ReportForm(Form):
    progress = BoundedIntegerField(_l("Progress"), 0, 100, required=True, id="report-progress")
    text = TextField(_l("What was done"), required=True, id="report-text", render_kw={"rows": 3})
    difficulties = TextField(_l("Difficulties"), id="report-difficulties", render_kw={"rows": 2})
    proposals = TextField(_l("Proposals"), id="report-proposals", render_kw={"rows": 2})
    file = FileField(_l("File (optional)"), id="report-file")

    def values(self) -> dict:
        return {
            "progress": self.progress.data,
            "text": self.text.data,
            "difficulties": self.difficulties.data or None,
            "proposals": self.proposals.data or None,
            "upload": self.file.data or None,
        }


class ResultForm(Form):
    text = TextField(_l("Result"), required=True, id="result-text", render_kw={"rows": 3})
    doc_number = LineField(_l("Result document number"), 80, id="result-doc-number")
    doc_on = DayField(_l("Result document date"), id="result-doc-on")
    file = FileField(_l("File (optional)"), id="result-file")

    def values(self) -> dict:
        return {
            "text": self.text.data,
            "doc_number": self.doc_number.data or None,
            "doc_on": self.doc_on.data,
            "upload": self.file.data or None,
        }


class ConfirmForm(Form):
    """The Office's answer to a submitted result: the button pressed is the decision."""

    remark = TextField(
        _l("Remark or reason for returning"), id="confirm-remark", render_kw={"rows": 2}
    )
    decision = SelectField(
        choices=[SelectChoice("confirm"), SelectChoice("return")],
        invalid_choice_message=NOT_OFFERED,
        id="confirm-decision",
    )


class ExtensionRequestForm(Form):
    proposed_due_on = DayField(_l("Proposed due date"), required=True, id="extension-due-on")
    reason = TextField(_l("Reason"), required=True, id="extension-reason", render_kw={"rows": 2})
    letter_number = LineField(_l("Letter number"), 80, id="extension-letter-number")

    def values(self) -> dict:
        return {
            "proposed_due_on": self.proposed_due_on.data,
            "reason": self.reason.data,
            "letter_number": self.letter_number.data or None,
        }


class ExtensionDecisionForm(Form):
    """The leader's (or the Office's) decision on a pending request: the button pressed."""

    new_due_on = DayField(_l("New due date"), id="decide-due-on")
    note = TextField(_l("Note"), id="decide-note", render_kw={"rows": 2})
    decision = SelectField(
        choices=[SelectChoice("approve"), SelectChoice("reject"), SelectChoice("withdraw")],
        invalid_choice_message=NOT_OFFERED,
        id="decide-decision",
    )

    def values(self) -> dict:
        return {
            "decision": self.decision.data,
            "new_due_on": self.new_due_on.data,
            "note": self.note.data or None,
        }


class WithdrawForm(Form):
    reason = TextField(_l("Reason"), required=True, id="withdraw-reason", render_kw={"rows": 2})


ACTION_FORMS = {
    "report": ReportForm,
    "result": ResultForm,
    "confirm": ConfirmForm,
    "extension": ExtensionRequestForm,
    "decide": ExtensionDecisionForm,
    "withdraw": WithdrawForm,
}


def action_forms(task, pending=None, **posted: Form) -> dict[str, Form]:
    """The task page's action forms: the one just posted (with its errors and what was
    typed), the others empty with their defaults."""
    forms = {}
    for name, cls in ACTION_FORMS.items():
        if name in posted:
            forms[name] = posted[name]
            continue
        form = cls(formdata=None)
        if name == "report":
            form.progress.data = task.progress
        elif name == "decide" and pending is not None:
            form.new_due_on.data = pending.proposed_due_on
        forms[name] = form
    return forms
