"""Units that are renamed, merged, split and dissolved (issue 11): statistics as of a day
before the effective date show the old units, from it the successors; completed work stays
credited to the unit that did it; a succession recorded later changes the days between
only in the corrected view; people, visibility, the seed loader and undo follow."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from tracker.extensions import db
from tracker.models import Role, Task, Unit, UnitEvent
from tracker.policy import can, can_view_task, visible_tasks_clause
from tracker.services import reports, succession, workflow
from tracker.services.tasks import status_context
from tracker.services.units import UnitError, UnitSearch, current_successors, lineage, search_query
from tracker.status import coordinating_units_on

from .conftest import make_directive, make_unit, make_user

E = date(2025, 3, 1)  # the merger takes effect (a Saturday: dates are calendar dates)
BEFORE, AFTER = date(2025, 2, 25), date(2025, 3, 10)


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 3, 0, tzinfo=UTC)


def figures(user, as_of: date, corrected: bool = False) -> dict[str, tuple]:
    """Per unit code: (total, done on time, in time, overdue) as of a day."""
    rows = reports.by_unit(user, status_context(as_of, corrected))
    codes = dict(db.session.execute(select(Unit.id, Unit.code)).all())
    return {
        codes[row.key]: (row.counts.total, row.counts.done_on_time, row.counts.in_time,
                         row.counts.overdue)
        for row in rows
    }  # fmt: skip


@pytest.fixture
def merger_world(app, users):
    """Sở TT&TT (A) and Sở KH&CN (B) before their merger, and Sở Nội vụ (C) coordinating
    with A: a1 done on time before E, a2 overdue, a3 in time, b1 in time, c1 led by C."""
    office, leader = users["office"], users["leader"]
    a = users["unit_staff"].unit  # the users fixture's unit (code STTTT)
    b = make_unit("SKHCN", "Sở Khoa học và Công nghệ")
    c = make_unit("SNV", "Sở Nội vụ")
    a_head = make_user(Role.UNIT_HEAD.value, a, name="Trưởng A")
    b_staff = make_user(Role.UNIT_STAFF.value, b, name="Chuyên viên B")
    directive = make_directive("45/TB-UBND", issued_on=date(2025, 1, 6))
    db.session.commit()

    def add(title, lead, due, coordinating=()):
        values = {"title": title, "lead_unit_id": lead.id, "assigned_by_id": leader.id,
                  "assigned_on": date(2025, 1, 6), "current_due_on": due,
                  "coordinating_unit_ids": [u.id for u in coordinating]}  # fmt: skip
        return workflow.add_task(office, directive, values, now=at(date(2025, 1, 6)))

    t = {
        "a1": add("A xong trước sáp nhập", a, date(2025, 2, 15)),
        "a2": add("A quá hạn", a, date(2025, 2, 20)),
        "a3": add("A trong hạn", a, date(2025, 4, 30)),
        "b1": add("B trong hạn", b, date(2025, 4, 30)),
        "c1": add("C chủ trì, A phối hợp", c, date(2025, 4, 30), coordinating=[a]),
    }
    staff = users["unit_staff"]
    workflow.submit_result(staff, t["a1"], text="Xong", now=at(date(2025, 2, 10)))
    workflow.confirm_result(office, t["a1"], now=at(date(2025, 2, 11)))
    db.session.commit()
    return {"a": a, "b": b, "c": c, "tasks": t, "a_head": a_head, "b_staff": b_staff}


def merge(world, office, recorded: date = E):
    plan = succession.plan(
        "merge", sources=[world["a"], world["b"]], targets=[world["b"]], effective_on=E,
        today=recorded,
    )  # fmt: skip
    lines = succession.preview_lines(plan)
    event = succession.apply(plan, actor=office, now=at(recorded), note="Hợp nhất")
    db.session.commit()
    return plan, lines, event


EXPECTED_BEFORE = {"STTTT": (3, 1, 1, 1), "SKHCN": (1, 0, 1, 0), "SNV": (1, 0, 1, 0)}
# From E: A keeps only what it completed before E; its open tasks are B's.
EXPECTED_AFTER = {"STTTT": (1, 1, 0, 0), "SKHCN": (3, 0, 2, 1), "SNV": (1, 0, 1, 0)}


def test_a_merger_moves_open_tasks_and_people_and_keeps_the_past(merger_world, users):
    office = users["office"]
    w, t = merger_world, merger_world["tasks"]
    assert figures(office, BEFORE) == EXPECTED_BEFORE
    plan, lines, event = merge(w, office)
    # The preview says what the event does, before it does it.
    # a2 and a3, with the head and the staff of A (the fixture's two and Trưởng A):
    assert "2 nhiệm vụ đang mở và 3 người chuyển sang" in lines[0]
    assert any("1 nhiệm vụ đang mở nhận đơn vị kế thừa" in x for x in lines)
    assert plan.staying == 1
    db.session.expire_all()
    assert figures(office, BEFORE) == EXPECTED_BEFORE  # as of a day before: unchanged
    assert figures(office, AFTER) == EXPECTED_AFTER
    assert figures(office, AFTER, corrected=True) == EXPECTED_AFTER
    a, b = db.session.get(Unit, w["a"].id), db.session.get(Unit, w["b"].id)
    assert not a.active and a.ended_on == E and b.active
    assert db.session.get(Task, t["a1"].id).lead_unit_id == a.id  # completed: stays
    assert db.session.get(Task, t["a2"].id).lead_unit_id == b.id
    # The coordinating unit of c1 is B from E, and was A before.
    c1 = db.session.get(Task, t["c1"].id)
    assert [u.code for u in c1.coordinating_units] == ["SKHCN"]
    assert [u.code for u in coordinating_units_on(c1, status_context(BEFORE))] == ["STTTT"]
    # The people of A are B's now: they act on the moved tasks and still read A's past.
    staff = db.session.get(type(w["a_head"]), users["unit_staff"].id)
    assert staff.unit_id == b.id
    assert can(staff, "report_progress", db.session.get(Task, t["a2"].id))
    assert can_view_task(staff, db.session.get(Task, t["a1"].id))
    assert not can(staff, "report_progress", db.session.get(Task, t["a1"].id))
    visible = set(db.session.scalars(select(Task.id).where(visible_tasks_clause(staff))))
    assert visible == {t[k].id for k in ("a1", "a2", "a3", "b1", "c1")}
    assert lineage(b.id) == {a.id, b.id}
    # An old name finds the successor; a ceased unit names its successor.
    found = db.session.scalars(search_query(UnitSearch("STTTT", active=True))).all()
    assert [u.code for u in found] == ["SKHCN"]
    assert [u.code for u in current_successors(a)] == ["SKHCN"]
    # New work cannot go to the ceased unit.
    with pytest.raises(workflow.WorkflowError, match="không còn hoạt động"):
        workflow.add_task(
            office, c1.directive, {"title": "Mới", "lead_unit_id": a.id}, now=at(AFTER)
        )
    assert db.session.scalar(select(UnitEvent.kind)) == "merge"


def test_a_merger_recorded_later_changes_the_days_between_only_in_the_corrected_view(
    merger_world, users
):
    office = users["office"]
    merge(merger_world, office, recorded=date(2025, 3, 20))
    db.session.expire_all()
    # As known on 10/03 (before the merger was recorded): the old units.
    assert figures(office, AFTER) == EXPECTED_BEFORE
    assert figures(office, AFTER, corrected=True) == EXPECTED_AFTER
    assert figures(office, date(2025, 3, 25)) == EXPECTED_AFTER
    assert figures(office, BEFORE, corrected=True) == EXPECTED_BEFORE


def test_split_sends_each_open_task_where_chosen_and_undo_restores_all(merger_world, users):
    office = users["office"]
    w, t = merger_world, merger_world["tasks"]
    d1 = Unit(code="SKHCN_MOI", name="Sở Khoa học và Công nghệ (mới)", kind="department")
    plan = succession.plan(
        "split", sources=[w["a"]], targets=[w["c"], d1], effective_on=E, today=E,
        task_targets={t["a3"].id: d1},
    )  # fmt: skip
    event = succession.apply(plan, actor=office, now=at(E))
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Task, t["a2"].id).lead_unit.code == "SNV"  # the default
    assert db.session.get(Task, t["a3"].id).lead_unit.code == "SKHCN_MOI"
    # c1 was led by C and coordinated by A: A is removed, C does not coordinate itself.
    assert db.session.get(Task, t["c1"].id).coordinating_units == []
    assert figures(office, AFTER) == {
        "STTTT": (1, 1, 0, 0), "SNV": (2, 0, 1, 1), "SKHCN_MOI": (1, 0, 1, 0),
        "SKHCN": (1, 0, 1, 0),
    }  # fmt: skip
    assert succession.undo_blockers(event) == []
    succession.undo(event, actor=office, now=at(date(2025, 3, 2)))
    db.session.commit()
    db.session.expire_all()
    assert figures(office, AFTER) == EXPECTED_BEFORE
    assert db.session.get(Unit, w["a"].id).active
    assert [u.code for u in db.session.get(Task, t["c1"].id).coordinating_units] == ["STTTT"]
    assert db.session.get(type(w["a_head"]), w["a_head"].id).unit_id == w["a"].id


def test_undo_is_refused_once_a_moved_task_changed(merger_world, users):
    office = users["office"]
    w, t = merger_world, merger_world["tasks"]
    _plan, _lines, event = merge(w, office)
    staff = db.session.get(type(w["a_head"]), users["unit_staff"].id)
    workflow.report_progress(staff, db.session.get(Task, t["a3"].id), progress=40,
                             text="Đang làm", now=at(date(2025, 3, 5)))  # fmt: skip
    db.session.commit()
    reasons = succession.undo_blockers(db.session.get(UnitEvent, event.id))
    assert reasons and "có thay đổi từ đó" in reasons[0]
    with pytest.raises(UnitError):
        succession.undo(db.session.get(UnitEvent, event.id), actor=office, now=at(AFTER))


def test_rename_and_dissolve_keep_the_old_name_before_the_date(merger_world, users):
    office = users["office"]
    w, t = merger_world, merger_world["tasks"]
    new = Unit(code="SKHCN2", name="Sở Khoa học, Công nghệ và Đổi mới", kind="department")
    succession.apply(
        succession.plan("rename", sources=[w["b"]], targets=[new], effective_on=E, today=E),
        actor=office, now=at(E),
    )  # fmt: skip
    succession.apply(
        succession.plan("dissolve", sources=[w["c"]], targets=[new], effective_on=AFTER,
                        today=AFTER),
        actor=office, now=at(AFTER),
    )  # fmt: skip
    db.session.commit()
    db.session.expire_all()
    assert figures(office, BEFORE) == EXPECTED_BEFORE
    assert figures(office, date(2025, 3, 5)) == {
        "STTTT": (3, 1, 1, 1), "SKHCN2": (1, 0, 1, 0), "SNV": (1, 0, 1, 0)
    }  # fmt: skip
    assert figures(office, date(2025, 3, 12)) == {"STTTT": (3, 1, 1, 1), "SKHCN2": (2, 0, 2, 0)}
    assert db.session.get(Task, t["c1"].id).lead_unit.code == "SKHCN2"
    assert lineage(db.session.get(Unit, new.id).id) == {new.id, w["b"].id, w["c"].id}


def test_refusals_change_nothing(merger_world, users):
    w = merger_world
    with pytest.raises(UnitError, match="không được sau hôm nay"):
        succession.plan("merge", sources=[w["a"], w["b"]], targets=[w["b"]],
                        effective_on=date(2030, 1, 1), today=E)  # fmt: skip
    with pytest.raises(UnitError):
        succession.plan("merge", sources=[w["a"]], targets=[w["b"]], effective_on=E, today=E)
    with pytest.raises(UnitError):
        succession.plan("dissolve", sources=[w["a"]], targets=[w["a"]], effective_on=E, today=E)
    assert db.session.scalar(select(UnitEvent.id)) is None


def test_the_seed_records_the_2025_reorganisation(app, runner):
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    assert "unit events: 3 applied" in result.output
    office = make_user(Role.OFFICE.value)
    db.session.commit()
    as_2021 = figures(office, date(2021, 12, 31))
    assert set(as_2021) == {"STTTT"} and as_2021["STTTT"][0] > 0
    today = figures(office, date(2025, 3, 2))
    assert set(today) == {"SKHCN"}  # the open remainder is the new department's
    assert today["SKHCN"][0] == as_2021["STTTT"][0]
    again = runner.invoke(args=["seed"])
    assert "unit events: 0 applied" in again.output
    assert db.session.query(UnitEvent).count() == 3


def test_the_ranking_can_sum_predecessors_into_the_successor(merger_world, users, client, login_as):
    office = users["office"]
    merge(merger_world, office)
    ctx = status_context(AFTER)
    own = {row.label: row.counts.total for row in reports.ranking(office, ctx)}
    summed = reports.ranking(office, ctx, with_predecessors=True)
    by_label = {row.label: row for row in summed}
    b_label = merger_world["b"].label
    assert by_label[b_label].counts.total == own[b_label] + own[merger_world["a"].label] == 4
    assert by_label[b_label].includes == (merger_world["a"].label,)
    assert merger_world["a"].label not in by_label
    # On the page, the summed row's number links to a list of the same size.
    login_as("office")
    html = client.get(
        f"/reports?period=2025-01-01..2025-03-31&as_of={AFTER.isoformat()}&predecessors=1"
    ).get_data(as_text=True)
    assert 'data-key="includes"' in html
    link = f"unit={merger_world['b'].id}&amp;predecessors=1"
    assert link in html
    listing = client.get(
        f"/tasks?as_of={AFTER.isoformat()}&unit={merger_world['b'].id}&predecessors=1"
        "&status=done_on_time&status=done_late&status=in_time&status=due_soon&status=overdue"
    ).get_data(as_text=True)
    assert listing.count('<td data-label="Nhiệm vụ">') == 4


def test_reminders_of_moved_tasks_go_to_the_successors_people(merger_world, users):
    from tracker.models import OutboxMessage
    from tracker.reminders import planner

    office = users["office"]
    w, t = merger_world, merger_world["tasks"]
    merge(w, office)
    for day in (date(2025, 3, 10), date(2025, 3, 11), date(2025, 3, 12)):
        planner.plan(at(day))
    db.session.commit()
    moved = {t["a2"].id, t["a3"].id}
    rows = db.session.scalars(select(OutboxMessage).where(OutboxMessage.task_id.in_(moved))).all()
    assert rows, "the overdue task a2 is reminded"
    assert {row.recipient.unit_id for row in rows if row.reason == "head"} == {w["b"].id}
    assert w["a_head"].id in {row.recipient_id for row in rows}


def test_an_old_name_in_a_notice_resolves_to_the_successor(app, runner):
    from tracker.intake import catalogue_from_db

    assert runner.invoke(args=["seed"]).exit_code == 0
    catalogue = catalogue_from_db()
    match = catalogue.match("Sở TT&TT")
    assert match.unit.id == "SKHCN" and match.via.id == "STTTT"


def test_a_seed_file_naming_a_ceased_unit_uses_its_successor_with_a_warning(app, runner, tmp_path):
    assert runner.invoke(args=["seed"]).exit_code == 0
    later = tmp_path / "later.yaml"
    later.write_text(
        """units: []
directives:
  - symbol: "12/TB-UBND"
    kind: conclusion_notice
    issued_on: 2026-02-02
    signer_name: Trần Phước Hiền
    issuing_body: UBND tỉnh Quảng Ngãi
    summary: Kết luận năm 2026
    origin_level: provincial
    tasks:
      - item: 1
        title: Chuyển đổi số năm 2026
        field: Chuyển đổi số
        lead_unit: STTTT
        coordinating_units: [LYSON]
""",
        encoding="utf-8",
    )
    result = runner.invoke(args=["seed", str(later)])
    assert result.exit_code == 0, result.output
    assert "STTTT ceased on 2025-03-01; using its successor SKHCN" in result.output
    task = db.session.scalar(select(Task).where(Task.title == "Chuyển đổi số năm 2026"))
    assert task.lead_unit.code == "SKHCN"
    assert [u.code for u in task.coordinating_units] == ["DK_LYSON"]
