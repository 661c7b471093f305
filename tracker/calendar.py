"""Working days, holidays and the local time zone.

A deadline is the end of its day in Asia/Ho_Chi_Minh. Working-day arithmetic skips
Saturdays, Sundays and the holidays kept in the ``holiday`` table, and counts the
compensating working days (làm bù) that table lists on weekends.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"


def local_zone(name: str | None = None) -> ZoneInfo:
    if name is None:
        try:
            from flask import current_app

            name = current_app.config.get("TIMEZONE", DEFAULT_TIMEZONE)
        except RuntimeError:  # outside an application context
            name = DEFAULT_TIMEZONE
    return ZoneInfo(name)


def local_date(moment: datetime | date, zone: ZoneInfo | None = None) -> date:
    """The calendar date in the local zone; a plain date is taken as already local."""
    if isinstance(moment, datetime):
        if moment.tzinfo is None:
            raise ValueError("naive datetime: pass an aware datetime (UTC or local)")
        return moment.astimezone(zone or local_zone()).date()
    return moment


def local_today(now: datetime | None = None) -> date:
    return local_date(now or datetime.now(UTC))


@dataclass(frozen=True)
class WorkingCalendar:
    holidays: frozenset[date] = field(default_factory=frozenset)
    extra_working_days: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def from_rows(cls, rows: Iterable) -> WorkingCalendar:
        """Build from Holiday rows (anything with ``day`` and ``is_working_day``)."""
        holidays, working = set(), set()
        for row in rows:
            (working if row.is_working_day else holidays).add(row.day)
        return cls(frozenset(holidays), frozenset(working))

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_working_days:
            return True
        return day.weekday() < 5 and day not in self.holidays

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after ``start`` (before it when n < 0); n = 0 is ``start``.
        Near the ends of the calendar (year 1, year 9999) it stops at the last day there is."""
        step = 1 if n >= 0 else -1
        day, left = start, abs(n)
        while left and day not in (date.min, date.max):
            day = shift_days(day, step)
            if self.is_working_day(day):
                left -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative when end is before start. Counted by
        whole weeks, so a span of centuries costs no more than one of days."""
        if end < start:
            return -self.working_days_between(end, start)
        total = _weekdays_until(end) - _weekdays_until(start)
        total -= sum(
            1
            for day in self.holidays
            if start < day <= end and day.weekday() < 5 and day not in self.extra_working_days
        )
        total += sum(
            1 for day in self.extra_working_days if start < day <= end and day.weekday() >= 5
        )
        return total


def _weekdays_until(day: date) -> int:
    """Monday-to-Friday days from 1 January of year 1 (a Monday) up to ``day`` included."""
    weeks, rest = divmod(day.toordinal(), 7)
    return 5 * weeks + min(rest, 5)


def shift_days(day: date, days: int) -> date:
    """``day`` plus ``days`` calendar days, kept within the dates Python has."""
    ordinal = day.toordinal() + days
    return date.fromordinal(min(max(ordinal, date.min.toordinal()), date.max.toordinal()))


def load_calendar(session=None) -> WorkingCalendar:
    """The working calendar from the holiday table."""
    from .extensions import db
    from .models import Holiday

    session = session or db.session
    return WorkingCalendar.from_rows(session.query(Holiday).all())


def years_without_holidays(today: date, session=None) -> list[int]:
    """Of the current and the next year, those with no holiday in the table (a làm bù
    working day does not count): their Tết would count as working days."""
    from .extensions import db
    from .models import Holiday

    session = session or db.session
    missing = []
    for year in (today.year, today.year + 1):
        found = session.scalar(
            db.select(Holiday.id)
            .where(
                Holiday.day >= date(year, 1, 1),
                Holiday.day <= date(year, 12, 31),
                Holiday.is_working_day.is_(False),
            )
            .limit(1)
        )
        if found is None:
            missing.append(year)
    return missing
