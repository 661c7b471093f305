"""Hostile query parameters and path ids (issue 8, item 2): huge numbers, far dates,
control characters and over-long text are ignored with a note on the page, or answered
400 (downloads) / 404 (ids), never 500; the rows shown stay those without the bad value."""

from __future__ import annotations

import re
import time
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tracker.calendar import WorkingCalendar, local_today, shift_days
from tracker.extensions import db
from tracker.models import Unit
from tracker.services.reports import PeriodError, PeriodOutOfRange, month_ends, parse_period

from .conftest import csrf_token_from, make_directive, make_task

HUGE = "99999999999999999999"
NOTE = "Đã bỏ qua tham số không hợp lệ trong địa chỉ"


@pytest.fixture
def tasks(app, users):
    """Three tasks of STTTT (the unit roles' unit), one overdue, and one of Lý Sơn."""
    stttt = db.session.scalar(select(Unit).filter_by(code="STTTT"))
    lyson = Unit(code="LYSON", name="UBND huyện Lý Sơn")
    db.session.add(lyson)
    directive = make_directive("45/TB-UBND")
    today = local_today()
    made = {
        "open": make_task(
            directive, stttt, due_on=today + timedelta(days=30), monitor=users["office"]
        ),
        "overdue": make_task(
            directive, stttt, due_on=today - timedelta(days=40), monitor=users["office"]
        ),
        "no_deadline": make_task(directive, stttt, title="Rà soát phần mềm dùng chung"),
        "lyson": make_task(
            directive, lyson, due_on=today + timedelta(days=10), assigned_by=users["leader"]
        ),
    }
    db.session.commit()
    return made, stttt, lyson


def listed(html: str) -> set[int]:
    return {int(n) for n in re.findall(r'href="/tasks/(\d+)"', html)}


def without_notes(html: str) -> str:
    """The page minus its notes and per-request tokens, to compare with the plain page."""
    html = re.sub(r'<p class="flash[^"]*" role="alert">.*?</p>', "", html, flags=re.S)
    html = re.sub(r'name="csrf_token" value="[^"]*"', "", html)
    return re.sub(r"\s+", " ", html)


def notes(html: str) -> str:
    return " ".join(re.findall(r'<p class="flash flash-warning" role="alert">(.*?)</p>', html))


# --- task lists -------------------------------------------------------------------------

TASK_LIST_BAD = [
    ("unit", HUGE),
    ("unit", "-1"),
    ("page", HUGE),
    ("page", "0"),
    ("leader", HUGE),
    ("directive", HUGE),
    ("involving", str(2**63)),
    ("monitor", "2147483648"),
    ("age_min", HUGE),
    ("age_max", "-5"),
    ("as_of", "9999-12-31"),
    ("as_of", "0001-01-01"),
    ("due_from", "0001-01-01"),
    ("due_to", "31/12/9999"),
    ("assigned_from", "hôm qua"),
    ("q", "ly\x00son"),
    ("q", "a" * 201),
    ("field", "Chuyển\x00đổi số"),
    ("status", "bogus"),
    ("state", "drop table"),
    ("sort", "1;--"),
    ("priority", "maybe"),
]


@pytest.mark.parametrize("role", ["office", "unit_staff"])
@pytest.mark.parametrize("endpoint", ["/tasks", "/tasks/mine"])
def test_a_bad_list_parameter_is_ignored_with_a_note(client, login_as, tasks, role, endpoint):
    login_as(role)
    plain = client.get(endpoint)
    assert plain.status_code == 200
    expected = listed(plain.get_data(as_text=True))
    assert expected, "the list shows tasks"
    for name, value in TASK_LIST_BAD:
        response = client.get(endpoint, query_string={name: value})
        html = response.get_data(as_text=True)
        assert response.status_code == 200, (name, value, response.status_code)
        assert NOTE in notes(html) and name in notes(html), (name, value)
        assert listed(html) == expected, (name, value)


def test_a_valid_filter_still_filters_without_a_note(client, login_as, tasks):
    made, stttt, lyson = tasks
    login_as("office")
    html = client.get(f"/tasks?unit={lyson.id}").get_data(as_text=True)
    assert listed(html) == {made["lyson"].id} and not notes(html)
    html = client.get("/tasks?status=overdue&q=&unit=").get_data(as_text=True)
    assert listed(html) == {made["overdue"].id} and not notes(html)
    html = client.get("/tasks?q=phan+mem&as_of=01/07/2021").get_data(as_text=True)
    assert listed(html) == {made["no_deadline"].id} and not notes(html)
    # Good values are kept beside an ignored one.
    html = client.get(f"/tasks?unit={lyson.id}&leader={HUGE}").get_data(as_text=True)
    assert listed(html) == {made["lyson"].id} and "leader" in notes(html)


def test_unit_staff_cannot_widen_their_list_with_a_parameter(client, login_as, tasks):
    made, stttt, lyson = tasks
    login_as("unit_staff")
    html = client.get(f"/tasks?unit={lyson.id}&withdrawn=1").get_data(as_text=True)
    assert listed(html) == set()
    html = client.get(f"/tasks/mine?involving={lyson.id}").get_data(as_text=True)
    assert made["lyson"].id not in listed(html)


# --- directives and users ---------------------------------------------------------------


@pytest.mark.parametrize("role", ["office", "unit_staff"])
def test_directive_list_ignores_bad_parameters(client, login_as, tasks, role):
    login_as(role)
    plain = without_notes(client.get("/directives/").get_data(as_text=True))
    assert "45/TB-UBND" in plain
    for name, value in [
        ("leader", HUGE),
        ("year", HUGE),
        ("year", "1"),
        ("page", HUGE),
        ("kind", "bogus"),
        ("q", "45\x00"),
        ("q", "x" * 500),
    ]:
        response = client.get("/directives/", query_string={name: value})
        html = response.get_data(as_text=True)
        assert response.status_code == 200, (name, value)
        assert name in notes(html), (name, value)
        assert without_notes(html) == plain, (name, value)
    html = client.get("/directives/?year=2021&q=45").get_data(as_text=True)
    assert "45/TB-UBND" in html and not notes(html)
    html = client.get("/directives/?year=2020").get_data(as_text=True)
    assert "45/TB-UBND" not in html and not notes(html)


def test_user_list_ignores_bad_parameters(client, login_as, users):
    login_as("admin")
    plain = without_notes(client.get("/admin/users").get_data(as_text=True))
    for name, value in [("unit", HUGE), ("role", "root"), ("q", "\x00"), ("q", "a" * 300)]:
        response = client.get("/admin/users", query_string={name: value})
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and name in notes(html), (name, value)
        assert without_notes(html) == plain
    html = client.get("/admin/users?role=viewer").get_data(as_text=True)
    assert users["viewer"].email in html and users["office"].email not in html


# --- dashboard, report, chart, exports ----------------------------------------------------

FAR = [
    ("as_of", "9999-12-31", "31/12/2100"),
    ("as_of", "0001-01-01", "01/01/2000"),
    ("as_of", "hôm nay", "as_of"),
    ("period", "0001-01-01..9999-12-31", "01/01/2000"),
    ("period", "9999", "01/01/2000"),
    ("period", "0000-01", "2021-Q1"),
    ("period", "2021-13", "2021-Q1"),
    ("period", "2021\x00", "period"),
    ("from", "0001-01-01", "from"),
    ("to", "9999-12-31", "to"),
]


@pytest.mark.parametrize("role", ["office", "unit_head"])
@pytest.mark.parametrize("url", ["/dashboard", "/reports"])
def test_far_dates_on_the_dashboard_and_report_are_noted(client, login_as, tasks, role, url):
    login_as(role)
    plain = without_notes(client.get(url).get_data(as_text=True))
    for name, value, said in FAR:
        response = client.get(url, query_string={name: value})
        html = response.get_data(as_text=True)
        assert response.status_code == 200, (name, value, response.status_code)
        assert NOTE in notes(html) and said in notes(html), (name, value, notes(html))
        assert without_notes(html) == plain, (name, value)
    both = client.get(url, query_string={"from": "0001-01-01", "to": "9999-12-31"})
    assert both.status_code == 200 and "31/12/2100" in notes(both.get_data(as_text=True))


def test_a_period_within_range_still_applies(client, login_as, tasks):
    login_as("office")
    html = client.get("/reports?from=01/01/2021&to=31/12/2021").get_data(as_text=True)
    assert "2021-01-01..2021-12-31" in html and not notes(html)


@pytest.mark.parametrize(
    "url",
    [
        "/dashboard/trend.svg?as_of=9999-12-31",
        "/dashboard/trend.svg?as_of=0001-01-01",
        "/reports/export.xlsx?period=0001-01-01..9999-12-31",
        "/reports/export.csv?from=0001-01-01&to=9999-12-31",
        "/reports/export.csv?as_of=9999-12-31",
        "/reports/export.xlsx?period=2021%00",
    ],
)
def test_downloads_answer_400_to_far_dates(client, login_as, tasks, url):
    login_as("office")
    response = client.get(url)
    assert response.status_code == 400, response.status_code
    ok = client.get(url.split("?")[0])
    assert ok.status_code == 200


def test_trend_and_dashboard_near_the_ends_of_the_range(client, login_as, tasks):
    login_as("office")
    for day in ("2000-01-01", "2100-12-31"):
        assert client.get(f"/dashboard?as_of={day}").status_code == 200
        assert client.get(f"/dashboard/trend.svg?as_of={day}").status_code == 200
        assert client.get(f"/tasks?as_of={day}&age_min=36500").status_code == 200
    response = client.get("/reports/export.csv?period=2000-01-01..2100-12-31")
    assert response.status_code == 200


# --- path ids -----------------------------------------------------------------------------


def test_path_ids_out_of_range_are_404_on_every_route(app, client, login_as, tasks):
    login_as("admin")
    token = csrf_token_from(client.get("/admin/users/new").get_data(as_text=True))
    checked = set()
    for rule in app.url_map.iter_rules():
        if "<int:" not in rule.rule:
            continue
        for huge in ("2147483648", str(2**63), HUGE, "0"):
            path = re.sub(r"<int:\w+>", huge, rule.rule)
            path = re.sub(r"<any\(([^,)]+)[^)]*\):\w+>", r"\1", path)
            path = re.sub(r"<(path:)?\w+>", "x.pdf", path)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                response = client.open(path, method=method, data={"csrf_token": token})
                assert response.status_code == 404, (method, path, response.status_code)
                checked.add(rule.endpoint)
    # Tasks and their actions, directives, extensions, users, sessions, the outbox.
    assert len(checked) >= 15, checked


@pytest.mark.parametrize("role", ["office", "unit_staff"])
def test_the_largest_id_is_a_plain_not_found(client, login_as, tasks, role):
    login_as(role)
    assert client.get("/tasks/2147483647").status_code == 404
    assert client.get("/tasks/2147483648").status_code == 404
    assert client.get("/directives/2147483648").status_code == 404
    made, *_ = tasks
    assert client.get(f"/tasks/{made['open'].id}").status_code == 200


# --- the language and control characters anywhere --------------------------------------


def test_garbage_language_and_control_characters_do_no_harm(client, login_as, tasks):
    login_as("unit_staff")
    for value in ("\x00", "xx" * 500, "vi\r\nSet-Cookie: a=b", "en"):
        response = client.get("/tasks", query_string={"lang": value, "\x00key": "\x01"})
        assert response.status_code == 200
        assert "Set-Cookie: a=b" not in str(response.headers)
    # The last valid choice (en) stuck, the garbage did not replace it.
    html = client.get("/tasks?lang=%00").get_data(as_text=True)
    assert '<html lang="en">' in html


# --- far dates in the services and the command line ------------------------------------------


def test_working_day_arithmetic_at_the_ends_of_the_calendar():
    cal = WorkingCalendar()
    assert cal.add_working_days(date.max - timedelta(days=2), 10) == date.max
    assert cal.add_working_days(date.min, -3) == date.min
    assert shift_days(date.min, -200) == date.min and shift_days(date.max, 5) == date.max
    started = time.perf_counter()
    # 3,652,058 days after Monday 1/1/1: 521,722 weeks and Tuesday to Friday.
    assert cal.working_days_between(date.min, date.max) == 521_722 * 5 + 4
    assert time.perf_counter() - started < 0.1
    # The counting by weeks agrees with counting day by day, holidays and làm bù included.
    holidays = frozenset({date(2021, 2, 10), date(2021, 2, 11), date(2021, 2, 13)})
    cal = WorkingCalendar(holidays, frozenset({date(2021, 2, 20)}))
    start = date(2021, 1, 25)
    for n in range(0, 60):
        end = start + timedelta(days=n)
        by_day = sum(
            cal.is_working_day(start + timedelta(days=k)) for k in range(1, (end - start).days + 1)
        )
        assert cal.working_days_between(start, end) == by_day
        assert cal.working_days_between(end, start) == -by_day


def test_month_ends_stop_at_year_one():
    assert month_ends(date(1, 3, 10)) == [date(1, 1, 31), date(1, 2, 28), date(1, 3, 10)]


@pytest.mark.parametrize(
    "text",
    ["0001-01-01..9999-12-31", "9999", "1999-12", "2000-01", "2101-H1", "2100-12-20..2101-01-01"],
)
def test_periods_outside_the_date_range_are_refused(app, text):
    with pytest.raises(PeriodOutOfRange, match="must lie between"):
        parse_period(text)


def test_periods_at_the_edges_of_the_range_are_accepted(app):
    assert parse_period("2000-01-01..2100-12-31").end == date(2100, 12, 31)
    assert parse_period("2000-02").start == date(2000, 1, 15)
    with pytest.raises(PeriodError):
        parse_period("0000-01")


@pytest.mark.parametrize(
    "args",
    [
        ["--period", "0001-01-01..9999-12-31"],
        ["--period", "9999"],
        ["--period", "2021", "--as-of", "9999-12-31"],
        ["--period", "2021", "--as-of", "0001-01-01"],
    ],
)
def test_report_command_exits_2_on_far_dates(runner, app, tmp_path, args):
    output = tmp_path / "r.csv"
    result = runner.invoke(args=["report", *args, "--format", "csv", "--output", str(output)])
    assert result.exit_code == 2, result.output
    assert "must lie between" in result.output and not output.exists()
