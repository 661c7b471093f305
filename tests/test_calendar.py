from datetime import UTC, date, datetime

import pytest

from tracker.calendar import WorkingCalendar, load_calendar, local_date
from tracker.extensions import db
from tracker.models import Holiday


@pytest.fixture
def cal(app, holidays) -> WorkingCalendar:
    return load_calendar()


def test_weekends_are_not_working_days(cal):
    assert cal.is_working_day(date(2021, 3, 19))  # Friday
    assert not cal.is_working_day(date(2021, 3, 20))  # Saturday
    assert not cal.is_working_day(date(2021, 3, 21))  # Sunday


def test_add_working_days_skips_the_weekend(cal):
    assert cal.add_working_days(date(2021, 3, 19), 1) == date(2021, 3, 22)
    assert cal.add_working_days(date(2021, 3, 22), -1) == date(2021, 3, 19)
    assert cal.add_working_days(date(2021, 3, 22), 0) == date(2021, 3, 22)


def test_add_working_days_skips_the_seeded_holidays(cal):
    # 30/04 (Fri), 01/05 (Sat), 03/05 (Mon, compensating) are off in 2021.
    assert cal.add_working_days(date(2021, 4, 29), 1) == date(2021, 5, 4)
    # Tết Tân Sửu: 10–16/02/2021.
    assert cal.add_working_days(date(2021, 2, 9), 1) == date(2021, 2, 17)
    # Tết Bính Ngọ: 14–22/02/2026.
    assert cal.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 23)
    assert cal.add_working_days(date(2026, 2, 23), -1) == date(2026, 2, 13)


def test_working_days_between(cal):
    assert cal.working_days_between(date(2021, 3, 22), date(2021, 3, 26)) == 4
    assert cal.working_days_between(date(2021, 3, 26), date(2021, 3, 22)) == -4
    assert cal.working_days_between(date(2021, 4, 29), date(2021, 5, 7)) == 4
    assert cal.working_days_between(date(2021, 3, 22), date(2021, 3, 22)) == 0


def test_holidays_are_data_the_office_can_edit(app, holidays):
    saturday = date(2021, 3, 20)
    db.session.add(Holiday(day=saturday, name="Làm bù", is_working_day=True))
    db.session.add(Holiday(day=date(2021, 3, 22), name="Nghỉ bù", is_working_day=False))
    db.session.commit()
    cal = load_calendar()
    assert cal.is_working_day(saturday)
    assert cal.add_working_days(date(2021, 3, 19), 1) == saturday
    assert cal.add_working_days(saturday, 1) == date(2021, 3, 23)


def test_local_date_is_taken_in_ho_chi_minh_time(app):
    assert local_date(datetime(2021, 3, 31, 16, 59, tzinfo=UTC)) == date(2021, 3, 31)
    assert local_date(datetime(2021, 3, 31, 17, 0, tzinfo=UTC)) == date(2021, 4, 1)
    with pytest.raises(ValueError):
        local_date(datetime(2021, 3, 31, 17, 0))


def test_seeding_holidays_twice_adds_nothing(app):
    from tracker.seeding import seed_holidays

    first = seed_holidays()
    assert first >= 25
    assert seed_holidays() == 0
    assert db.session.query(Holiday).count() == first
