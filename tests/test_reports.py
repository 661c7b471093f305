"""Progress pages: every number of a hand-built data set, worked out here, on the dashboard,
in the period report, in both exports and behind every link."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, insert
from sqlalchemy.engine import Engine

from tracker.extensions import db
from tracker.models import DueDateChange, ExtensionRequest, Task, Unit
from tracker.services.reports import PeriodError, parse_period

from .conftest import make_directive, make_task, make_unit, make_user, screenshot, sign_in

AS_OF = date(2021, 7, 1)  # a Thursday
PAST = date(2021, 5, 15)
ALL = "2020-12-01..2021-12-31"  # a custom period holding every task of the data set


def change(task: Task, effective_on: date, new_due: date) -> None:
    """An approved extension that took effect on ``effective_on``."""
    request = ExtensionRequest(
        task_id=task.id,
        due_on_before=task.current_due_on,
        proposed_due_on=new_due,
        approved_due_on=new_due,
        reason="Đề nghị gia hạn",
        status="approved",
    )
    db.session.add(request)
    db.session.flush()
    db.session.add(
        DueDateChange(
            task_id=task.id,
            effective_on=effective_on,
            old_due_on=task.current_due_on,
            new_due_on=new_due,
            changed_at=datetime(2021, 1, 1, tzinfo=UTC),
            extension_request_id=request.id,
        )
    )
    task.current_due_on = new_due
    task.extension_count += 1


@pytest.fixture
def data(app, users):
    a = users["unit_head"].unit  # STTTT
    b = make_unit("LYSON", "UBND huyện Lý Sơn", kind="district")
    l1 = users["leader"]
    l2 = make_user("leader", name="Phó Chủ tịch Hai")
    d1, d2 = make_directive("45/TB-UBND"), make_directive("46/TB-UBND")
    t = {}
    t["on_time"] = make_task(
        d1, a, due_on=date(2021, 6, 1), completed_on=date(2021, 5, 20), state="completed",
        assigned_by=l1, field="Chuyển đổi số", result_text="Đã ban hành kế hoạch.",
    )  # fmt: skip
    t["late_after_extension"] = make_task(
        d1, a, due_on=date(2021, 5, 1), completed_on=date(2021, 6, 10), state="completed",
        assigned_by=l1, field="Chuyển đổi số",
    )  # fmt: skip
    t["extended_after_as_of"] = make_task(d1, b, due_on=date(2021, 6, 15), assigned_by=l2)
    t["returned"] = make_task(
        d1, b, due_on=date(2021, 7, 2), state="in_progress", return_count=1, assigned_by=l2
    )
    t["withdrawn"] = make_task(d2, a, due_on=date(2021, 6, 1), state="withdrawn", assigned_by=l1)
    t["no_deadline"] = make_task(d2, a, due_on=None, assigned_by=l1, field="Hạ tầng")
    t["overdue_90"] = make_task(d2, b, due_on=date(2021, 4, 2), assigned_by=l2, field="Hạ tầng")
    t["in_time"] = make_task(d2, a, due_on=date(2021, 9, 30), assigned_by=l1)
    t["assigned_later"] = make_task(
        d2, a, due_on=date(2021, 8, 30), assigned_on=date(2021, 7, 15), assigned_by=l1
    )
    t["completed_after_as_of"] = make_task(
        d2, b, due_on=date(2021, 6, 20), completed_on=date(2021, 7, 5), state="completed",
        assigned_by=l2,
    )  # fmt: skip
    t["overdue_200"] = make_task(
        d2, a, due_on=date(2020, 12, 13), assigned_on=date(2020, 12, 1), assigned_by=l1
    )
    # Extended on 25/04 from 01/05 to 31/05, then completed on 10/06: late.
    change(t["late_after_extension"], date(2021, 4, 25), date(2021, 5, 31))
    # Extended on 10/07, after AS_OF: on AS_OF the old due date (15/06) is in force.
    change(t["extended_after_as_of"], date(2021, 7, 10), date(2021, 8, 31))
    db.session.commit()
    return t, a, b, l1, l2


# The statistics of the data set, worked out by hand.
EXPECTED_AS_OF = {
    # 11 tasks less the withdrawn one, the one assigned after AS_OF and the one without a
    # deadline: Total (with a deadline) = completed + not completed (issue 10).
    "total": 8,
    "completed": 2,
    "done_on_time": 1,  # on_time
    "done_late": 1,  # late_after_extension (due 31/05 after the extension, done 10/06)
    "not_completed": 6,
    "in_time": 2,  # returned (due soon: 02/07), in_time
    "overdue": 4,  # extended_after_as_of, overdue_90, completed_after_as_of, overdue_200
    "no_deadline": 1,
    "already_due": 6,  # due on or before 01/07 (the extension of 10/07 not yet in force)
    "done_already_due": 2,
    "ageing0": 2,  # ≤30 days: extended_after_as_of (16), completed_after_as_of (11)
    "ageing1": 0,
    "ageing2": 1,  # 61–120: overdue_90
    "ageing3": 1,  # >120: overdue_200
}
EXPECTED_PAST = {
    "total": 8,
    "completed": 0,  # on_time was completed on 20/05, after 15/05
    "done_on_time": 0,
    "done_late": 0,
    "not_completed": 8,
    "in_time": 6,  # late_after_extension is in time: extended to 31/05 on 25/04
    "overdue": 2,  # overdue_90 (43 days), overdue_200 (153 days)
    "no_deadline": 1,
    "already_due": 2,
    "done_already_due": 0,
    "ageing0": 0,
    "ageing1": 1,
    "ageing2": 0,
    "ageing3": 1,
}


def numbers(html: str) -> dict[str, int]:
    """The first number in each cell marked data-key on a page."""
    found = {}
    for tag in re.finditer(r'data-key="(\w+)"[^>]*>', html):
        match = re.compile(r">\s*(\d+)\s*<").search(html, tag.end() - 1)
        found.setdefault(tag.group(1), int(match.group(1)))
    return found


def links(html: str) -> list[tuple[str, int]]:
    """Every number that links to a task list: (href, number)."""
    return [
        (href.replace("&amp;", "&"), int(value))
        for href, value in re.findall(r'<a class="num" href="([^"]+)">(\d+)</a>', html)
    ]


def list_count(client, href: str) -> int:
    html = client.get(href).get_data(as_text=True)
    match = re.search(r"(\d+) nhiệm vụ, tính đến ngày", html)
    assert match, html[:500]
    return int(match.group(1))


def test_dashboard_numbers_as_of_today_and_a_past_date(client, login_as, data):
    login_as("leader")
    for as_of, expected in ((AS_OF, EXPECTED_AS_OF), (PAST, EXPECTED_PAST)):
        response = client.get(f"/dashboard?as_of={as_of.isoformat()}")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        found = numbers(html)
        assert {k: found[k] for k in expected} == expected, as_of
    html = client.get(f"/dashboard?as_of={AS_OF.isoformat()}").get_data(as_text=True)
    assert "25.0%" in html and "33.3%" in html  # 2 / 8 and 2 / 6
    # At risk: the due date in force on AS_OF (15/06), not the later extension (31/08).
    at_risk = html.split('id="at-risk"')[1].split("</section>")[0]
    assert "15/06/2021" in at_risk and "31/08/2021" not in at_risk
    # Per lead unit: STTTT 5 tasks, Lý Sơn 4 (3 overdue).
    unit_table = html.split('id="by-unit"')[1].split("</section>")[0]
    assert re.search(r"Lý Sơn</td>\s*<td[^>]*><a class=\"num\"[^>]*>4</a>", unit_table)
    # Charts are SVG in the page or served as SVG, labelled in Vietnamese.
    assert "<svg" in html and "Hoàn thành đúng hạn" in html
    svg = client.get(f"/dashboard/trend.svg?as_of={AS_OF.isoformat()}")
    assert svg.mimetype == "image/svg+xml" and "Quá hạn" in svg.get_data(as_text=True)


def test_every_dashboard_number_links_to_a_list_of_that_many_tasks(client, login_as, data):
    login_as("leader")
    for as_of in (AS_OF, PAST):
        html = client.get(f"/dashboard?as_of={as_of.isoformat()}").get_data(as_text=True)
        found = links(html)
        assert len(found) > 40
        for href, value in set(found):
            assert href.startswith("/tasks?"), href
            assert list_count(client, href) == value, href


def test_same_as_of_gives_the_same_numbers_after_later_changes(client, login_as, data):
    t, *_ = data
    login_as("leader")
    url = f"/dashboard?as_of={AS_OF.isoformat()}"
    before = numbers(client.get(url).get_data(as_text=True))
    # Later: the returned task is completed, the in-time task extended, another returned.
    t["returned"].completed_on, t["returned"].state = date(2021, 7, 20), "completed"
    change(t["in_time"], date(2021, 8, 1), date(2021, 12, 31))
    t["overdue_90"].return_count += 1
    db.session.commit()
    assert numbers(client.get(url).get_data(as_text=True)) == before


def test_unit_head_sees_their_unit(client, login_as, data):
    login_as("unit_head")
    html = client.get(f"/dashboard?as_of={AS_OF.isoformat()}").get_data(as_text=True)
    found = numbers(html)
    # STTTT leads 5 of the 9 tasks (and coordinates none), one of them without a deadline.
    assert found["total"] == 4 and found["overdue"] == 1 and found["no_deadline"] == 1
    for href, value in set(links(html)):
        assert list_count(client, href) == value


def test_unit_staff_may_not_open_the_dashboard(client, login_as, data):
    login_as("unit_staff")
    assert client.get("/dashboard").status_code == 403
    assert client.get("/reports").status_code == 403


def test_period_report_and_ranking(client, login_as, data):
    login_as("office")
    html = client.get(f"/reports?period={ALL}&as_of={AS_OF.isoformat()}").get_data(as_text=True)
    found = numbers(html)
    assert {k: found[k] for k in EXPECTED_AS_OF} == EXPECTED_AS_OF
    ranking = html.split('id="ranking"')[1].split("</section>")[0]
    # STTTT: 1 on time of 1 + 1 done and 1 overdue (33.3%); Lý Sơn: 0 of 3 overdue.
    assert ranking.index("Sở Thông tin") < ranking.index("Lý Sơn")
    assert "33.3%" in ranking and "0.0%" in ranking
    for href, value in set(links(html)):
        assert list_count(client, href) == value
    # January 2021 (15/12/2020 – 14/01/2021): nothing was assigned then.
    html = client.get("/reports?period=2021-01&as_of=2021-07-01").get_data(as_text=True)
    assert numbers(html)["total"] == 0
    # March 2021 (15/02 – 14/03): the tasks assigned on 08/03 less the withdrawn one.
    html = client.get("/reports?period=2021-03&as_of=2021-07-01").get_data(as_text=True)
    # overdue_200 was assigned in December; no_deadline is beside the total.
    assert numbers(html)["total"] == 7 and numbers(html)["no_deadline"] == 1


def _status_counts(values) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return counts


EXPORT_STATUSES = {
    "Hoàn thành đúng hạn": 1,
    "Hoàn thành quá hạn": 1,
    "Đang thực hiện trong hạn": 1,
    "Sắp đến hạn": 1,
    "Quá hạn": 4,
    "Không thời hạn, đang thực hiện": 1,
}
# The official group of each row (its own column, issue 10): in time counts both labels.
EXPORT_GROUPS = {
    "Hoàn thành đúng hạn": 1,
    "Hoàn thành quá hạn": 1,
    "Đang thực hiện trong hạn": 2,
    "Quá hạn": 4,
    "Không thời hạn": 1,
}


def test_excel_and_csv_exports_hold_the_same_numbers(client, login_as, data, runner, tmp_path):
    login_as("office")
    query = f"period={ALL}&as_of={AS_OF.isoformat()}"
    response = client.get(f"/reports/export.xlsx?{query}")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    sheet = book["Phụ lục"]
    assert sheet["A1"].value == "PHỤ LỤC"
    assert sheet["A2"].value == "TỔNG HỢP KẾT QUẢ THỰC HIỆN NHIỆM VỤ"
    assert "01/07/2021" in sheet["A3"].value and "01/12/2020" in sheet["A3"].value
    assert sheet["A1"].font.name == "Times New Roman"
    header = [c.value for c in sheet[5]]
    assert header[0] == "STT" and "Đơn vị chủ trì" in header and "Gia hạn" in header
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=6)]
    assert [r[0] for r in rows] == list(range(1, 10))
    assert _status_counts(r[8] for r in rows) == EXPORT_STATUSES
    assert header[9] == "Nhóm (theo biểu mẫu)"
    assert _status_counts(r[9] for r in rows) == EXPORT_GROUPS
    # The due date in force on AS_OF, not the later extension.
    extended = next(r for r in rows if r[3] == "Nhiệm vụ thử" and r[6] == datetime(2021, 6, 15))
    assert extended[12] == 0  # its extension took effect after AS_OF
    late = next(r for r in rows if r[6] == datetime(2021, 5, 31))
    assert late[12] == 1  # extended on 25/04, before AS_OF
    summary = {
        row[0].value: row[1].value for row in book["Tổng hợp"].iter_rows(min_row=4, max_row=15)
    }
    assert summary["Tổng số nhiệm vụ (có thời hạn)"] == 8
    assert summary["  - Hoàn thành đúng hạn"] == 1
    assert summary["  - Hoàn thành quá hạn"] == 1
    assert summary["  - Đang thực hiện trong hạn"] == 2
    assert summary["  - Quá hạn"] == 4
    assert summary["Không thời hạn (ngoài tổng số)"] == 1
    assert summary["  - Chưa hoàn thành"] == 1 and summary["  - Đã hoàn thành"] == 0
    assert "giao trong kỳ" in sheet["A3"].value  # the scope, in the title block
    assert summary["Nhiệm vụ đã đến hạn"] == 6

    response = client.get(f"/reports/export.csv?{query}")
    assert response.data.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert table[0][0] == "STT" and len(table) == 10
    assert _status_counts(r[8] for r in table[1:]) == EXPORT_STATUSES
    assert _status_counts(r[9] for r in table[1:]) == EXPORT_GROUPS
    assert table[0][-1] == "Phạm vi số liệu"
    assert {r[-1] for r in table[1:]} == {
        "Kỳ báo cáo từ ngày 01/12/2020 đến ngày 31/12/2021, phạm vi: giao trong kỳ (nhiệm "
        "vụ được giao từ ngày đầu đến ngày cuối kỳ); Số liệu tính đến ngày 01/07/2021, "
        "hoàn thành tính theo kết quả đã xác nhận đến ngày 01/07/2021"
    }

    # The command line writes the same CSV.
    output = tmp_path / "report.csv"
    result = runner.invoke(
        args=["report", "--period", ALL, "--as-of", "2021-07-01", "--format", "csv",
              "--output", str(output)]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert output.read_bytes() == response.data
    result = runner.invoke(
        args=["report", "--period", ALL, "--as-of", "2021-07-01", "--output", str(tmp_path / "r.xlsx")]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert load_workbook(tmp_path / "r.xlsx")["Phụ lục"].max_row == 5 + 9


def test_report_command_rejects_a_bad_period(runner, app, tmp_path):
    result = runner.invoke(args=["report", "--period", "2021-13", "--output", str(tmp_path / "x")])
    assert result.exit_code == 2 and "invalid period" in result.output


@pytest.mark.parametrize(
    "text, start, end",
    [
        ("2021-03", date(2021, 2, 15), date(2021, 3, 14)),
        ("2021-01", date(2020, 12, 15), date(2021, 1, 14)),
        ("2021-Q1", date(2020, 12, 15), date(2021, 3, 14)),
        ("2021-H2", date(2021, 6, 15), date(2021, 12, 14)),
        ("2021", date(2020, 12, 15), date(2021, 12, 14)),
        ("2021-03-01..2021-03-31", date(2021, 3, 1), date(2021, 3, 31)),
    ],
)
def test_periods(text, start, end):
    period = parse_period(text)
    assert (period.start, period.end) == (start, end)


@pytest.mark.parametrize("text", ["", "2021-00", "2021-Q5", "21-03", "2021-03-31..2021-03-01"])
def test_bad_periods(text):
    with pytest.raises(PeriodError):
        parse_period(text)


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, *args, **kwargs):
        self.count += 1


def _queries(client, url: str) -> int:
    counter = QueryCounter()
    client.get("/healthz")  # commit the test's session outside the count
    event.listen(Engine, "before_cursor_execute", counter)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(Engine, "before_cursor_execute", counter)
    return counter.count


def test_query_count_does_not_grow_with_the_number_of_tasks(client, login_as, app):
    from tracker import demo

    login_as("leader")
    demo.generate(db.session, tasks=10, units=6, seed=7, today=AS_OF)
    db.session.commit()
    # A merger after 31/03 (issue 11): the figures as of then read the lead-unit and
    # coordinating-unit histories too, still in a constant number of queries.
    from tracker.services import succession

    leads = db.session.scalars(db.select(Task.lead_unit_id).distinct()).all()
    a, b = (db.session.get(Unit, unit_id) for unit_id in leads[:2])
    plan = succession.plan("merge", sources=[a, b], targets=[b], effective_on=date(2021, 4, 1),
                           today=AS_OF)  # fmt: skip
    succession.apply(plan, actor=None, now=datetime(2021, 4, 1, 3, tzinfo=UTC))
    db.session.commit()
    urls = [
        f"/dashboard?as_of={AS_OF.isoformat()}",
        "/dashboard?as_of=2021-03-31",
        f"/reports?period=2020-06-01..2021-07-01&as_of={AS_OF.isoformat()}",
        "/reports?period=2020-06-01..2021-07-01&as_of=2021-03-31&predecessors=1",
        "/tasks?as_of=2021-03-31",
    ]
    small = [_queries(client, url) for url in urls]
    # Grow to 2,000 tasks: copies of the generated ones on new directive items.
    tasks = db.session.scalars(db.select(Task)).all()
    rows = []
    for i in range(1990):
        source = tasks[i % len(tasks)]
        rows.append(
            {
                column.key: getattr(source, column.key)
                for column in Task.__table__.columns
                if column.key not in {"id", "item_no", "version"}
            }
            | {"item_no": 1000 + i, "version": 1}
        )
    db.session.execute(insert(Task), rows)
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count(Task.id))) == 2000
    assert [_queries(client, url) for url in urls] == small


def test_ical_feeds_per_user_and_unit_and_revocation(client, login_as, data, app):
    from tracker.services import feeds

    t, a, *_ = data
    anonymous = client.application.test_client()
    login_as("unit_head")
    page = client.get("/ical").get_data(as_text=True)
    from .conftest import csrf_token_from

    token = csrf_token_from(page)
    html = client.post(
        "/ical", data={"target": "unit", "action": "create", "csrf_token": token}
    ).get_data(as_text=True)
    url = re.search(r"<code>(http[^<]+)</code>", html).group(1)
    path = url.split("localhost", 1)[-1]
    db.session.commit()
    body = anonymous.get(path)
    assert body.status_code == 200 and body.mimetype == "text/calendar"
    text = body.get_data(as_text=True)
    # STTTT's open tasks with a due date: in_time, assigned_later, overdue_200.
    assert text.count("BEGIN:VEVENT") == 3
    assert "DTSTART;VALUE=DATE:20210930" in text and "DTSTART;VALUE=DATE:20201213" in text
    assert "20210601" not in text  # completed and withdrawn tasks leave the feed
    client.post("/ical", data={"target": "unit", "action": "revoke", "csrf_token": token})
    db.session.commit()
    assert anonymous.get(path).status_code == 404
    assert feeds.feed_for_token("not-a-token") is None


def test_leader_follows_a_number_in_the_browser(page, data, users):
    sign_in(page, users["leader"].email)
    page.goto(f"/dashboard?as_of={AS_OF.isoformat()}")
    page.wait_for_selector("#totals")
    screenshot(page, "reports-dashboard")
    overdue = page.locator('#totals td[data-key="overdue"] a.num')
    assert overdue.inner_text().strip() == "4"
    overdue.click()
    page.wait_for_load_state()
    assert "/tasks?" in page.url
    assert "4 nhiệm vụ, tính đến ngày 01/07/2021" in page.content()
    assert page.locator("span.badge.status-overdue").count() == 4
    screenshot(page, "reports-dashboard-overdue-list")


def test_due_date_in_force_join_subquery_and_python_rule_agree(app, data):
    from sqlalchemy import select

    from tracker.services.tasks import status_context
    from tracker.status import (
        due_in_force,
        due_in_force_on,
        due_on_as_of,
        time_status,
        time_status_sql,
    )

    t, *_ = data
    for day in (date(2021, 4, 24), date(2021, 4, 25), PAST, AS_OF, date(2021, 7, 10)):
        ctx = status_context(day)
        joined = due_in_force(ctx)
        query = joined.join(
            select(Task, joined.expr, due_on_as_of(day), time_status_sql(ctx, due=joined.expr))
        )
        for task, due, due_subquery, status in db.session.execute(query):
            assert due == due_subquery, (task.id, day)
            # The pure form finds the due date in force itself (one helper everywhere).
            assert due_in_force_on(task, ctx) == due, (task.id, day)
            assert time_status(task, ctx).value == status, (task.id, day)
    extended, late = t["extended_after_as_of"], t["late_after_extension"]
    dues = {
        day: dict(
            db.session.execute(
                select(Task.id, due_on_as_of(day)).where(Task.id.in_([extended.id, late.id]))
            ).all()
        )
        for day in (date(2021, 4, 24), date(2021, 4, 25), date(2021, 7, 10))
    }
    assert dues[date(2021, 4, 24)][late.id] == date(2021, 5, 1)  # before the extension
    assert dues[date(2021, 4, 25)][late.id] == date(2021, 5, 31)  # the day it took effect
    assert dues[date(2021, 4, 25)][extended.id] == date(2021, 6, 15)
    assert dues[date(2021, 7, 10)][extended.id] == date(2021, 8, 31)
