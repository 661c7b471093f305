"""Issue 10 on the pages and exports: the official form (Total with a deadline =
completed + not completed, no-deadline tasks beside it), the published rates, the known-
on-D view and its toggle, period scopes, and shared ranks."""

from __future__ import annotations

import csv
import io
import re
from datetime import date

import pytest

from tracker.extensions import db
from tracker.services import reports
from tracker.services.reports import Counts, GroupRow, assign_ranks, parse_period
from tracker.services.tasks import status_context

from .conftest import make_directive, make_task, make_unit
from .test_reports import links, list_count, numbers

QN_AS_OF = date(2020, 7, 6)
QN_PERIOD = "2020-01-01..2020-07-06"


@pytest.fixture
def quang_nam(app, users):
    """The shape of Quảng Nam's published breakdown (1/1–6/7/2020): 833 tasks with a
    deadline — 512 completed on time, 73 late, 67 in time, 181 overdue — and 15 without
    a deadline (4 of them done). 5 of the 67 in time were submitted by 6/7 and confirmed
    on 8/7: completed only in the corrected view."""
    unit = users["unit_head"].unit
    directive = make_directive("1/TB-UBND", issued_on=date(2020, 1, 2))
    due, early, late = date(2020, 6, 30), date(2020, 6, 20), date(2020, 7, 3)

    def add(n: int, **kw) -> None:
        for _ in range(n):
            make_task(directive, unit, assigned_on=date(2020, 1, 2), **kw)

    done = dict(state="completed", confirmed_on=date(2020, 7, 4))
    add(512, due_on=due, completed_on=early, **done)
    add(73, due_on=due, completed_on=late, **done)
    add(62, due_on=date(2020, 7, 31), state="in_progress")
    add(5, due_on=date(2020, 7, 31), state="completed", completed_on=date(2020, 7, 5),
        confirmed_on=date(2020, 7, 8))  # fmt: skip
    add(181, due_on=due, state="in_progress")
    add(11, due_on=None, state="in_progress")
    add(4, due_on=None, completed_on=early, **done)
    db.session.commit()


def test_published_breakdown_total_and_rates(quang_nam, users, client, login_as):
    office = users["office"]
    period = parse_period(QN_PERIOD)
    known = reports.totals(office, status_context(QN_AS_OF), period)
    assert (known.total, known.done_on_time, known.done_late, known.in_time, known.overdue) == (
        833, 512, 73, 67, 181,
    )  # fmt: skip
    assert known.total == known.completed + known.not_completed
    assert (known.no_deadline, known.no_deadline_done, known.awaiting) == (15, 4, 5)
    assert round(known.rate_all * 100, 1) == 70.2  # 585 / 833, the published rate
    corrected = reports.totals(office, status_context(QN_AS_OF, True), period)
    assert (corrected.done_on_time, corrected.in_time, corrected.awaiting) == (517, 62, 0)

    login_as("office")
    url = f"/reports?period={QN_PERIOD}&as_of={QN_AS_OF.isoformat()}"
    html = client.get(url).get_data(as_text=True)
    found = numbers(html)
    assert (found["total"], found["completed"], found["not_completed"]) == (833, 585, 248)
    assert (found["no_deadline"], found["no_deadline_done"], found["awaiting"]) == (15, 4, 5)
    assert "70.2%" in html
    rules = html.split('id="rate-rules"')[1].split("</p>")[0]
    assert "Tỷ lệ hoàn thành" in rules and "không thời hạn" in rules.lower()
    assert "Không thời hạn" in html.split('id="no-deadline"')[1].split("</p>")[0]
    assert "chờ xác nhận" in html  # the state of the five on 06/07
    toggled = client.get(url + "&later_confirmations=1").get_data(as_text=True)
    assert numbers(toggled)["done_on_time"] == 517 and "70.8%" in toggled  # 590 / 833
    assert 'name="later_confirmations" value="1" checked' in toggled
    for href, _value in set(links(toggled)):
        assert "later_confirmations=1" in href
    # The CSV carries the official group in a column of its own.
    csv_data = client.get(
        f"/reports/export.csv?period={QN_PERIOD}&as_of={QN_AS_OF.isoformat()}"
    ).data.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(csv_data)))
    groups: dict[str, int] = {}
    for row in table[1:]:
        groups[row[9]] = groups.get(row[9], 0) + 1
    assert groups == {
        "Hoàn thành đúng hạn": 512, "Hoàn thành quá hạn": 73,
        "Đang thực hiện trong hạn": 67, "Quá hạn": 181, "Không thời hạn": 15,
    }  # fmt: skip
    assert sum("(chờ xác nhận)" in row[8] for row in table[1:]) == 5


@pytest.fixture
def scoped(app, users):
    """Tasks around the March 2021 period (15/02–14/03), as of 31/03/2021."""
    unit = users["unit_head"].unit
    directive = make_directive("2/TB-UBND", issued_on=date(2020, 12, 1))
    t = {
        "assigned Jan, due in March": make_task(
            directive, unit, assigned_on=date(2021, 1, 10), due_on=date(2021, 3, 1)
        ),
        "assigned Jan, done in March": make_task(
            directive,
            unit,
            assigned_on=date(2021, 1, 10),
            due_on=date(2021, 1, 31),
            state="completed",
            completed_on=date(2021, 3, 5),
            confirmed_on=date(2021, 3, 6),
        ),  # fmt: skip
        "assigned in March": make_task(
            directive, unit, assigned_on=date(2021, 2, 20), due_on=date(2021, 4, 30)
        ),
        "done before the period": make_task(
            directive,
            unit,
            assigned_on=date(2020, 12, 1),
            due_on=date(2021, 1, 10),
            state="completed",
            completed_on=date(2021, 1, 5),
            confirmed_on=date(2021, 1, 6),
        ),  # fmt: skip
        "overdue, carried over": make_task(
            directive, unit, assigned_on=date(2021, 1, 5), due_on=date(2021, 2, 1)
        ),
    }
    db.session.commit()
    return t


@pytest.mark.parametrize(
    "scope, total, words",
    [
        ("assigned", 1, "giao trong kỳ"),
        ("due", 1, "đến hạn trong kỳ"),
        ("cumulative", 4, "lũy kế"),
    ],
)
def test_period_scopes_and_every_number_links_to_its_list(
    scoped, client, login_as, runner, tmp_path, scope, total, words
):
    login_as("office")
    html = client.get(f"/reports?period=2021-03&as_of=2021-03-31&scope={scope}").get_data(
        as_text=True
    )
    assert numbers(html)["total"] == total
    assert f'data-scope="{scope}"' in html
    for href, value in set(links(html)):
        assert list_count(client, href) == value, href
    # The Excel title block and the CSV say the scope too.
    output = tmp_path / "r.csv"
    result = runner.invoke(
        args=["report", "--period", "2021-03", "--as-of", "2021-03-31", "--format", "csv",
              "--scope", scope, "--output", str(output)]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    table = list(csv.reader(io.StringIO(output.read_text("utf-8-sig"))))
    assert len(table) == 1 + total and all(f"phạm vi: {words}" in r[-1] for r in table[1:])
    response = client.get(f"/reports/export.xlsx?period=2021-03&as_of=2021-03-31&scope={scope}")
    from openpyxl import load_workbook

    assert words in load_workbook(io.BytesIO(response.data))["Phụ lục"]["A3"].value


def test_the_default_scope_is_a_setting_stated_on_the_page(scoped, client, login_as, app):
    login_as("office")
    client.application.config["REPORT_PERIOD_SCOPE"] = "cumulative"
    html = client.get("/reports?period=2021-03&as_of=2021-03-31").get_data(as_text=True)
    assert numbers(html)["total"] == 4 and 'data-scope="cumulative"' in html
    assert re.search(r'value="cumulative" selected>[^<]*\(mặc định\)', html), html
    assert client.get("/reports?period=2021-03&scope=weekly").status_code == 200  # ignored
    assert client.get("/reports/export.csv?period=2021-03&scope=weekly").status_code == 400


def _row(label: str, on_time: int, late: int, overdue: int) -> GroupRow:
    return GroupRow(label, label, Counts(done_on_time=on_time, done_late=late, overdue=overdue))


def test_exact_ties_share_a_rank_and_the_next_skips():
    rows = assign_ranks(
        [
            _row("D", 0, 0, 1),
            _row("C", 1, 1, 0),
            _row("A", 2, 0, 0),
            _row("B", 1, 1, 0),
            _row("E", 0, 0, 0),
        ]  # fmt: skip
    )
    assert [(r.label, r.rank) for r in rows] == [("A", 1), ("B", 2), ("C", 2), ("D", 4), ("E", 5)]
    # Equal rate but more completed on time ranks higher: not a tie.
    rows = assign_ranks([_row("X", 1, 1, 0), _row("Y", 2, 2, 0)])
    assert [(r.label, r.rank) for r in rows] == [("Y", 1), ("X", 2)]


def test_ranking_page_shows_shared_ranks_and_the_rule(app, users, client, login_as):
    directive = make_directive("3/TB-UBND", issued_on=date(2021, 3, 1))
    units = [make_unit(code, f"Sở {code}") for code in ("AA", "BB", "CC", "DD")]
    due, day = date(2021, 6, 30), date(2021, 3, 1)
    for unit, (on_time, late, overdue) in zip(
        units, [(2, 0, 0), (1, 1, 0), (1, 1, 0), (0, 0, 1)], strict=True
    ):
        for _ in range(on_time):
            make_task(directive, unit, assigned_on=day, due_on=due, state="completed",
                      completed_on=date(2021, 6, 1))  # fmt: skip
        for _ in range(late):
            make_task(directive, unit, assigned_on=day, due_on=due, state="completed",
                      completed_on=date(2021, 7, 1))  # fmt: skip
        for _ in range(overdue):
            make_task(directive, unit, assigned_on=day, due_on=due)
    db.session.commit()
    login_as("office")
    html = client.get("/reports?period=2021-03&as_of=2021-07-10").get_data(as_text=True)
    ranking = html.split('id="ranking"')[1].split("</section>")[0]
    ranks = re.findall(r'data-key="rank">(\d+)<', ranking)
    assert ranks == ["1", "2", "2", "4"]
    assert "(1, 2, 2, 4)" in ranking.split('id="rank-rule"')[1]


def test_office_ticks_later_confirmations_and_changes_the_scope_in_the_browser(
    page, quang_nam, users
):
    from .conftest import screenshot, sign_in

    sign_in(page, users["office"].email)
    page.goto(f"/reports?period={QN_PERIOD}&as_of={QN_AS_OF.isoformat()}")
    on_time = page.locator('#totals td[data-key="done_on_time"] a.num')
    assert on_time.inner_text().strip() == "512"
    assert "chờ xác nhận" in page.locator("#scope").inner_text()
    page.check('input[name="later_confirmations"]')
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state()
    assert "later_confirmations=1" in page.url
    assert page.locator('#totals td[data-key="done_on_time"] a.num').inner_text() == "517"
    assert "Kể cả kết quả được xác nhận sau ngày 06/07/2020" in page.inner_text("#scope")
    page.select_option('select[name="scope"]', "cumulative")
    page.click("form.filters button[type=submit]")
    page.wait_for_load_state()
    assert "lũy kế" in page.inner_text("#scope")
    page.set_viewport_size({"width": 390, "height": 844})
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width  # nothing wider than a phone
    screenshot(page, "reports-later-confirmations-phone")
