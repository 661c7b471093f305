"""Reporting periods and their scopes (DESIGN §1 "Reports", issue 10).

Months run from the 15th of the previous month to the 14th (Nghị định 09/2019/NĐ-CP);
a period report holds the tasks assigned in it, due in it, or in force in it (lũy kế).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from ..config import Defaults

# Period scopes (issue 10): which tasks a period report holds. The default is the
# setting REPORT_PERIOD_SCOPE; every page, the Excel title block and the CSV name it.
SCOPE_ASSIGNED = "assigned"  # giao trong kỳ: assigned in the period
SCOPE_DUE = "due"  # đến hạn trong kỳ: due date in force on the as-of date in the period
SCOPE_CUMULATIVE = "cumulative"  # lũy kế: in force in the period (carried over + new)
SCOPES = (SCOPE_ASSIGNED, SCOPE_DUE, SCOPE_CUMULATIVE)
SCOPE_LABELS_VI = {
    SCOPE_ASSIGNED: "giao trong kỳ",
    SCOPE_DUE: "đến hạn trong kỳ",
    SCOPE_CUMULATIVE: "lũy kế",
}
SCOPE_RULES_VI = {
    SCOPE_ASSIGNED: "nhiệm vụ được giao từ ngày đầu đến ngày cuối kỳ",
    SCOPE_DUE: "nhiệm vụ có thời hạn (đang có hiệu lực) trong kỳ",
    SCOPE_CUMULATIVE: (
        "nhiệm vụ còn hiệu lực trong kỳ: giao đến ngày cuối kỳ, chưa hoàn thành trước "
        "ngày đầu kỳ (kỳ trước chuyển sang và giao mới)"
    ),
}


def default_scope() -> str:
    from flask import current_app, has_app_context

    scope = current_app.config.get("REPORT_PERIOD_SCOPE") if has_app_context() else None
    return scope if scope in SCOPES else SCOPE_ASSIGNED


# --- periods -------------------------------------------------------------------------


class PeriodError(ValueError):
    pass


class PeriodOutOfRange(PeriodError):
    """A period reaching outside DATE_MIN..DATE_MAX (settings): never meant, and the
    working-day arithmetic of such dates is meaningless."""

    def __init__(self, text: str, low: date, high: date):
        super().__init__(
            f"invalid period {text!r}: it must lie between {low:%Y-%m-%d} and {high:%Y-%m-%d}"
        )
        self.low, self.high = low, high


def date_range() -> tuple[date, date]:
    """DATE_MIN..DATE_MAX of the application (the defaults outside one)."""
    from flask import current_app, has_app_context

    config = current_app.config if has_app_context() else {}
    return (
        config.get("DATE_MIN", Defaults.DATE_MIN),
        config.get("DATE_MAX", Defaults.DATE_MAX),
    )


@dataclass(frozen=True)
class Period:
    """A reporting period. Months run from the 15th of the previous month to the 14th
    (Nghị định 09/2019/NĐ-CP); quarters, halves and years are made of such months."""

    start: date
    end: date
    code: str
    scope: str = SCOPE_ASSIGNED  # SCOPES: which tasks the period holds

    @property
    def label(self) -> str:
        return f"{self.start:%d/%m/%Y} – {self.end:%d/%m/%Y}"

    @property
    def scope_label(self) -> str:
        return SCOPE_LABELS_VI[self.scope]

    def with_scope(self, scope: str | None) -> Period:
        return Period(self.start, self.end, self.code, scope or default_scope())


def _month_start(year: int, month: int) -> date:
    """The first day of reporting month ``month``: the 15th of the month before."""
    return date(year - 1, 12, 15) if month == 1 else date(year, month - 1, 15)


def _months(year: int, first: int, last: int, code: str) -> Period:
    return Period(_month_start(year, first), date(year, last, 14), code)


PERIOD_SYNTAX = "YYYY-MM, YYYY-Qn, YYYY-H1, YYYY-H2, YYYY or YYYY-MM-DD..YYYY-MM-DD"


def parse_period(text: str, scope: str | None = None) -> Period:
    """The period ``text`` names (PERIOD_SYNTAX), within DATE_MIN..DATE_MAX, else
    PeriodError (PeriodOutOfRange when it only reaches too far); its scope is ``scope``
    (one of SCOPES), by default the setting REPORT_PERIOD_SCOPE."""
    if scope is not None and scope not in SCOPES:
        raise PeriodError(f"invalid scope {scope!r}: expected one of {', '.join(SCOPES)}")
    period = _parse_period(text)
    low, high = date_range()
    if period.start < low or period.end > high:
        raise PeriodOutOfRange(period.code, low, high)
    return period.with_scope(scope)


def _parse_period(text: str) -> Period:
    text = (text or "").strip()
    try:
        if m := re.fullmatch(r"(\d{4})-(\d{2})", text):
            year, month = int(m[1]), int(m[2])
            if not 1 <= month <= 12:
                raise PeriodError
            return _months(year, month, month, text)
        if m := re.fullmatch(r"(\d{4})-[Qq]([1-4])", text):
            year, q = int(m[1]), int(m[2])
            return _months(year, 3 * q - 2, 3 * q, f"{year}-Q{q}")
        if m := re.fullmatch(r"(\d{4})-[Hh]([12])", text):
            year, h = int(m[1]), int(m[2])
            return _months(year, 6 * h - 5, 6 * h, f"{year}-H{h}")
        if m := re.fullmatch(r"(\d{4})", text):
            return _months(int(m[1]), 1, 12, text)
        if m := re.fullmatch(r"(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})", text):
            start, end = date.fromisoformat(m[1]), date.fromisoformat(m[2])
            if end < start:
                raise PeriodError
            return Period(start, end, text)
    except ValueError as exc:  # PeriodError included; year 0 has no 15 December
        raise PeriodError(f"invalid period {text!r}: expected {PERIOD_SYNTAX}") from exc
    raise PeriodError(f"invalid period {text!r}: expected {PERIOD_SYNTAX}")


def current_month_period(today: date, scope: str | None = None) -> Period:
    year, month = (today.year, today.month) if today.day <= 14 else _next_month(today)
    return _months(year, month, month, f"{year}-{month:02d}").with_scope(scope)


def _next_month(day: date) -> tuple[int, int]:
    return (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
