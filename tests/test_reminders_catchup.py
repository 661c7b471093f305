"""Catch-up planning: days the planner missed are planned afterwards, once, with only what
is still true today (issue 9, item 7). March 2021 has no public holiday; 1 March is a Monday."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from tests.conftest import make_task
from tests.test_reminders import Office, at
from tracker.extensions import db
from tracker.models import OutboxMessage, PlannerState, TaskState
from tracker.reminders import planner


def plan(moment):
    result = planner.plan(moment)
    db.session.commit()
    return result


def planned():
    """The outbox as (kind, task title or "digest", day, days) for each row, once."""
    db.session.commit()
    found = set()
    for row in db.session.scalars(select(OutboxMessage)):
        days = (row.payload or {}).get("days")
        found.add((row.kind, row.task.title if row.task else "digest", row.day, days))
    return found


def task(o: Office, title: str, due_on: date, **kw):
    return make_task(
        o.directive,
        o.lead,
        title=title,
        assigned_on=kw.pop("assigned_on", date(2021, 2, 1)),
        due_on=due_on,
        focal_person=o.focal,
        monitor=o.monitor,
        assigned_by=o.leader,
        **kw,
    )


def test_a_planner_that_missed_the_morning_plans_that_days_reminders(app):
    o = Office()
    task(o, "soon", date(2021, 3, 10))  # 1 working day after Tuesday 9
    task(o, "today", date(2021, 3, 9))
    db.session.commit()
    plan(at(date(2021, 3, 8), 8))  # Monday: planned in full
    assert db.session.get(PlannerState, "reminders").daily_planned_on == date(2021, 3, 8)
    plan(at(date(2021, 3, 9), 6))  # Tuesday 06:00: before the daily time, no day reminder
    assert {(k, t) for k, t, d, _ in planned() if d == date(2021, 3, 9)} == set()

    plan(at(date(2021, 3, 9), 10))  # the scheduler was down from 06:00 to 10:00
    tuesday = {(k, t, n) for k, t, d, n in planned() if d == date(2021, 3, 9)}
    assert tuesday == {("due_soon", "soon", 1), ("due_today", "today", 0)}
    assert db.session.get(PlannerState, "reminders").daily_planned_on == date(2021, 3, 9)


def test_a_planner_down_for_two_days_plans_what_is_still_true_once_today(app):
    o = Office()
    # Each would have had a reminder on Monday 8 or Tuesday 9, both missed.
    task(o, "still due later", date(2021, 3, 15))  # due soon (5 working days) on Monday
    task(o, "overdue since Monday", date(2021, 3, 8))  # due today Monday, overdue Tuesday
    task(o, "due Tuesday", date(2021, 3, 9))  # due today Tuesday, overdue today anyway
    task(o, "completed", date(2021, 3, 15), state=TaskState.COMPLETED)
    task(o, "withdrawn", date(2021, 3, 15), state=TaskState.WITHDRAWN)
    # Due on the 15th when it was planned to be reminded; extended since.
    task(o, "extended", date(2021, 4, 30), original_due_on=date(2021, 3, 15))
    task(o, "assigned while down", date(2021, 5, 31), assigned_on=date(2021, 3, 9))
    db.session.commit()
    plan(at(date(2021, 3, 5), 8))  # Friday, the last day planned
    before = planned()

    wednesday = date(2021, 3, 10)
    result = plan(at(wednesday, 10))
    assert result.caught_up == [date(2021, 3, 7), date(2021, 3, 8), date(2021, 3, 9)]
    new = planned() - before
    assert {(k, t, d, n) for k, t, d, n in new} == {
        # What Monday or Tuesday would have said, as of today, in today's mail.
        ("due_soon", "still due later", wednesday, 3),
        ("overdue", "overdue since Monday", wednesday, 2),
        ("overdue", "due Tuesday", wednesday, 1),
        # Missed Monday's weekly digest: sent today, as of today.
        ("digest", "digest", wednesday, None),
        # An assignment keeps its own day, as one found by the assignment look-back.
        ("assigned", "assigned while down", date(2021, 3, 9), None),
    }
    # Running again, or the next day, adds nothing more for those days.
    assert plan(at(wednesday, 10, 15)).inserted == 0
    thursday = plan(at(date(2021, 3, 11), 8))
    assert thursday.caught_up == []
    assert not {t for k, t, d, n in planned() if d == date(2021, 3, 11)} & {
        "still due later",
        "overdue since Monday",
    }


def test_a_monday_planned_before_the_digest_time_gets_its_digest_caught_up_alone(app):
    o = Office()
    task(o, "still due later", date(2021, 3, 15))
    db.session.commit()
    plan(at(date(2021, 3, 5), 8))
    plan(at(date(2021, 3, 8), 7, 15))  # Monday: day reminders done, digest not yet (07:30)
    state = db.session.get(PlannerState, "reminders")
    assert (state.daily_planned_on, state.digest_planned_on) == (date(2021, 3, 8), date(2021, 3, 7))
    plan(at(date(2021, 3, 9), 8))  # the scheduler was down until Tuesday
    rows = planned()
    assert ("digest", "digest", date(2021, 3, 9), None) in rows
    # Monday's due-soon notice went out on Monday; Tuesday repeats nothing of it.
    assert {(k, d) for k, t, d, n in rows if k == "due_soon"} == {("due_soon", date(2021, 3, 8))}


def test_nothing_older_than_the_catch_up_window_is_planned(app):
    o = Office()
    task(o, "due soon on Thursday 11", date(2021, 3, 18))  # 5 working days from the 11th
    task(o, "due soon on Friday 12", date(2021, 3, 19))  # 5 working days from the 12th
    db.session.commit()
    plan(at(date(2021, 3, 1), 8))
    monday = date(2021, 3, 15)
    result = plan(at(monday, 10))  # down for two weeks; the window is 3 days
    assert result.caught_up == [date(2021, 3, 12), date(2021, 3, 13), date(2021, 3, 14)]
    soon = {(t, d, n) for k, t, d, n in planned() if k == "due_soon"}
    assert soon == {("due soon on Friday 12", monday, 4)}


def test_the_catch_up_window_is_a_setting(app):
    app.config["REMINDER_CATCH_UP_DAYS"] = 0
    o = Office()
    task(o, "due soon on Tuesday 9", date(2021, 3, 16))
    db.session.commit()
    plan(at(date(2021, 3, 8), 8))
    assert plan(at(date(2021, 3, 10), 8)).caught_up == []
    assert not {k for k, t, d, n in planned() if k == "due_soon"}
