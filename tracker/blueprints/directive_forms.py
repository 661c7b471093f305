"""The directive form (create and edit): each text bounded by its column, dates typed
dd/mm/yyyy, the kind and the origin level one of theirs."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField

from ..forms import DayField, Form, LineField, SelectChoice, TextField
from ..models import DirectiveKind, OriginLevel
from .task_forms import NOT_OFFERED, Chosen, VersionField

ORIGIN_LABELS = {OriginLevel.CENTRAL: _l("Central"), OriginLevel.PROVINCIAL: _l("Provincial")}


def _kind_choices() -> list[SelectChoice]:
    from .directives import kind_label

    return [SelectChoice(k.value, kind_label(k)) for k in DirectiveKind]


class DirectiveForm(Form):
    symbol = LineField(_l("Symbol"), 80, required=True, render_kw={"placeholder": "45/TB-UBND"})
    kind = SelectField(
        _l("Kind"),
        validators=[Chosen()],
        invalid_choice_message=NOT_OFFERED,
    )
    issued_on = DayField(_l("Issued on"), required=True)
    signer_name = LineField(_l("Signer"), 255, required=True)
    signer_position = LineField(_l("Signer's position"), 255)
    issuing_body = LineField(_l("Issuing body"), 255, required=True, default="UBND tỉnh")
    summary = TextField(_l("Summary"), required=True, render_kw={"rows": 3})
    meeting_title = LineField(_l("Meeting"), 500)
    meeting_on = DayField(_l("Meeting date"))
    meeting_chair = LineField(_l("Meeting chair"), 255)
    origin_level = SelectField(
        _l("Origin"),
        choices=[SelectChoice(level.value, ORIGIN_LABELS[level]) for level in OriginLevel],
        default=OriginLevel.PROVINCIAL.value,
        validators=[Chosen()],
        invalid_choice_message=NOT_OFFERED,
    )
    external_id = LineField(_l("External id"), 120)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = _kind_choices()

    def values(self) -> dict:
        """The plain values services/workflow.py takes (an empty optional text is None)."""
        return {
            "symbol": self.symbol.data,
            "kind": self.kind.data,
            "issued_on": self.issued_on.data,
            "signer_name": self.signer_name.data,
            "signer_position": self.signer_position.data or None,
            "issuing_body": self.issuing_body.data,
            "summary": self.summary.data,
            "meeting_title": self.meeting_title.data or None,
            "meeting_on": self.meeting_on.data,
            "meeting_chair": self.meeting_chair.data or None,
            "origin_level": self.origin_level.data,
            "external_id": self.external_id.data or None,
        }


class DirectiveEditForm(DirectiveForm):
    version = VersionField()
