"""Deadlines in the forms offices write, and dates that are not deadlines.

A date is a deadline only when a deadline word comes right before it ("trước ngày", "chậm nhất",
"đến", "hoàn thành trong", "trong tháng", "trong quý", "trong năm", "trong N ngày làm việc");
a meeting date ("Sáng 3.3"), a cited document's date ("Công văn số 12/UBND ngày 5/3/2021") or a
past assignment is not taken for one. A year-less date takes the document's year. Working days
count from the issue date through the WorkingCalendar (calendar.py), the one place for that rule.
"""

from __future__ import annotations

import calendar as _calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from ..calendar import WorkingCalendar
from .textutil import fold_same_length


@dataclass(frozen=True)
class Deadline:
    due_on: date
    start: int
    end: int
    written: str
    kind: str = "day"


_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_NUMBER_WORDS = {
    "mot": 1,
    "hai": 2,
    "ba": 3,
    "bon": 4,
    "nam": 5,
    "sau": 6,
    "bay": 7,
    "tam": 8,
    "chin": 9,
    "muoi": 10,
    "muoi lam": 15,
}

# Words that make the date after them a deadline (folded).
# "tính đến ngày 30/4, toàn tỉnh mới giải ngân 20%": a reckoning date, not a deadline.
_CUE = (
    r"(?<![a-z])(?:truoc|cham nhat(?: la)?(?: vao)?|muon nhat|han chot|thoi han(?: hoan thanh)?(?: la)?|"
    r"hoan thanh(?: truoc| xong truoc| trong| vao)?|xong truoc|(?<!tinh )den|han|trong|ngay trong|"
    r"khong qua|xong trong|han cuoi)"
)
_DMY = r"(\d{1,2})\s*[/\-.]\s*(\d{1,2})(?:\s*[/\-.]\s*(\d{4}))?(?![\d/.\-]*\d)"
_LONG = r"(\d{1,2})\s+thang\s+(\d{1,2})(?:\s*(?:nam|,)\s*(\d{4}))?"
_TIME = r"(?:\d{1,2}\s*(?:gio|h)(?:\s*\d{1,2}(?:\s*phut)?)?\s*(?:sang|chieu|toi)?\s*,?\s*)?"
_DAY = rf"(?:ngay\s+)?(?:{_LONG}|{_DMY})"

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "workdays",
        re.compile(
            r"(?:trong (?:vong |thoi han )?|truoc |cham nhat (?:la )?|sau |khong qua )"
            r"(\d{1,3}|[a-z]+(?: [a-z]+)?) \(?(?:\d+\)? )?ngay( lam viec)?"
            r"(?! (?:dau|cuoi|truoc|qua))"
        ),
    ),
    (
        "quarter",
        re.compile(
            r"(?:trong|truoc|het|cuoi|hoan thanh trong) quy (iv|iii|ii|i|[1-4])(?:\s*(?:nam|/)\s*(\d{4}))?"
        ),
    ),
    ("half", re.compile(r"(6|sau) thang (dau|cuoi) nam(?:\s*(\d{4}))?")),
    (
        "month",
        re.compile(
            r"(?:trong|truoc het|het|cuoi|hoan thanh trong) thang (\d{1,2})(?:\s*(?:nam|[/\-.])\s*(\d{4}))?(?![\d/])"
        ),
    ),
    ("year", re.compile(r"(?:trong|truoc|cuoi|hoan thanh trong) nam (\d{4})")),
    ("day", re.compile(rf"{_CUE}\s*(?::\s*)?{_TIME}{_DAY}")),
)


def choose(deadlines: list[Deadline]) -> Deadline | None:
    """A task's deadline: the first exact date or count of days, else the first period
    ("báo cáo kết quả 6 tháng đầu năm trước ngày 15/6" is due on 15/6)."""
    for deadline in deadlines:
        if deadline.kind in ("day", "workdays"):
            return deadline
    return deadlines[0] if deadlines else None


def _valid(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _count(word: str) -> int | None:
    if word.isdigit():
        return int(word)
    return _NUMBER_WORDS.get(word)


def find_deadlines(
    text: str,
    start: int,
    end: int,
    issued_on: date | None,
    calendar: WorkingCalendar,
    year: int | None = None,
    folded: str | None = None,
) -> list[Deadline]:
    """Deadlines in text[start:end], in order of appearance."""
    folded = fold_same_length(text) if folded is None else folded
    year = year or (issued_on.year if issued_on else None)
    found: list[Deadline] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(folded, start, end):
            if any(not (m.end() <= a or m.start() >= b) for a, b in taken):
                continue
            due = _resolve(kind, m, issued_on, calendar, year)
            if due is None:
                continue
            taken.append((m.start(), m.end()))
            found.append(Deadline(due, m.start(), m.end(), text[m.start() : m.end()], kind))
    found.sort(key=lambda d: d.start)
    return found


def _resolve(
    kind: str,
    m: re.Match[str],
    issued_on: date | None,
    calendar: WorkingCalendar,
    year: int | None,
) -> date | None:
    g = m.groups()
    if kind == "workdays":
        n = _count(g[0])
        if n is None or issued_on is None or n > 365:
            return None
        if g[1]:
            return calendar.add_working_days(issued_on, n)
        return issued_on + timedelta(days=n)
    if kind == "quarter":
        y = int(g[1]) if g[1] else year
        if y is None:
            return None
        q = _ROMAN[g[0]]
        month = 3 * q
        return date(y, month, _calendar.monthrange(y, month)[1])
    if kind == "half":
        y = int(g[2]) if g[2] else year
        if y is None:
            return None
        return date(y, 6, 30) if g[1] == "dau" else date(y, 12, 31)
    if kind == "month":
        month = int(g[0])
        y = int(g[1]) if g[1] else year
        if y is None or not 1 <= month <= 12:
            return None
        return date(y, month, _calendar.monthrange(y, month)[1])
    if kind == "year":
        y = int(g[0])
        return date(y, 12, 31)
    # day: the long form's groups first, then the numeric form's
    day_, month_, year_ = (g[0], g[1], g[2]) if g[0] else (g[3], g[4], g[5])
    y = int(year_) if year_ else year
    if y is None:
        return None
    return _valid(y, int(month_), int(day_))


def parse_date(text: str) -> date | None:
    """The first full date in text ('ngày 08 tháng 3 năm 2021', '08/3/2021', '08-3-2021')."""
    folded = fold_same_length(text)
    m = re.search(r"(\d{1,2})\s+thang\s+(\d{1,2})\s+nam\s+(\d{4})", folded)
    if not m:
        m = re.search(r"(?<!\d)(\d{1,2})\s*[/\-.]\s*(\d{1,2})\s*[/\-.]\s*(\d{4})", folded)
    if not m:
        return None
    return _valid(int(m.group(3)), int(m.group(2)), int(m.group(1)))
