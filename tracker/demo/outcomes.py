"""Where a demo task stands today: its workflow outcome and the extensions it was granted.

The probabilities are tuned so that the time-status mix looks like a province's published
statistics."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from ..calendar import WorkingCalendar
from ..models import TaskState
from .clock import next_working_day


@dataclass
class Outcome:
    state: TaskState
    progress: int = 0
    submitted_on: date | None = None
    completed_on: date | None = None
    confirmed_on: date | None = None
    return_count: int = 0


@dataclass
class Extension:
    requested_on: date
    decided_on: date
    old_due: date
    new_due: date


class Outcomes:
    """Draws outcomes and extensions from the workload's random stream."""

    def __init__(self, rng: random.Random, today: date, calendar: WorkingCalendar):
        self.rng = rng
        self.today = today
        self.calendar = calendar

    def extensions(self, assigned_on: date, original_due: date) -> list[Extension]:
        """About 10% of tasks had their due date moved once or twice, each time at the unit's
        request (3-10 days before the due date then in force), approved before that date.
        14% are tried because a recent task's request may not fit before today."""
        rng = self.rng
        if rng.random() >= 0.14:
            return []
        extensions: list[Extension] = []
        due = original_due
        for _ in range(1 if rng.random() < 0.75 else 2):
            first = max(assigned_on + timedelta(days=1), due - timedelta(days=10))
            last = min(due - timedelta(days=3), self.today - timedelta(days=1))
            if first > last:
                break
            requested_on = first + timedelta(days=rng.randint(0, (last - first).days))
            decided_on = min(requested_on + timedelta(days=rng.randint(1, 3)), due, self.today)
            new_due = next_working_day(due + timedelta(days=rng.randint(15, 60)), self.calendar)
            extensions.append(Extension(requested_on, decided_on, due, new_due))
            due = new_due
        return extensions

    def outcome(self, assigned_on: date, due: date | None) -> Outcome:
        """Where the task stands today. Tasks long past their due date are mostly done;
        tasks not yet due are mostly under way. The probabilities are tuned so that the
        time-status mix looks like a province's published statistics: about half done
        (mostly on time), 10-20% overdue, the rest in time or due soon."""
        rng = self.rng
        today = self.today
        roll = rng.random()
        if roll < 0.01:
            return Outcome(TaskState.WITHDRAWN)
        if roll < 0.02:
            return Outcome(TaskState.PAUSED)
        roll = rng.random()
        age = (today - assigned_on).days
        if due is None:  # no deadline: done in proportion to its age
            if age > 7 and roll < min(0.6, age / 365):
                return self._completed(assigned_on, assigned_on + timedelta(days=age))
            return Outcome(TaskState.IN_PROGRESS if age > 3 else TaskState.ASSIGNED)
        if due < today:
            late_by = (today - due).days
            p_done = 0.82 if late_by > 60 else 0.7 if late_by > 14 else 0.5
            if roll < p_done:
                if rng.random() < 0.3:  # done after the due date
                    done = due + timedelta(days=1 + int(min(late_by - 1, 60) * rng.random() ** 2))
                    return self._completed(assigned_on, done, earliest=done)
                return self._completed(assigned_on, due)
            if roll < p_done + 0.05:
                return self._submitted(assigned_on)
            return Outcome(TaskState.ASSIGNED if rng.random() < 0.1 else TaskState.IN_PROGRESS)
        # Not yet due: done early in proportion to the time elapsed.
        elapsed = age / max(1, (due - assigned_on).days)
        if age > 3 and roll < 0.3 * elapsed:
            return self._completed(assigned_on, today)
        if age > 1 and roll < 0.38 * elapsed:
            return self._submitted(assigned_on)
        if elapsed < 0.25 and roll > 0.5:
            return Outcome(TaskState.ASSIGNED)
        return Outcome(TaskState.IN_PROGRESS)

    def _completed(self, assigned_on: date, latest: date, earliest: date | None = None) -> Outcome:
        """Completed on a day in [earliest, latest] (by default in the second half of the
        time since assignment), confirmed by the Office one or two days later."""
        rng = self.rng
        if earliest is None:
            span = (latest - assigned_on).days
            earliest = assigned_on + timedelta(days=max(1, span // 2))
        # At the latest yesterday: a result submitted today cannot be confirmed yet.
        latest = min(latest, self.today - timedelta(days=1))
        earliest = min(earliest, latest)
        done = earliest + timedelta(days=rng.randint(0, (latest - earliest).days))
        confirmed = min(done + timedelta(days=rng.randint(1, 2)), self.today)
        returned = 1 if rng.random() < 0.04 else 0
        return Outcome(
            TaskState.COMPLETED,
            progress=100,
            submitted_on=done,
            completed_on=done,
            confirmed_on=confirmed,
            return_count=returned,
        )

    def _submitted(self, assigned_on: date) -> Outcome:
        """Submitted in the last week, waiting for the Office to confirm (one in ten
        was returned once before)."""
        submitted = max(assigned_on, self.today - timedelta(days=self.rng.randint(0, 7)))
        returned = 1 if self.rng.random() < 0.1 else 0
        return Outcome(
            TaskState.AWAITING_CONFIRMATION,
            progress=100,
            submitted_on=submitted,
            return_count=returned,
        )
