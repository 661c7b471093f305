"""The holiday table of one year: read by leaders and viewers, kept by the Office and admins."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError
from wtforms.widgets import HiddenInput

from .. import policy
from ..calendar import local_today
from ..extensions import db
from ..forms import DayField, Form, LineField, NoControlChars, SelectChoice, WholeNumberField, strip
from ..models import Holiday
from ..services import holidays as service

bp = Blueprint("holidays", __name__)

REASON_MAX_CHARS = 500
HOLIDAY = "holiday"
WORKING_DAY = "working_day"
KIND_LABELS = {
    HOLIDAY: _l("Public holiday (day off)"),
    WORKING_DAY: _l("Compensating working day (làm bù)"),
}
WEEKDAYS = (
    _l("Monday"),
    _l("Tuesday"),
    _l("Wednesday"),
    _l("Thursday"),
    _l("Friday"),
    _l("Saturday"),
    _l("Sunday"),
)
_YEAR = re.compile(r"[0-9]{4}")


def now() -> datetime:
    return datetime.now(UTC)


def year_bounds() -> tuple[int, int]:
    """The years the table may be shown and kept for: those of DATE_MIN..DATE_MAX, the
    dates every form of the application accepts."""
    return current_app.config["DATE_MIN"].year, current_app.config["DATE_MAX"].year


@bp.app_template_global()
def can_manage_holidays() -> bool:
    return policy.can_manage_holidays(current_user)


@bp.app_template_filter("weekday")
def weekday_label(day: date) -> str:
    return str(WEEKDAYS[day.weekday()])


@bp.before_request
def readers_only():
    if not current_user.is_authenticated:
        from ..extensions import login_manager

        return login_manager.unauthorized()
    if not policy.can_view_holidays(current_user):
        abort(403)
    return None


def editors_only() -> None:
    if not policy.can_manage_holidays(current_user):
        abort(403)


# --- forms --------------------------------------------------------------------------------


def ReasonField(label, **kw):  # noqa: N802
    """Why a holiday was changed or removed: required, at most 500 characters (kept in
    the audit note)."""
    return TextAreaField(
        label,
        filters=[strip],
        validators=[
            DataRequired(message=_l("This field is required.")),
            Length(max=REASON_MAX_CHARS, message=_l("At most %(max)d characters.")),
            NoControlChars(),
        ],
        render_kw={"rows": 2, "maxlength": REASON_MAX_CHARS},
        **kw,
    )


class HolidayForm(Form):
    day = DayField(_l("Date"), required=True)
    name = LineField(_l("Holiday name"), Holiday.name.type.length, required=True)
    kind = SelectField(
        _l("Day kind"),
        choices=[SelectChoice(k, v) for k, v in KIND_LABELS.items()],
        default=HOLIDAY,
    )

    def values(self) -> dict:
        return {
            "day": self.day.data,
            "name": self.name.data,
            "is_working_day": self.kind.data == WORKING_DAY,
        }

    @classmethod
    def for_row(cls, row: Holiday):
        form = cls(formdata=None, obj=None)
        form.day.data, form.name.data = row.day, row.name
        form.kind.data = WORKING_DAY if row.is_working_day else HOLIDAY
        return form


class HolidayEditForm(HolidayForm):
    reason = ReasonField(_l("Reason for the change"))


class HolidayDeleteForm(Form):
    reason = ReasonField(_l("Reason for deleting"), id="delete-reason")


class FixedDatesForm(Form):
    year = WholeNumberField(
        _l("Year"),
        widget=HiddenInput(),
        validators=[InputRequired(message=_l("This field is required."))],
    )

    def validate_year(self, field):
        low, high = year_bounds()
        if field.data is None or not low <= field.data <= high:
            raise ValidationError(_l("A whole number from %(min)s to %(max)s.", min=low, max=high))


def _refused(form, error: service.HolidayError) -> None:
    db.session.rollback()
    if isinstance(error, service.Forbidden):
        abort(403)
    if error.field in form:
        form[error.field].errors = [*form[error.field].errors, str(error)]
    else:  # a rule about no one field: above the form
        flash(str(error), "error")


def _form_errors() -> None:
    flash(_("Some values were not accepted: see the messages beside the fields."), "error")


# --- pages --------------------------------------------------------------------------------


def _year_from_args() -> int:
    """?year=YYYY within the bounds, else 404; absent: the current local year."""
    raw = request.args.get("year")
    if raw is None or not raw.strip():
        return local_today().year
    low, high = year_bounds()
    raw = raw.strip()
    if not _YEAR.fullmatch(raw) or not low <= int(raw) <= high:
        abort(404)
    return int(raw)


def _index_page(year: int, status: int = 200, fixed: FixedDatesForm | None = None):
    rows = service.year_rows(year)
    low, high = year_bounds()
    if fixed is None:
        fixed = FixedDatesForm(formdata=None)
        fixed.year.data = year
    return render_template(
        "holidays/index.html",
        year=year,
        rows=rows,
        summary=service.summarise(rows, year),
        low=low,
        high=high,
        fixed=fixed,
        kind_labels=KIND_LABELS,
    ), status


@bp.get("/holidays")
def index():
    return _index_page(_year_from_args())


@bp.route("/holidays/new", methods=["GET", "POST"])
def new():
    editors_only()
    form = HolidayForm()
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                row = service.add_holiday(**form.values(), actor=current_user, now=now())
            except service.HolidayError as error:
                _refused(form, error)
            else:
                db.session.commit()
                flash(_("Saved: %(day)s.", day=row.day.strftime("%d/%m/%Y")), "success")
                return redirect(url_for("holidays.index", year=row.day.year))
        _form_errors()
        return render_template("holidays/form.html", form=form, row=None, year=None), 400
    return render_template("holidays/form.html", form=form, row=None, year=None)


@bp.route("/holidays/<int:holiday_id>/edit", methods=["GET", "POST"])
def edit(holiday_id: int):
    editors_only()
    row = db.get_or_404(Holiday, holiday_id)
    delete_form = HolidayDeleteForm(formdata=None)
    if request.method == "GET":
        form = HolidayEditForm.for_row(row)
        return _edit_page(row, form, delete_form)
    form = HolidayEditForm()
    if form.validate_on_submit():
        try:
            service.update_holiday(
                row, **form.values(), reason=form.reason.data, actor=current_user, now=now()
            )
        except service.HolidayError as error:
            _refused(form, error)
        else:
            db.session.commit()
            flash(_("Saved: %(day)s.", day=form.day.data.strftime("%d/%m/%Y")), "success")
            return redirect(url_for("holidays.index", year=form.day.data.year))
    _form_errors()
    return _edit_page(db.get_or_404(Holiday, holiday_id), form, delete_form, 400)


def _edit_page(row, form, delete_form, status: int = 200):
    return render_template(
        "holidays/form.html", form=form, row=row, delete_form=delete_form, year=row.day.year
    ), status


@bp.post("/holidays/<int:holiday_id>/delete")
def delete(holiday_id: int):
    editors_only()
    row = db.get_or_404(Holiday, holiday_id)
    form = HolidayDeleteForm()
    if form.validate_on_submit():
        day = row.day
        try:
            service.delete_holiday(row, reason=form.reason.data, actor=current_user, now=now())
        except service.HolidayError as error:
            _refused(form, error)
        else:
            db.session.commit()
            flash(_("Deleted: %(day)s.", day=day.strftime("%d/%m/%Y")), "success")
            return redirect(url_for("holidays.index", year=day.year))
    _form_errors()
    return _edit_page(row, HolidayEditForm.for_row(row), form, 400)


@bp.post("/holidays/fixed")
def fixed_dates():
    editors_only()
    form = FixedDatesForm()
    if not form.validate_on_submit():
        _form_errors()
        for error in form.year.errors:
            flash(str(error), "error")
        return _index_page(local_today().year, 400)
    year = form.year.data
    try:
        result = service.add_fixed_date_holidays(year, actor=current_user, now=now())
    except service.HolidayError as error:
        _refused(form, error)
        return _index_page(year, 400)
    db.session.commit()
    days = ", ".join(row.day.strftime("%d/%m") for row in result.added) or "—"
    flash(
        _(
            "%(count)s fixed-date holidays added (%(days)s); %(skipped)s already in the table.",
            count=len(result.added),
            days=days,
            skipped=len(result.skipped),
        ),
        "success",
    )
    flash(
        _(
            "Still to enter from the government's notice: Tết Nguyên đán, Giỗ Tổ Hùng Vương"
            " (10/3 âm lịch), the day before or after 2/9, and any nghỉ bù or làm bù days."
        ),
        "warning",
    )
    return redirect(url_for("holidays.index", year=year))
