"""A report as of D can be reproduced byte for byte after anything that happens later
(issue 10): the tasks are made and changed through the workflow services with dated
actions, the CSV is written by ``tracker report`` as of D before and after each kind of
later change, in every period scope, and compared whole."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from tracker.extensions import db
from tracker.models import Task, TaskLeadUnitChange, TaskStateChange
from tracker.services import extensions, reports, workflow
from tracker.services.tasks import status_context
from tracker.services.workflow import TASK_FIELDS

from .conftest import make_directive, make_unit

D = date(2021, 7, 6)  # a Tuesday: the report is issued on this day
PERIOD = "2021-06-01..2021-07-31"
SCOPES = ("assigned", "due", "cumulative")


def at(day: date) -> datetime:
    """10:00 in Hà Nội on ``day``."""
    return datetime(day.year, day.month, day.day, 3, 0, tzinfo=UTC)


def edit(actor, task: Task, day: date, **values) -> None:
    current = {name: getattr(task, name) for name in TASK_FIELDS}
    current["coordinating_unit_ids"] = [u.id for u in task.coordinating_units]
    workflow.edit_task(actor, task, current | values, version=task.version, now=at(day))


@pytest.fixture
def world(app, users):
    """Tasks of one directive as they stood on D, made through the services."""
    office, leader, staff = users["office"], users["leader"], users["unit_staff"]
    stttt = staff.unit
    lyson = make_unit("LYSON", "UBND huyện Lý Sơn", kind="district")
    directive = make_directive("45/TB-UBND", issued_on=date(2021, 6, 1))
    db.session.commit()
    assigned = date(2021, 6, 1)

    def add(name: str, due: date | None) -> Task:
        values = {"title": name, "lead_unit_id": stttt.id, "assigned_by_id": leader.id,
                  "assigned_on": assigned, "current_due_on": due}  # fmt: skip
        return workflow.add_task(office, directive, values, now=at(assigned))

    t = {
        "done_before": add("Hoàn thành trước ngày D", date(2021, 6, 30)),
        "completion": add("Hoàn thành sau ngày D", date(2021, 7, 20)),
        "confirmation": add("Nộp trước, xác nhận sau ngày D", date(2021, 7, 10)),
        "extension": add("Gia hạn sau ngày D", date(2021, 7, 30)),
        "return": add("Nộp trước, trả lại sau ngày D", date(2021, 7, 15)),
        "withdrawal": add("Rút sau ngày D", date(2021, 7, 1)),
        "deadline set": add("Đặt thời hạn sau ngày D", None),
        "deadline removed": add("Bỏ thời hạn sau ngày D", date(2021, 7, 2)),
        "lead unit changed": add("Đổi đơn vị chủ trì sau ngày D", date(2021, 7, 30)),
        "progress reported": add("Báo cáo tiến độ sau ngày D", date(2021, 7, 30)),
    }
    workflow.submit_result(staff, t["done_before"], text="Đã xong", now=at(date(2021, 6, 10)))
    workflow.confirm_result(office, t["done_before"], now=at(date(2021, 6, 11)))
    for name in ("confirmation", "return"):
        workflow.submit_result(staff, t[name], text="Đã xong", now=at(date(2021, 7, 5)))
    workflow.report_progress(
        staff, t["progress reported"], progress=30, text="Đang làm", difficulties="Thiếu vốn",
        now=at(date(2021, 6, 20)),
    )  # fmt: skip
    db.session.commit()
    return t, users, lyson, directive


def later_changes(t, users, lyson, directive):
    """Every kind of change made after D, in order: (kind, apply)."""
    office, leader, staff = users["office"], users["leader"], users["unit_staff"]

    def completion():
        workflow.submit_result(staff, t["completion"], text="Xong", now=at(date(2021, 7, 8)))
        workflow.confirm_result(office, t["completion"], now=at(date(2021, 7, 9)))

    def extension():
        request = extensions.request_extension(
            staff, t["extension"], proposed_due_on=date(2021, 8, 31), reason="Chờ vốn",
            now=at(date(2021, 7, 7)),
        )  # fmt: skip
        extensions.decide_extension(leader, request, decision="approve", now=at(date(2021, 7, 8)))

    def new_task():
        values = {"title": "Giao sau ngày D", "lead_unit_id": lyson.id,
                  "assigned_by_id": leader.id, "assigned_on": date(2021, 7, 9),
                  "current_due_on": date(2021, 7, 20)}  # fmt: skip
        workflow.add_task(office, directive, values, now=at(date(2021, 7, 9)))

    return [
        ("completion", completion),
        (
            "confirmation",
            lambda: workflow.confirm_result(office, t["confirmation"], now=at(date(2021, 7, 8))),
        ),
        ("extension", extension),
        (
            "return",
            lambda: workflow.return_result(
                office, t["return"], reason="Thiếu số liệu", now=at(date(2021, 7, 8))
            ),
        ),
        (
            "withdrawal",
            lambda: workflow.withdraw_task(
                office, t["withdrawal"], reason="Không còn phù hợp", now=at(date(2021, 7, 9))
            ),
        ),
        (
            "deadline set",
            lambda: edit(
                office, t["deadline set"], date(2021, 7, 9), current_due_on=date(2021, 7, 1)
            ),  # fmt: skip
        ),
        (
            "deadline removed",
            lambda: edit(office, t["deadline removed"], date(2021, 7, 9), current_due_on=None),
        ),
        (
            "lead unit changed",
            lambda: edit(office, t["lead unit changed"], date(2021, 7, 9), lead_unit_id=lyson.id),
        ),
        (
            "progress reported",
            lambda: workflow.report_progress(
                staff,
                t["progress reported"],
                progress=80,
                text="Gần xong",
                difficulties="Đã có vốn",
                now=at(date(2021, 7, 9)),
            ),  # fmt: skip
        ),
        ("task assigned", new_task),
    ]


def csv_as_of_d(runner, tmp_path, scope: str, corrected: bool) -> bytes:
    output = tmp_path / f"{scope}-{corrected}.csv"
    args = ["report", "--period", PERIOD, "--as-of", D.isoformat(), "--format", "csv",
            "--scope", scope, "--output", str(output)]  # fmt: skip
    if corrected:
        args.append("--later-confirmations")
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    return output.read_bytes()


def pages_as_of_d(client) -> dict[str, str]:
    """The parts of the pages that hold figures as of D: totals, breakdowns, ranking."""
    parts = {}
    for url in (f"/dashboard?as_of={D.isoformat()}&period={PERIOD}",
                f"/reports?period={PERIOD}&as_of={D.isoformat()}"):  # fmt: skip
        html = client.get(url).get_data(as_text=True)
        for section in ('id="totals"', 'id="by-unit"', 'id="by-leader"', 'id="ranking"',
                        'id="detail"', 'id="no-deadline"'):  # fmt: skip
            if section in html:
                parts[f"{url} {section}"] = html.split(section)[1].split("</section>")[0]
    return parts


def test_ten_kinds_of_later_change_leave_the_report_as_of_d_unchanged(
    world, runner, tmp_path, client, login_as
):
    t, users, lyson, directive = world
    login_as("office")
    pages_before = pages_as_of_d(client)
    assert len(pages_before) == 8
    views = [(scope, corrected) for scope in SCOPES for corrected in (False, True)]
    before = {view: csv_as_of_d(runner, tmp_path, *view) for view in views}
    known = before[("assigned", False)].decode("utf-8-sig")
    # As known on D: the two results submitted on 05/07 await confirmation, not completed.
    assert known.count("(chờ xác nhận)") == 2
    assert "Hoàn thành đúng hạn" in known  # done_before, confirmed on 11/06
    office = users["office"]
    counts_before = reports.totals(office, status_context(D), reports.parse_period(PERIOD))
    kinds = later_changes(t, users, lyson, directive)
    assert len(kinds) == 10
    for kind, apply in kinds:
        apply()
        db.session.commit()
        for view in views:
            after = csv_as_of_d(runner, tmp_path, *view)
            scope, corrected = view
            if corrected and kind == "confirmation":
                # The corrected view exists to show exactly this: the result submitted on
                # 05/07 and confirmed on 08/07 counts as completed on time as of D.
                changed = _changed_rows(before[view], after)
                assert changed == {"Nộp trước, xác nhận sau ngày D"}, (kind, view)
                assert "Hoàn thành đúng hạn" in _row(after, "Nộp trước, xác nhận sau ngày D")
                before[view] = after
                continue
            assert after == before[view], (kind, view, _changed_rows(before[view], after))
        assert (
            reports.totals(office, status_context(D), reports.parse_period(PERIOD)) == counts_before
        ), kind
    # The pages as of D too (the per-unit figures credit the lead unit of D).
    assert pages_as_of_d(client) == pages_before
    # The later changes did happen, and each left its dated history.
    db.session.expire_all()
    assert db.session.get(Task, t["lead unit changed"].id).lead_unit_id == lyson.id
    assert db.session.scalar(select(TaskLeadUnitChange.effective_on)) == date(2021, 7, 9)
    actions = set(db.session.scalars(select(TaskStateChange.action)))
    assert {"submit", "confirm", "return", "withdraw", "report"} <= actions
    # Today the figures are different: the report as of a later date shows the changes.
    today = csv_as_of_d_later(runner, tmp_path)
    assert today != before[("assigned", False)]


def csv_as_of_d_later(runner, tmp_path) -> bytes:
    output = tmp_path / "later.csv"
    result = runner.invoke(
        args=["report", "--period", PERIOD, "--as-of", "2021-07-31", "--format", "csv",
              "--output", str(output)]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return output.read_bytes()


def _rows(data: bytes) -> dict[str, str]:
    import csv
    import io

    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    return {row[3]: ",".join(row) for row in table[1:]}


def _row(data: bytes, title: str) -> str:
    return _rows(data)[title]


def _changed_rows(before: bytes, after: bytes) -> set[str]:
    old, new = _rows(before), _rows(after)
    return {title for title in old.keys() | new.keys() if old.get(title) != new.get(title)}


@pytest.mark.parametrize("effective", [date(2021, 7, 9), date(2021, 7, 1)])
def test_a_unit_merge_after_d_leaves_the_report_as_of_d_unchanged(
    world, runner, tmp_path, client, login_as, effective
):
    """A merger recorded after D leaves the report as of D as it was, whether it takes
    effect after D or (recorded late) before it; only the corrected view of a merger
    effective before D shows the successor as of D."""
    from tracker.services import succession

    t, users, lyson, directive = world
    login_as("office")
    views = [(scope, corrected) for scope in SCOPES for corrected in (False, True)]
    before = {view: csv_as_of_d(runner, tmp_path, *view) for view in views}
    pages_before = pages_as_of_d(client)
    stttt = users["unit_staff"].unit
    plan = succession.plan("merge", sources=[stttt, lyson], targets=[lyson],
                           effective_on=effective, today=date(2021, 7, 9))  # fmt: skip
    succession.apply(plan, actor=users["office"], now=at(date(2021, 7, 9)))
    db.session.commit()
    assert db.session.get(Task, t["extension"].id).lead_unit_id == lyson.id
    for view in views:
        after = csv_as_of_d(runner, tmp_path, *view)
        if view[1] and effective <= D:
            assert after != before[view], view  # the corrected view credits the successor
        else:
            assert after == before[view], (view, _changed_rows(before[view], after))
    assert pages_as_of_d(client) == pages_before
