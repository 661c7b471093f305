"""The official time status: one table of cases drives the Python rule and the SQL rule,
on the real database, and they must agree with the table row for row."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from tracker.calendar import WorkingCalendar, load_calendar
from tracker.extensions import db
from tracker.models import Task
from tracker.status import StatusContext, TimeStatus, time_status, time_status_sql

from .conftest import make_directive, make_task, make_unit

S = TimeStatus
D = date

# as_of, state, due date, completion date, expected. Holidays: seeds/holidays.yaml
# (30/04, 01/05 and 03/05/2021 off; Tết 10–16/02/2021).
CASES = [
    # completed
    (
        "done on the due date",
        D(2021, 4, 10),
        "completed",
        D(2021, 3, 31),
        D(2021, 3, 31),
        S.DONE_ON_TIME,
    ),
    (
        "done a day early",
        D(2021, 4, 10),
        "completed",
        D(2021, 3, 31),
        D(2021, 3, 30),
        S.DONE_ON_TIME,
    ),
    ("done a day late", D(2021, 4, 10), "completed", D(2021, 3, 31), D(2021, 4, 1), S.DONE_LATE),
    (
        "done late, as of the completion day",
        D(2021, 4, 1),
        "completed",
        D(2021, 3, 31),
        D(2021, 4, 1),
        S.DONE_LATE,
    ),
    (
        "done later than the as-of date: still open then, overdue",
        D(2021, 4, 5),
        "completed",
        D(2021, 3, 31),
        D(2021, 4, 8),
        S.OVERDUE,
    ),
    (
        "done later than the as-of date: still open then, in time",
        D(2021, 3, 1),
        "completed",
        D(2021, 3, 31),
        D(2021, 3, 20),
        S.IN_TIME,
    ),
    # open
    ("open, due today", D(2021, 3, 31), "in_progress", D(2021, 3, 31), None, S.DUE_SOON),
    ("open, overdue by one day", D(2021, 4, 1), "in_progress", D(2021, 3, 31), None, S.OVERDUE),
    ("open, overdue a long time", D(2021, 12, 31), "assigned", D(2021, 3, 31), None, S.OVERDUE),
    (
        "awaiting confirmation counts as not completed",
        D(2021, 4, 1),
        "awaiting_confirmation",
        D(2021, 3, 31),
        None,
        S.OVERDUE,
    ),
    ("paused counts as not completed", D(2021, 3, 1), "paused", D(2021, 3, 31), None, S.IN_TIME),
    ("open, far from due", D(2021, 3, 8), "in_progress", D(2021, 6, 30), None, S.IN_TIME),
    (
        "3 working days left (Mon -> Thu)",
        D(2021, 3, 22),
        "in_progress",
        D(2021, 3, 25),
        None,
        S.DUE_SOON,
    ),
    (
        "4 working days left (Mon -> Fri)",
        D(2021, 3, 22),
        "in_progress",
        D(2021, 3, 26),
        None,
        S.IN_TIME,
    ),
    (
        "across a weekend: Thu -> Tue is 3 working days",
        D(2021, 3, 18),
        "in_progress",
        D(2021, 3, 23),
        None,
        S.DUE_SOON,
    ),
    (
        "across a weekend: Thu -> Wed is 4 working days",
        D(2021, 3, 18),
        "in_progress",
        D(2021, 3, 24),
        None,
        S.IN_TIME,
    ),
    (
        "due on a Saturday, 2 working days away",
        D(2021, 3, 24),
        "in_progress",
        D(2021, 3, 27),
        None,
        S.DUE_SOON,
    ),
    (
        "holidays 30/04-03/05: Thu 29/04 -> Wed 05/05 is 2 working days",
        D(2021, 4, 29),
        "in_progress",
        D(2021, 5, 5),
        None,
        S.DUE_SOON,
    ),
    (
        "holidays 30/04-03/05: Thu 29/04 -> Fri 07/05 is 4 working days",
        D(2021, 4, 29),
        "in_progress",
        D(2021, 5, 7),
        None,
        S.IN_TIME,
    ),
    (
        "Tết: Tue 09/02 -> Fri 19/02 is 3 working days",
        D(2021, 2, 9),
        "in_progress",
        D(2021, 2, 19),
        None,
        S.DUE_SOON,
    ),
    (
        "Tết: Tue 09/02 -> Mon 22/02 is 4 working days",
        D(2021, 2, 9),
        "in_progress",
        D(2021, 2, 22),
        None,
        S.IN_TIME,
    ),
    # no deadline
    ("no deadline, open", D(2021, 12, 31), "in_progress", None, None, S.NO_DEADLINE_OPEN),
    ("no deadline, done", D(2021, 12, 31), "completed", None, D(2021, 5, 1), S.NO_DEADLINE_DONE),
    # withdrawn
    ("withdrawn while overdue", D(2021, 12, 31), "withdrawn", D(2021, 3, 31), None, S.WITHDRAWN),
    ("withdrawn without deadline", D(2021, 12, 31), "withdrawn", None, None, S.WITHDRAWN),
    (
        "withdrawn after completion",
        D(2021, 12, 31),
        "withdrawn",
        D(2021, 3, 31),
        D(2021, 3, 1),
        S.WITHDRAWN,
    ),
]

ALL_AS_OF = sorted({case[1] for case in CASES})


def _calendar_from_seed(app) -> WorkingCalendar:
    from tracker.seeding import seed_holidays

    seed_holidays()
    return load_calendar()


@pytest.mark.parametrize("name,as_of,state,due,done,expected", CASES, ids=[c[0] for c in CASES])
def test_python_rule(app, name, as_of, state, due, done, expected):
    ctx = StatusContext.build(as_of, _calendar_from_seed(app))
    task = SimpleNamespace(state=state, current_due_on=due, completed_on=done)
    assert time_status(task, ctx) == expected


def test_sql_rule_agrees_with_the_table_row_for_row(app):
    calendar = _calendar_from_seed(app)
    directive = make_directive()
    unit = make_unit()
    ids = {}
    for index, (name, _as_of, state, due, done, _expected) in enumerate(CASES, start=1):
        task = make_task(directive, unit, item_no=index, state=state, due_on=due, completed_on=done)
        ids[task.id] = name
    db.session.commit()
    by_name = {c[0]: c for c in CASES}
    for as_of in ALL_AS_OF:
        ctx = StatusContext.build(as_of, calendar)
        rows = db.session.execute(select(Task.id, time_status_sql(ctx))).all()
        tasks = {t.id: t for t in db.session.scalars(select(Task))}
        for task_id, sql_value in rows:
            assert sql_value == time_status(tasks[task_id], ctx), (ids[task_id], as_of)
        # And for the rows whose own as-of date this is, both equal the table.
        for task_id, sql_value in rows:
            case = by_name[ids[task_id]]
            if case[1] == as_of:
                assert sql_value == case[5], case[0]


def test_sql_rule_groups_in_one_query(app):
    directive, unit = make_directive(), make_unit()
    for index, (_n, _a, state, due, done, _e) in enumerate(CASES, start=1):
        make_task(directive, unit, item_no=index, state=state, due_on=due, completed_on=done)
    db.session.commit()
    ctx = StatusContext.build(D(2021, 4, 10), WorkingCalendar())
    expr = time_status_sql(ctx)
    counts = dict(db.session.execute(select(expr, db.func.count()).group_by(expr)).all())
    expected: dict[str, int] = {}
    for task in db.session.scalars(select(Task)):
        key = time_status(task, ctx).value
        expected[key] = expected.get(key, 0) + 1
    assert counts == expected
    assert sum(counts.values()) == len(CASES)


def test_overdue_from_one_minute_past_midnight_local_time():
    """A deadline is the end of its day in Asia/Ho_Chi_Minh (UTC+7)."""
    task = SimpleNamespace(state="in_progress", current_due_on=D(2021, 3, 31), completed_on=None)
    late_evening = datetime(2021, 3, 31, 16, 59, tzinfo=UTC)  # 23:59 local
    just_after = datetime(2021, 3, 31, 17, 1, tzinfo=UTC)  # 00:01 local on 01/04
    calendar = WorkingCalendar()
    assert time_status(task, StatusContext.build(late_evening, calendar)) == S.DUE_SOON
    assert time_status(task, StatusContext.build(just_after, calendar)) == S.OVERDUE


def test_a_task_counts_until_the_day_it_was_withdrawn(app):
    """Withdrawn tasks leave the statistics from their withdrawal date on; as of an
    earlier date they counted as what they were then. Both forms of the rule agree."""
    directive, unit = make_directive(), make_unit()
    withdrawn = make_task(
        directive,
        unit,
        item_no=1,
        state="withdrawn",
        due_on=D(2021, 3, 31),
        withdrawn_on=D(2021, 6, 1),
    )
    legacy = make_task(directive, unit, item_no=2, state="withdrawn", due_on=D(2021, 3, 31))
    db.session.commit()
    calendar = WorkingCalendar()
    expected = {
        D(2021, 3, 1): {withdrawn.id: S.IN_TIME, legacy.id: S.WITHDRAWN},
        D(2021, 5, 31): {withdrawn.id: S.OVERDUE, legacy.id: S.WITHDRAWN},
        D(2021, 6, 1): {withdrawn.id: S.WITHDRAWN, legacy.id: S.WITHDRAWN},
    }
    for as_of, statuses in expected.items():
        ctx = StatusContext.build(as_of, calendar)
        sql = dict(db.session.execute(select(Task.id, time_status_sql(ctx))).all())
        python = {t.id: time_status(t, ctx) for t in db.session.scalars(select(Task))}
        assert sql == python == statuses, as_of


# --- history cases (issue 10): every fact as it stood on the as-of date --------------------
#
# name, as_of, corrected view?, task columns, due-date changes (effective, old, new), state
# changes (effective, old, new), expected status, expected "chờ xác nhận".
W = "awaiting_confirmation"
HISTORY_CASES = [
    (
        "extension approved after D: overdue on D by the old due date",
        D(2021, 3, 15), False, dict(state="in_progress", due=D(2021, 3, 31)),
        [(D(2021, 3, 20), D(2021, 3, 10), D(2021, 3, 31))], [], S.OVERDUE, False,
    ),
    (
        "extension approved before D: the new due date",
        D(2021, 3, 22), False, dict(state="in_progress", due=D(2021, 3, 31)),
        [(D(2021, 3, 20), D(2021, 3, 10), D(2021, 3, 31))], [], S.IN_TIME, False,
    ),
    (
        "extension approved on D counts on D",
        D(2021, 3, 20), False, dict(state="in_progress", due=D(2021, 3, 31)),
        [(D(2021, 3, 20), D(2021, 3, 10), D(2021, 3, 31))], [], S.IN_TIME, False,
    ),
    (
        "two extensions: the latest in force on D",
        D(2021, 4, 5), False, dict(state="in_progress", due=D(2021, 5, 31)),
        [(D(2021, 3, 20), D(2021, 3, 10), D(2021, 3, 31)),
         (D(2021, 4, 10), D(2021, 3, 31), D(2021, 5, 31))], [], S.OVERDUE, False,
    ),
    (
        "deadline set after D: no deadline on D",
        D(2021, 3, 15), False, dict(state="in_progress", due=D(2021, 3, 5)),
        [(D(2021, 3, 20), None, D(2021, 3, 5))], [], S.NO_DEADLINE_OPEN, False,
    ),
    (
        "deadline set before D: overdue",
        D(2021, 3, 21), False, dict(state="in_progress", due=D(2021, 3, 5)),
        [(D(2021, 3, 20), None, D(2021, 3, 5))], [], S.OVERDUE, False,
    ),
    (
        "deadline removed after D: overdue on D",
        D(2021, 3, 15), False, dict(state="in_progress", due=None),
        [(D(2021, 3, 20), D(2021, 3, 10), None)], [], S.OVERDUE, False,
    ),
    (
        "deadline removed before D: no deadline",
        D(2021, 3, 21), False, dict(state="in_progress", due=None),
        [(D(2021, 3, 20), D(2021, 3, 10), None)], [], S.NO_DEADLINE_OPEN, False,
    ),
    (
        "confirmed after D: not completed on D, awaiting confirmation, in time",
        D(2021, 7, 6), False,
        dict(state="completed", due=D(2021, 7, 31), completed_on=D(2021, 7, 5),
             confirmed_on=D(2021, 7, 8)),
        [], [(D(2021, 7, 5), "in_progress", W), (D(2021, 7, 8), W, "completed")],
        S.IN_TIME, True,
    ),
    (
        "confirmed after D, corrected view: completed on time as of the submission",
        D(2021, 7, 6), True,
        dict(state="completed", due=D(2021, 7, 31), completed_on=D(2021, 7, 5),
             confirmed_on=D(2021, 7, 8)),
        [], [(D(2021, 7, 5), "in_progress", W), (D(2021, 7, 8), W, "completed")],
        S.DONE_ON_TIME, False,
    ),
    (
        "confirmed on D: completed on D, on time by the submission date",
        D(2021, 7, 8), False,
        dict(state="completed", due=D(2021, 7, 6), completed_on=D(2021, 7, 5),
             confirmed_on=D(2021, 7, 8)),
        [], [(D(2021, 7, 5), "in_progress", W), (D(2021, 7, 8), W, "completed")],
        S.DONE_ON_TIME, False,
    ),
    (
        "submitted after the due date, confirmed after D: overdue on D, awaiting",
        D(2021, 7, 6), False,
        dict(state="completed", due=D(2021, 7, 1), completed_on=D(2021, 7, 5),
             confirmed_on=D(2021, 7, 8)),
        [], [(D(2021, 7, 5), "in_progress", W), (D(2021, 7, 8), W, "completed")],
        S.OVERDUE, True,
    ),
    (
        "submitted late, confirmed after D, corrected view: completed late",
        D(2021, 7, 6), True,
        dict(state="completed", due=D(2021, 7, 1), completed_on=D(2021, 7, 5),
             confirmed_on=D(2021, 7, 8)),
        [], [(D(2021, 7, 5), "in_progress", W), (D(2021, 7, 8), W, "completed")],
        S.DONE_LATE, False,
    ),
    (
        "submitted before D, returned after D: awaiting on D",
        D(2021, 7, 6), False, dict(state="in_progress", due=D(2021, 7, 1)),
        [], [(D(2021, 7, 5), "in_progress", W), (D(2021, 7, 8), W, "in_progress")],
        S.OVERDUE, True,
    ),
    (
        "returned before D: no longer awaiting",
        D(2021, 7, 9), False, dict(state="in_progress", due=D(2021, 7, 1)),
        [], [(D(2021, 7, 5), "in_progress", W), (D(2021, 7, 8), W, "in_progress")],
        S.OVERDUE, False,
    ),
    (
        "submitted after D: not awaiting on D",
        D(2021, 7, 4), False, dict(state=W, due=D(2021, 7, 31)),
        [], [(D(2021, 7, 5), "in_progress", W)], S.IN_TIME, False,
    ),
    (
        "no deadline, confirmed after D: open on D and awaiting",
        D(2021, 7, 6), False,
        dict(state="completed", due=None, completed_on=D(2021, 7, 5), confirmed_on=D(2021, 7, 8)),
        [], [(D(2021, 7, 5), "in_progress", W), (D(2021, 7, 8), W, "completed")],
        S.NO_DEADLINE_OPEN, True,
    ),
    (
        "no deadline, confirmed after D, corrected view: done",
        D(2021, 7, 6), True,
        dict(state="completed", due=None, completed_on=D(2021, 7, 5), confirmed_on=D(2021, 7, 8)),
        [], [(D(2021, 7, 5), "in_progress", W), (D(2021, 7, 8), W, "completed")],
        S.NO_DEADLINE_DONE, False,
    ),
    (
        "extended after D and confirmed after D: the old due date, awaiting",
        D(2021, 7, 6), False,
        dict(state="completed", due=D(2021, 7, 31), completed_on=D(2021, 7, 5),
             confirmed_on=D(2021, 7, 9)),
        [(D(2021, 7, 7), D(2021, 7, 2), D(2021, 7, 31))],
        [(D(2021, 7, 5), "in_progress", W), (D(2021, 7, 9), W, "completed")],
        S.OVERDUE, True,
    ),
    (
        "withdrawn after D: counted on D by what it was",
        D(2021, 7, 6), False,
        dict(state="withdrawn", due=D(2021, 7, 1), withdrawn_on=D(2021, 7, 10)),
        [], [(D(2021, 7, 10), "in_progress", "withdrawn")], S.OVERDUE, False,
    ),
]  # fmt: skip


def _history_task(directive, unit, item_no, columns, due_changes, state_changes):
    from tracker.models import DueDateChange, TaskStateChange

    columns = dict(columns)
    due = columns.pop("due")
    original = due_changes[0][1] if due_changes and due_changes[0][1] else due
    task = make_task(
        directive, unit, item_no=item_no, due_on=due, original_due_on=original if due else None,
        assigned_on=D(2021, 3, 1), **columns,
    )  # fmt: skip
    moment = datetime(2021, 1, 1, tzinfo=UTC)
    for effective, old, new in due_changes:
        task.due_date_changes.append(
            DueDateChange(changed_at=moment, effective_on=effective, old_due_on=old, new_due_on=new)
        )
    for effective, old, new in state_changes:
        task.state_changes.append(
            TaskStateChange(
                changed_at=moment, effective_on=effective, old_state=old, new_state=new,
                action="test",
            )
        )  # fmt: skip
    db.session.flush()
    return task


@pytest.mark.parametrize(
    "name,as_of,corrected,columns,dues,states,expected,awaiting",
    HISTORY_CASES,
    ids=[c[0] for c in HISTORY_CASES],
)
def test_history_cases_python_rule(app, name, as_of, corrected, columns, dues, states,
                                   expected, awaiting):  # fmt: skip
    from tracker.status import awaiting_confirmation

    task = _history_task(make_directive(), make_unit(), 1, columns, dues, states)
    ctx = StatusContext.build(as_of, WorkingCalendar(), later_confirmations=corrected)
    assert time_status(task, ctx) == expected
    assert awaiting_confirmation(task, ctx) is awaiting


def test_history_cases_sql_rule_agrees_row_for_row(app):
    """Both SQL forms (correlated subqueries, and the joins the reports use) give the
    table's status and "chờ xác nhận" for every history case, and so does Python."""
    from tracker.status import awaiting_confirmation, awaiting_sql, facts_in_force

    directive, unit = make_directive(), make_unit()
    cases = {}
    for index, case in enumerate(HISTORY_CASES, start=1):
        _name, _as_of, _corrected, columns, dues, states, _expected, _awaiting = case
        task = _history_task(directive, unit, index, columns, dues, states)
        cases[task.id] = case
    db.session.commit()
    calendar = WorkingCalendar()
    for task_id, (name, as_of, corrected, _c, _d, _s, expected, awaiting) in cases.items():
        ctx = StatusContext.build(as_of, calendar, later_confirmations=corrected)
        one = select(time_status_sql(ctx), awaiting_sql(ctx)).where(Task.id == task_id)
        assert tuple(db.session.execute(one).one()) == (expected.value, int(awaiting)), name
        facts = facts_in_force(ctx)
        joined = facts.join(
            select(time_status_sql(ctx, due=facts.due), awaiting_sql(ctx, facts=facts)).select_from(
                Task
            )
        ).where(Task.id == task_id)
        assert tuple(db.session.execute(joined).one()) == (expected.value, int(awaiting)), name
        task = db.session.get(Task, task_id)
        assert (time_status(task, ctx), awaiting_confirmation(task, ctx)) == (expected, awaiting)


def test_lead_unit_in_force_on_a_date_python_and_sql(app):
    from tracker.models import TaskLeadUnitChange
    from tracker.status import facts_in_force, lead_unit_in_force_on

    first, second, third = make_unit("A"), make_unit("B"), make_unit("C")
    task = make_task(make_directive(), third, due_on=D(2021, 9, 30), assigned_on=D(2021, 3, 1))
    moment = datetime(2021, 1, 1, tzinfo=UTC)
    for effective, old, new in ((D(2021, 4, 1), first, second), (D(2021, 5, 1), second, third)):
        task.lead_unit_changes.append(
            TaskLeadUnitChange(
                changed_at=moment, effective_on=effective, old_unit_id=old.id, new_unit_id=new.id
            )
        )
    db.session.commit()
    expected = {D(2021, 3, 15): first, D(2021, 4, 1): second, D(2021, 4, 30): second,
                D(2021, 5, 1): third, D(2021, 12, 31): third}  # fmt: skip
    for as_of, unit in expected.items():
        ctx = StatusContext.build(as_of, WorkingCalendar())
        facts = facts_in_force(ctx)
        sql = db.session.scalar(facts.join(select(facts.lead_unit_id).select_from(Task)))
        assert sql == lead_unit_in_force_on(task, ctx) == unit.id, as_of


def test_in_force_rule():
    from tracker.status import in_force

    change = SimpleNamespace
    history = [
        change(id=2, effective_on=D(2021, 3, 20), old="b", new="c"),
        change(id=1, effective_on=D(2021, 3, 10), old="a", new="b"),
        change(id=3, effective_on=D(2021, 3, 20), old="c", new="d"),  # same day, later
    ]
    assert in_force(history, D(2021, 3, 1), "now", "old", "new") == "a"  # before any
    assert in_force(history, D(2021, 3, 10), "now", "old", "new") == "b"
    assert in_force(history, D(2021, 3, 19), "now", "old", "new") == "b"
    assert in_force(history, D(2021, 3, 20), "now", "old", "new") == "d"
    assert in_force([], D(2021, 3, 20), "now", "old", "new") == "now"
