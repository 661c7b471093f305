"""The holiday table, kept by the Office: add, edit, delete (with a reason) and the
fixed-date public holidays of a year, each change audited in its own transaction.

Nothing here is cached: ``calendar.load_calendar`` reads the table on every request and
job, so a change is seen by the next request of every worker and host (DESIGN §2).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import policy
from ..calendar import WorkingCalendar
from ..extensions import db
from ..models import Holiday
from . import audit

# Bộ luật Lao động 2019, Điều 112(1): the days whose solar date never changes. The second
# day of Quốc khánh (1/9 or 3/9) and the lunar-calendar days (Tết Nguyên đán, Giỗ Tổ Hùng
# Vương 10/3 âm lịch) are fixed each year by the government's notice: entered by hand.
FIXED_DATE_HOLIDAYS = (
    (1, 1, "Tết Dương lịch"),
    (4, 30, "Ngày Chiến thắng (30/4)"),
    (5, 1, "Ngày Quốc tế Lao động (1/5)"),
    (9, 2, "Quốc khánh (2/9)"),
)


class HolidayError(Exception):
    """A change refused; ``field`` names the form field the message belongs beside."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class Forbidden(HolidayError):
    pass


@dataclass(frozen=True)
class YearSummary:
    days_off: int  # rows that are days off (nghỉ lễ), weekends included
    days_off_on_weekdays: int  # of those, Monday to Friday
    working_weekends: int  # làm bù rows
    working_days: int  # working days of the whole year, by the calendar


def year_rows(year: int, session: Session | None = None) -> list[Holiday]:
    session = session or db.session
    return list(
        session.scalars(
            select(Holiday)
            .where(Holiday.day >= date(year, 1, 1), Holiday.day <= date(year, 12, 31))
            .order_by(Holiday.day)
        )
    )


def summarise(rows: list[Holiday], year: int) -> YearSummary:
    """The figures of one year from its own rows (the calendar of the year alone is
    enough: working days of 1/1–31/12 depend on no other year's rows)."""
    calendar = WorkingCalendar.from_rows(rows)
    off = [r for r in rows if not r.is_working_day]
    return YearSummary(
        days_off=len(off),
        days_off_on_weekdays=sum(1 for r in off if r.day.weekday() < 5),
        working_weekends=sum(1 for r in rows if r.is_working_day),
        working_days=calendar.working_days_between(date(year - 1, 12, 31), date(year, 12, 31)),
    )


def _require(actor) -> None:
    if not policy.can_manage_holidays(actor):
        raise Forbidden(_("You may not do this."))


def _duplicate(day: date) -> HolidayError:
    # Lazy: after a failed flush the session cannot be asked for the user's language until
    # the view has rolled back.
    return HolidayError(
        _l("%(day)s is already in the holiday table.", day=day.strftime("%d/%m/%Y")), "day"
    )


def _flush(session: Session, day: date) -> None:
    """Flush; a second Office member who saved the same day a moment before (after our
    check) hits the unique key: the same refusal. The caller rolls back."""
    try:
        session.flush()
    except IntegrityError as error:
        raise _duplicate(day) from error


def _check(session: Session, day: date, is_working_day: bool, exclude_id: int | None) -> None:
    """The rules a row must satisfy: one row per day; a làm bù day is a Saturday or a
    Sunday (a weekday is a working day already). A holiday may fall on a weekend: the
    official day is recorded and its nghỉ bù is entered as a row of its own."""
    if is_working_day and day.weekday() < 5:
        raise HolidayError(
            _("A compensating working day (làm bù) must be a Saturday or a Sunday."), "kind"
        )
    query = select(Holiday.id).where(Holiday.day == day)
    if exclude_id is not None:
        query = query.where(Holiday.id != exclude_id)
    if session.scalar(query) is not None:
        raise _duplicate(day)


def _state(row: Holiday) -> dict:
    return {"day": row.day.isoformat(), "name": row.name, "is_working_day": row.is_working_day}


def _audit(action: str, row: Holiday, changes: dict, actor, now: datetime, note=None):
    event = audit.record(action, actor=actor, obj=row, changes=changes, note=note)
    event.at = now


def add_holiday(
    *,
    day: date,
    name: str,
    is_working_day: bool,
    actor,
    now: datetime,
    session: Session | None = None,
) -> Holiday:
    session = session or db.session
    _require(actor)
    _check(session, day, is_working_day, None)
    row = Holiday(day=day, name=name, is_working_day=is_working_day)
    session.add(row)
    _flush(session, day)
    _audit("holiday.create", row, {k: [None, v] for k, v in _state(row).items()}, actor, now)
    return row


def update_holiday(
    row: Holiday,
    *,
    day: date,
    name: str,
    is_working_day: bool,
    reason: str,
    actor,
    now: datetime,
    session: Session | None = None,
) -> Holiday:
    session = session or db.session
    _require(actor)
    if not (reason or "").strip():
        raise HolidayError(_("Please give a reason."), "reason")
    _check(session, day, is_working_day, row.id)
    before = _state(row)
    row.day, row.name, row.is_working_day = day, name, is_working_day
    after = _state(row)
    changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    _flush(session, day)
    _audit("holiday.update", row, changes, actor, now, note=reason)
    return row


def delete_holiday(
    row: Holiday, *, reason: str, actor, now: datetime, session: Session | None = None
) -> None:
    session = session or db.session
    _require(actor)
    if not (reason or "").strip():
        raise HolidayError(_("Please give a reason."), "reason")
    _audit(
        "holiday.delete", row, {k: [v, None] for k, v in _state(row).items()}, actor, now, reason
    )
    session.delete(row)
    session.flush()


@dataclass(frozen=True)
class FixedDatesResult:
    added: list[Holiday]
    skipped: list[date]  # days already in the table (as a holiday or a làm bù day)


def add_fixed_date_holidays(
    year: int, *, actor, now: datetime, session: Session | None = None
) -> FixedDatesResult:
    """The fixed-date public holidays of ``year`` (FIXED_DATE_HOLIDAYS) not yet in the
    table; a day already there, whatever its row says, is left as the Office entered it."""
    session = session or db.session
    _require(actor)
    days = [date(year, month, dom) for month, dom, _name in FIXED_DATE_HOLIDAYS]
    present = set(session.scalars(select(Holiday.day).where(Holiday.day.in_(days))))
    added, skipped = [], []
    for (_month, _dom, name), day in zip(FIXED_DATE_HOLIDAYS, days, strict=True):
        if day in present:
            skipped.append(day)
            continue
        row = Holiday(day=day, name=name, is_working_day=False)
        session.add(row)
        session.flush()
        _audit(
            "holiday.create",
            row,
            {k: [None, v] for k, v in _state(row).items()},
            actor,
            now,
            note=f"Ngày lễ cố định năm {year} (Bộ luật Lao động 2019, Điều 112)",
        )
        added.append(row)
    return FixedDatesResult(added, skipped)
