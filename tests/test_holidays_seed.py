"""seeds/holidays.yaml through 2027 and the dashboard's warning when a year has none."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import pytest
from lunardate import LunarDate
from sqlalchemy import delete, extract

from tracker.calendar import load_calendar, years_without_holidays
from tracker.extensions import db
from tracker.models import Holiday
from tracker.seeding import DEFAULT_HOLIDAYS, read_yaml

YEARS = range(2021, 2028)
# From the brief, checked against the lunar calendar below.
TET = {2022: "2022-02-01", 2023: "2023-01-22", 2024: "2024-02-10", 2025: "2025-01-29",
       2026: "2026-02-17", 2027: "2027-02-06"}  # fmt: skip
GIO_TO = {2022: "2022-04-10", 2023: "2023-04-29", 2024: "2024-04-18", 2025: "2025-04-07",
          2026: "2026-04-26", 2027: "2027-04-16"}  # fmt: skip


def seeded_rows() -> list[dict]:
    rows = read_yaml(DEFAULT_HOLIDAYS)["holidays"]
    return [{**rec, "date": date.fromisoformat(str(rec["date"]))} for rec in rows]


def test_lunar_dates_match_the_lunar_calendar():
    """Tết (1/1 âm lịch) and Giỗ Tổ (10/3 âm lịch) of every year are holiday rows. The
    Chinese calendar (lunardate, a test-only dependency) agrees with the Vietnamese one on
    these years; they differ only when a new moon falls between 16:00 and 17:00 UTC."""
    days = {rec["date"] for rec in seeded_rows() if not rec.get("working_day")}
    for year in YEARS:
        tet = LunarDate(year, 1, 1).to_solar_date()
        gio_to = LunarDate(year, 3, 10).to_solar_date()
        assert tet in days and gio_to in days, year
        if year in TET:
            assert tet == date.fromisoformat(TET[year])
            assert gio_to == date.fromisoformat(GIO_TO[year])
        # The last day of the lunar year is off too (every arrangement of the 5 Tết days).
        assert date.fromordinal(tet.toordinal() - 1) in days, year


def test_every_year_gives_the_eleven_days_off_of_the_labour_code():
    """Art. 112: 11 paid days off a year; a day that falls on a weekend is made up on a
    weekday (art. 111(3)); a hoán đổi adds a weekday off and a Saturday worked. So in each
    year the weekdays off less the Saturdays worked are exactly 11, and the fixed-date days
    are there."""
    by_year: dict[int, int] = defaultdict(int)
    days = set()
    for rec in seeded_rows():
        day = rec["date"]
        days.add(day)
        if rec.get("working_day"):
            assert day.weekday() >= 5, day
            by_year[day.year] -= 1
        elif day.weekday() < 5:
            by_year[day.year] += 1
    assert dict(by_year) == {year: 11 for year in YEARS}
    for year in YEARS:
        for month, dom in ((1, 1), (4, 30), (5, 1), (9, 2)):
            assert date(year, month, dom) in days


def test_seeded_table_counts_working_days_around_tet(app, holidays):
    cal = load_calendar()
    # February 2027: 20 weekdays, Tết Đinh Mùi takes 04, 05, 08, 09 and 10/02.
    assert cal.working_days_between(date(2027, 1, 31), date(2027, 2, 28)) == 15
    assert cal.add_working_days(date(2027, 2, 3), 1) == date(2027, 2, 11)
    # Tết Ất Tỵ 2025: 25/01–02/02, none of it a working day; back to work on 03/02.
    assert not any(cal.is_working_day(date(2025, 1, d)) for d in range(25, 32))
    assert cal.add_working_days(date(2025, 1, 24), 1) == date(2025, 2, 3)
    # 30/4–01/5/2025: Friday 02/05 off, Saturday 26/04 worked.
    assert cal.is_working_day(date(2025, 4, 26)) and not cal.is_working_day(date(2025, 5, 2))
    # A holiday on a Sunday is made up on the Monday: Giỗ Tổ 10/04/2022 → 11/04.
    assert not cal.is_working_day(date(2022, 4, 11))
    # January 2026: 22 weekdays less 01 and 02/01, plus Saturday 10/01 → 21.
    assert cal.working_days_between(date(2025, 12, 31), date(2026, 1, 31)) == 21


def test_years_without_holidays(app, holidays):
    assert years_without_holidays(date(2026, 6, 1)) == []
    assert years_without_holidays(date(2027, 12, 31)) == [2028]
    db.session.add(Holiday(day=date(2028, 1, 8), name="Làm bù", is_working_day=True))
    db.session.flush()
    assert years_without_holidays(date(2027, 1, 1)) == [2028], "a làm bù day is no holiday"
    db.session.add(Holiday(day=date(2028, 1, 1), name="Tết Dương lịch"))
    db.session.flush()
    assert years_without_holidays(date(2027, 1, 1)) == []
    assert years_without_holidays(date(2030, 3, 1)) == [2030, 2031]


WARNING = "Chưa có lịch nghỉ lễ năm 2027:"


@pytest.fixture
def in_2026(monkeypatch):
    monkeypatch.setattr("tracker.blueprints.reports.local_today", lambda: date(2026, 6, 1))


@pytest.mark.parametrize(
    "role, warned",
    [("office", True), ("admin", True), ("leader", False), ("unit_head", False),
     ("viewer", False), ("unit_staff", False)],
)  # fmt: skip
def test_dashboard_warns_the_office_and_admin_of_a_year_without_holidays(
    app, holidays, users, client, login_as, in_2026, role, warned
):
    db.session.execute(delete(Holiday).where(extract("year", Holiday.day) == 2027))
    db.session.commit()
    login_as(role)
    response = client.get("/dashboard")
    html = response.get_data(as_text=True)
    if role == "unit_staff":  # no dashboard for unit staff at all
        assert response.status_code in (403, 404)
    else:
        assert response.status_code == 200
    assert html.count(WARNING) == (1 if warned else 0)
    assert "Chưa có lịch nghỉ lễ năm 2026" not in html


def test_dashboard_has_no_warning_with_the_full_table(
    app, holidays, users, client, login_as, in_2026
):
    login_as("office")
    response = client.get("/dashboard")
    assert response.status_code == 200
    assert "Chưa có lịch nghỉ lễ" not in response.get_data(as_text=True)
