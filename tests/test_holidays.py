"""The Office's holiday page (issue 11, item 6): the table of a year, add / edit / delete
with a reason (audited), the fixed-date days of the Labour Code, and the calendar seen by
the next request of every worker."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from tracker import create_app
from tracker.calendar import WorkingCalendar, load_calendar, local_today
from tracker.extensions import db
from tracker.models import AuditEvent, Holiday, Unit

from .conftest import (
    PASSWORD,
    SeparateContextClient,
    _test_config,
    csrf_token_from,
    make_directive,
    make_task,
)

ROLES = ("admin", "office", "leader", "unit_head", "unit_staff", "viewer")
READERS = {"admin", "office", "leader", "viewer"}
EDITORS = {"admin", "office"}


def holiday(day: date, name: str = "Ngày lễ", working: bool = False) -> Holiday:
    row = Holiday(day=day, name=name, is_working_day=working)
    db.session.add(row)
    db.session.commit()
    return row


def token(client, url: str = "/holidays/new") -> str:
    return csrf_token_from(client.get(url).get_data(as_text=True))


def table() -> list[tuple]:
    db.session.expire_all()
    return [
        (h.day, h.name, h.is_working_day)
        for h in db.session.scalars(select(Holiday).order_by(Holiday.day))
    ]


def audits(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


# --- the table of a year ------------------------------------------------------------------


def test_the_table_of_a_year_with_weekdays_kinds_and_counts(client, login_as, users, holidays):
    login_as("leader")
    html = client.get("/holidays?year=2026").get_data(as_text=True)
    assert "Ngày nghỉ lễ, ngày làm bù năm 2026" in html
    # 01/01/2026 is a Thursday; Saturday 10/01/2026 is worked for Friday 02/01.
    assert "01/01/2026</td>" in html and "Thứ Năm" in html
    row = html.split('data-day="2026-01-10"')[1].split("</tr>")[0]
    assert "10/01/2026" in row and "Thứ Bảy" in row and "Ngày làm bù" in row
    row = html.split('data-day="2026-09-02"')[1].split("</tr>")[0]
    assert "Thứ Tư" in row and "Ngày nghỉ lễ" in row
    assert "2025" not in html.split("<tbody>")[1].split("</tbody>")[0]
    expected = load_calendar().working_days_between(date(2025, 12, 31), date(2026, 12, 31))
    assert f"Số ngày làm việc trong năm: {expected}" in html
    off = db.session.scalar(
        select(func.count(Holiday.id)).where(
            Holiday.day.between(date(2026, 1, 1), date(2026, 12, 31)), ~Holiday.is_working_day
        )
    )
    assert f"Số ngày nghỉ lễ: {off} (" in html
    # Leaders read; they get no edit link or button.
    assert "/holidays/new" not in html and "/edit" not in html and "/holidays/fixed" not in html


def test_the_default_year_is_the_current_local_year(client, login_as, users):
    login_as("office")
    html = client.get("/holidays").get_data(as_text=True)
    year = local_today().year
    assert f"ngày làm bù năm {year}" in html
    assert f"Chưa có ngày nghỉ lễ nào của năm {year}." in html
    assert "Số ngày nghỉ lễ: 0" in html


@pytest.mark.parametrize("year", ["1999", "2101", "0", "-1", "abc", "20260", "2026.0", "x" * 300])
def test_a_year_out_of_bounds_is_not_found(client, login_as, users, year):
    login_as("office")
    assert client.get("/holidays", query_string={"year": year}).status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_roles(client, login_as, users, role):
    row = holiday(date(2030, 1, 1), "Tết Dương lịch")
    login_as(role)
    html = client.get("/holidays?year=2030").get_data(as_text=True)
    assert client.get("/holidays").status_code == (200 if role in READERS else 403)
    for url in ("/holidays/new", f"/holidays/{row.id}/edit"):
        assert client.get(url).status_code == (200 if role in EDITORS else 403), url
    # The navigation shows the page to those who keep it.
    nav = client.get("/tasks").get_data(as_text=True).split("</nav>")[0]
    assert ('href="/holidays"' in nav) == (role in EDITORS)
    if role not in READERS:
        assert "Tết Dương lịch" not in html


@pytest.mark.parametrize("role", sorted(set(ROLES) - EDITORS))
def test_only_editors_may_change_the_table(client, login_as, users, role):
    row = holiday(date(2030, 1, 1), "Tết Dương lịch")
    login_as(role)
    csrf = token(client, "/tasks")
    posts = [
        ("/holidays/new", {"day": "30/04/2030", "name": "Chiến thắng", "kind": "holiday"}),
        (
            f"/holidays/{row.id}/edit",
            {"day": "01/01/2030", "name": "Đổi", "kind": "holiday", "reason": "Sửa"},
        ),
        (f"/holidays/{row.id}/delete", {"reason": "Xóa"}),
        ("/holidays/fixed", {"year": "2030"}),
    ]
    for url, data in posts:
        assert client.post(url, data={**data, "csrf_token": csrf}).status_code == 403, url
    assert table() == [(date(2030, 1, 1), "Tết Dương lịch", False)]
    assert audits("holiday.create") == audits("holiday.update") == audits("holiday.delete") == []


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get("/holidays")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- add, edit, delete --------------------------------------------------------------------


def test_add_a_holiday_with_its_audit_event(client, login_as, users):
    office = login_as("office")
    response = client.post(
        "/holidays/new",
        data={
            "day": "03/09/2030",
            "name": "Quốc khánh (nghỉ thêm)",
            "kind": "holiday",
            "csrf_token": token(client),
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/holidays?year=2030")
    assert table() == [(date(2030, 9, 3), "Quốc khánh (nghỉ thêm)", False)]
    (event,) = audits("holiday.create")
    assert event.actor_id == office.id and event.object_type == "holiday"
    assert event.changes["day"] == [None, "2030-09-03"]
    assert event.changes["is_working_day"] == [None, False]
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Đã lưu ngày 03/09/2030." in html and "Thứ Ba" in html


def test_a_holiday_on_a_weekend_is_allowed_a_working_day_on_a_weekday_is_not(
    client, login_as, users
):
    login_as("admin")
    csrf = token(client)

    def add(day, kind, name="Ngày"):
        return client.post(
            "/holidays/new", data={"day": day, "name": name, "kind": kind, "csrf_token": csrf}
        )

    # Sunday 01/09/2030: an official day may fall on a weekend.
    assert add("01/09/2030", "holiday").status_code == 302
    # Saturday 07/09/2030 worked in exchange.
    assert add("07/09/2030", "working_day", "Làm bù").status_code == 302
    refused = add("05/09/2030", "working_day", "Làm bù thứ Năm")
    assert refused.status_code == 400
    assert "Ngày làm bù phải là thứ Bảy hoặc Chủ nhật." in refused.get_data(as_text=True)
    assert [d for d, _n, _w in table()] == [date(2030, 9, 1), date(2030, 9, 7)]
    assert len(audits("holiday.create")) == 2


@pytest.mark.parametrize(
    "data, message",
    [
        ({"day": "01/01/2030"}, "Ngày 01/01/2030 đã có trong bảng ngày nghỉ lễ."),
        ({"day": "2030-01-01"}, "Ngày 01/01/2030 đã có trong bảng ngày nghỉ lễ."),
        ({"day": "30/02/2030"}, "dd/mm/yyyy"),
        ({"day": "1/13/2030"}, "dd/mm/yyyy"),
        ({"day": "abc"}, "dd/mm/yyyy"),
        ({"day": ""}, 'class="error"'),
        ({"day": "31/12/9999"}, "01/01/2000"),
        ({"day": "01/01/1999"}, "01/01/2000"),
        ({"name": ""}, 'class="error"'),
        ({"name": "x" * 256}, "255"),
        ({"name": "dòng 1\r\ndòng 2"}, 'class="error"'),
        ({"name": "a\x00b"}, 'class="error"'),
        ({"kind": "other"}, 'class="error"'),
    ],
)
def test_bad_input_is_a_form_error_and_changes_nothing(client, login_as, users, data, message):
    holiday(date(2030, 1, 1), "Tết Dương lịch")
    login_as("office")
    body = {"day": "02/09/2030", "name": "Quốc khánh", "kind": "holiday", **data}
    response = client.post("/holidays/new", data={**body, "csrf_token": token(client)})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    assert table() == [(date(2030, 1, 1), "Tết Dương lịch", False)]
    assert audits("holiday.create") == []


def test_a_day_saved_meanwhile_by_someone_else_is_a_form_error(
    client, login_as, users, monkeypatch
):
    """Two Office members add the same day at once: both pass the check, the second hits
    the unique key, and gets the same form error (not a 500)."""
    holiday(date(2030, 1, 1), "Tết Dương lịch")
    other = holiday(date(2030, 9, 2), "Quốc khánh")
    monkeypatch.setattr("tracker.services.holidays._check", lambda *args: None)
    login_as("office")
    csrf = token(client)
    added = client.post(
        "/holidays/new",
        data={"day": "01/01/2030", "name": "Tết", "kind": "holiday", "csrf_token": csrf},
    )
    moved = client.post(
        f"/holidays/{other.id}/edit",
        data={"day": "01/01/2030", "name": "Tết", "reason": "Dời", "csrf_token": csrf},
    )
    for response in (added, moved):
        assert response.status_code == 400
        assert "Ngày 01/01/2030 đã có trong bảng" in response.get_data(as_text=True)
    assert table() == [
        (date(2030, 1, 1), "Tết Dương lịch", False),
        (date(2030, 9, 2), "Quốc khánh", False),
    ]
    assert audits("holiday.create") == audits("holiday.update") == []


def test_posts_without_the_csrf_token_are_refused(client, login_as, users):
    row = holiday(date(2030, 1, 1), "Tết Dương lịch")
    login_as("office")
    for url, data in [
        ("/holidays/new", {"day": "02/09/2030", "name": "Quốc khánh", "kind": "holiday"}),
        (f"/holidays/{row.id}/edit", {"day": "02/01/2030", "name": "Đổi", "reason": "Sửa"}),
        (f"/holidays/{row.id}/delete", {"reason": "Xóa"}),
        ("/holidays/fixed", {"year": "2030"}),
    ]:
        assert client.post(url, data=data).status_code == 400, url
        wrong = client.post(url, data={**data, "csrf_token": "forged"})
        assert wrong.status_code == 400, url
    assert table() == [(date(2030, 1, 1), "Tết Dương lịch", False)]
    assert db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.action.like("holiday.%"))) == 0  # fmt: skip


def test_edit_needs_a_reason_and_is_audited_with_it(client, login_as, users):
    row = holiday(date(2030, 9, 3), "Quốc khánh")
    holiday(date(2030, 9, 2), "Quốc khánh (2/9)")
    office = login_as("office")
    url = f"/holidays/{row.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert 'value="03/09/2030"' in page and "Lý do sửa" in page and "Lý do xóa" in page
    csrf = csrf_token_from(page)
    base = {"day": "01/09/2030", "name": "Quốc khánh (nghỉ thêm)", "kind": "holiday"}
    for reason in ("", "   ", "x" * 501):
        refused = client.post(url, data={**base, "reason": reason, "csrf_token": csrf})
        assert refused.status_code == 400, reason
    # Moved onto a day already in the table: refused beside the date.
    taken = client.post(
        url, data={**base, "day": "02/09/2030", "reason": "Nhầm", "csrf_token": csrf}
    )
    assert taken.status_code == 400
    assert "Ngày 02/09/2030 đã có trong bảng" in taken.get_data(as_text=True)
    assert audits("holiday.update") == []
    reason = "Theo Thông báo số 123/TB-BLĐTBXH: nghỉ 01/09 thay cho 03/09"
    response = client.post(url, data={**base, "reason": reason, "csrf_token": csrf})
    assert response.status_code == 302
    assert table() == [
        (date(2030, 9, 1), "Quốc khánh (nghỉ thêm)", False),
        (date(2030, 9, 2), "Quốc khánh (2/9)", False),
    ]
    (event,) = audits("holiday.update")
    assert event.actor_id == office.id and event.object_id == row.id and event.note == reason
    assert event.changes == {
        "day": ["2030-09-03", "2030-09-01"],
        "name": ["Quốc khánh", "Quốc khánh (nghỉ thêm)"],
    }
    # Keeping its own day is no duplicate.
    same = client.post(
        url, data={**base, "name": "Quốc khánh", "reason": "Tên", "csrf_token": csrf}
    )
    assert same.status_code == 302
    assert audits("holiday.update")[-1].changes == {
        "name": ["Quốc khánh (nghỉ thêm)", "Quốc khánh"]
    }


def test_delete_needs_a_reason_and_is_audited_with_it(client, login_as, users):
    row_id = holiday(date(2030, 9, 7), "Làm bù", working=True).id
    admin = login_as("admin")
    url = f"/holidays/{row_id}/delete"
    csrf = token(client, f"/holidays/{row_id}/edit")
    for reason in ("", "x" * 501, "a\x00b"):
        refused = client.post(url, data={"reason": reason, "csrf_token": csrf})
        assert refused.status_code == 400
        assert 'class="error"' in refused.get_data(as_text=True)
    assert len(table()) == 1 and audits("holiday.delete") == []
    response = client.post(url, data={"reason": "Chính phủ hủy làm bù", "csrf_token": csrf})
    assert response.status_code == 302
    assert table() == []
    (event,) = audits("holiday.delete")
    assert event.actor_id == admin.id and event.note == "Chính phủ hủy làm bù"
    assert event.changes == {
        "day": ["2030-09-07", None],
        "name": ["Làm bù", None],
        "is_working_day": [True, None],
    }
    assert client.post(url, data={"reason": "Lần nữa", "csrf_token": csrf}).status_code == 404
    assert client.get(f"/holidays/{row_id}/edit").status_code == 404


# --- the fixed-date days ------------------------------------------------------------------


def test_the_fixed_date_button_adds_the_labour_code_days_once(client, login_as, users):
    holiday(date(2030, 1, 1), "Tết Dương lịch (đã nhập)")
    login_as("office")
    page = client.get("/holidays?year=2030").get_data(as_text=True)
    assert "Thêm các ngày lễ cố định năm 2030" in page
    assert "Tết Nguyên đán" in page and "10/3 âm lịch" in page
    csrf = csrf_token_from(page)
    response = client.post("/holidays/fixed", data={"year": "2030", "csrf_token": csrf})
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Đã thêm 3 ngày lễ cố định (30/04, 01/05, 02/09); 1 ngày đã có trong bảng." in html
    assert "Còn phải nhập theo thông báo của Chính phủ: Tết Nguyên đán" in html
    assert table() == [
        (date(2030, 1, 1), "Tết Dương lịch (đã nhập)", False),
        (date(2030, 4, 30), "Ngày Chiến thắng (30/4)", False),
        (date(2030, 5, 1), "Ngày Quốc tế Lao động (1/5)", False),
        (date(2030, 9, 2), "Quốc khánh (2/9)", False),
    ]
    assert len(audits("holiday.create")) == 3
    again = client.post("/holidays/fixed", data={"year": "2030", "csrf_token": csrf})
    assert again.status_code == 302
    assert "Đã thêm 0 ngày lễ cố định (—); 4 ngày" in client.get("/holidays?year=2030").get_data(
        as_text=True
    )
    assert len(table()) == 4 and len(audits("holiday.create")) == 3


@pytest.mark.parametrize("year", ["1999", "2101", "", "abc", str(2**63)])
def test_the_fixed_date_button_refuses_a_year_out_of_bounds(client, login_as, users, year):
    login_as("office")
    response = client.post("/holidays/fixed", data={"year": year, "csrf_token": token(client)})
    assert response.status_code == 400
    assert table() == []


# --- the calendar follows at once, in every worker ----------------------------------------


@pytest.fixture
def second_worker(app):
    """Another web worker on the same database: its own app object, engine and sessions."""
    worker = create_app(
        _test_config(app.config["SQLALCHEMY_DATABASE_URI"]), instance_path=app.instance_path
    )
    worker.test_client_class = SeparateContextClient
    yield worker.test_client()
    with worker.app_context():
        db.engine.dispose()


def test_a_new_holiday_is_seen_by_the_next_request_of_another_worker(
    client, login_as, users, second_worker
):
    """Four working days before its due date a task is in time; a holiday added between
    today and then leaves three, and another worker shows it due soon on its next request."""
    today = local_today()
    empty = WorkingCalendar()
    due = empty.add_working_days(today, 4)
    unit = db.session.scalar(select(Unit).filter_by(code="STTTT"))
    make_task(make_directive("9/TB-UBND"), unit, title="Nhiệm vụ sát Tết", due_on=due)
    db.session.commit()
    page = second_worker.get("/login").get_data(as_text=True)
    signed_in = second_worker.post(  # the leader reads on the other worker
        "/login",
        data={
            "email": users["leader"].email,
            "password": PASSWORD,
            "csrf_token": csrf_token_from(page),
        },
    )
    assert signed_in.status_code == 302
    due_soon = "/tasks?status=due_soon"
    assert "Nhiệm vụ sát Tết" not in second_worker.get(due_soon).get_data(as_text=True)
    year_page = f"/holidays?year={today.year}"
    before = second_worker.get(year_page).get_data(as_text=True)
    working_days = empty.working_days_between(
        date(today.year - 1, 12, 31), date(today.year, 12, 31)
    )
    assert f"Số ngày làm việc trong năm: {working_days}" in before

    login_as("office")
    day = empty.add_working_days(today, 1)
    response = client.post(
        "/holidays/new",
        data={
            "day": day.strftime("%d/%m/%Y"),
            "name": "Nghỉ đột xuất",
            "kind": "holiday",
            "csrf_token": token(client),
        },
    )
    assert response.status_code == 302

    assert "Nhiệm vụ sát Tết" in second_worker.get(due_soon).get_data(as_text=True)
    if day.year == today.year:
        after = second_worker.get(year_page).get_data(as_text=True)
        assert f"Số ngày làm việc trong năm: {working_days - 1}" in after


# --- the dashboard's warning links to the year ----------------------------------------------


@pytest.mark.parametrize("role", ["office", "admin"])
def test_the_dashboard_warning_links_to_the_year(client, login_as, users, role):
    login_as(role)
    html = client.get("/dashboard").get_data(as_text=True)
    year = local_today().year
    for missing in (year, year + 1):
        assert f'href="/holidays?year={missing}"' in html
        assert f"Nhập ngày nghỉ lễ năm {missing}" in html
