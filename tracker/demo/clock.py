"""Time in the demo workload: local dates relative to ``today`` and moments on them."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from ..calendar import WorkingCalendar, local_zone

HISTORY_DAYS = 548  # directives are spread over the ~18 months before today


class Clock:
    """Local dates relative to ``today`` and aware UTC moments on them."""

    def __init__(self, today: date, rng: random.Random):
        self.today = today
        self.rng = rng
        self.zone = local_zone()
        # Moments on today (or later) are put at local midnight: never in the future when
        # ``today`` is the real local date, whatever time the generator runs.
        self.start_of_today = datetime.combine(today, time(), self.zone).astimezone(UTC)

    def moment(self, day: date) -> datetime:
        """A moment in office hours (07:30-17:00 local) of ``day``, as aware UTC."""
        if day >= self.today:
            return self.start_of_today
        local = datetime.combine(day, time(7, 30), self.zone)
        return (local + timedelta(minutes=self.rng.randrange(570))).astimezone(UTC)


def next_working_day(day: date, calendar: WorkingCalendar) -> date:
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    return day


def previous_working_day(day: date, calendar: WorkingCalendar) -> date:
    while not calendar.is_working_day(day):
        day -= timedelta(days=1)
    return day


def vn_date(day: date) -> str:
    return day.strftime("%d/%m/%Y")
