"""The unit pages (issue 11, items 1 and 2): the list with search and filters, create and
edit with their refusals, deactivation, and rename / merge / split / dissolve through the
preview to the confirmation, with undo. CSRF is on, as in production."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tracker.calendar import local_today
from tracker.extensions import db
from tracker.models import AuditEvent, Task, TaskState, Unit, UnitEvent, User

from .conftest import csrf_token_from, make_directive, make_task, make_unit, make_user

E = local_today() - timedelta(days=10)  # the effective date of the events
E_TEXT = E.strftime("%d/%m/%Y")


def unit_by(code: str) -> Unit:
    return db.session.scalar(select(Unit).filter_by(code=code))


def post(client, page_url: str, data: dict, url: str | None = None):
    token = csrf_token_from(client.get(page_url).get_data(as_text=True))
    return client.post(url or page_url, data={**data, "csrf_token": token})


def text_of(response) -> str:
    """The page's text without tags, spaces collapsed (what a reader sees)."""
    page = response.get_data(as_text=True)
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
    return text.replace(" ,", ",").replace(" .", ".")


def rows_of(response) -> str:
    """The text of the unit table only (the page's selects list every unit too)."""
    page = response.get_data(as_text=True)
    start = page.index('<table class="tasks units">')
    table = page[start : page.index("</table>", start)]
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", table)).split())
    return text.replace(" ,", ",")


def snapshot():
    db.session.expire_all()
    return {
        "units": db.session.execute(
            select(Unit.id, Unit.code, Unit.name, Unit.active, Unit.version).order_by(Unit.id)
        ).all(),
        "tasks": db.session.execute(select(Task.id, Task.lead_unit_id).order_by(Task.id)).all(),
        "people": db.session.execute(select(User.id, User.unit_id).order_by(User.id)).all(),
        "events": db.session.scalar(select(func.count()).select_from(UnitEvent)),
        "audit": db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action.like("unit%"))
        ),
    }


@pytest.fixture
def province(app, users):
    return make_province()


def make_province() -> dict[str, Unit]:
    """Sở TT&TT (the unit roles' unit) with two open tasks and one completed before E,
    Sở KH&CN with one open task and a person, and a commune."""
    stttt = unit_by("STTTT")
    stttt.short_name, stttt.aliases = "Sở TT&TT", ["STTTT"]
    skhcn = make_unit("SKHCN", "Sở Khoa học và Công nghệ")
    skhcn.short_name = "Sở KH&CN"
    make_unit("XA_AN_PHU", "UBND xã An Phú", kind="commune")
    make_user("unit_staff", skhcn, name="Cán bộ Sở KH&CN")
    directive = make_directive("45/TB-UBND")
    due = local_today() + timedelta(days=30)
    make_task(directive, stttt, title="Hoàn thiện mạng lưới truyền thanh cơ sở", due_on=due)
    make_task(directive, stttt, title="Rà soát phần mềm dùng chung", due_on=due)
    done = make_task(directive, stttt, title="Kịch bản truyền thông", due_on=due)
    done.state, done.completed_on = TaskState.COMPLETED, E - timedelta(days=30)
    make_task(directive, skhcn, title="Nâng cấp trung tâm dữ liệu", due_on=due)
    db.session.commit()
    return {"stttt": stttt, "skhcn": skhcn}


# --- who may see and change units ------------------------------------------------------


@pytest.mark.parametrize(
    "role, read, write",
    [
        ("admin", 200, 200),
        ("office", 200, 200),
        ("leader", 200, 403),
        ("viewer", 200, 403),
        ("unit_head", 403, 403),
        ("unit_staff", 403, 403),
    ],
)
def test_who_sees_and_changes_units(client, login_as, province, role, read, write):
    login_as(role)
    unit_id = province["stttt"].id
    assert client.get("/units").status_code == read
    assert client.get(f"/units/{unit_id}").status_code == read
    assert client.get("/units/new").status_code == write
    assert client.get(f"/units/{unit_id}/edit").status_code == write
    assert client.get(f"/units/{unit_id}/merge").status_code == write
    nav = client.get("/tasks").get_data(as_text=True)
    assert ('href="/units"' in nav) is (read == 200)


def test_signed_out_people_are_sent_to_sign_in(client, province):
    response = client.get("/units")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- the list -------------------------------------------------------------------------


def test_the_list_shows_kind_people_and_open_tasks(client, login_as, province):
    login_as("office")
    page = rows_of(client.get("/units"))
    # STTTT: the unit head and the unit staff; two open tasks (the completed one is not).
    assert "Sở Thông tin và Truyền thông STTTT Sở TT&TT Sở/ban/ngành Đang hoạt động 2 2" in page
    assert "Sở Khoa học và Công nghệ SKHCN Sở KH&CN Sở/ban/ngành Đang hoạt động 1 1" in page
    assert "UBND xã An Phú XA_AN_PHU UBND xã/phường/đặc khu Đang hoạt động 0 0" in page
    assert "Văn phòng UBND tỉnh VP_UBND Văn phòng" in page


def test_the_list_query_count_does_not_grow_with_rows(client, login_as, province):
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    login_as("office")
    counts, statements = [], []

    def count(*_args, **_kw):
        statements.append(1)

    for extra in (2, 30):
        for i in range(extra):
            old = make_unit(f"X{extra}_{i}", f"UBND xã số {extra}-{i}", kind="commune")
            old.active = i % 2 == 0
        db.session.commit()
        statements.clear()
        event.listen(Engine, "before_cursor_execute", count)
        try:
            assert client.get("/units?active=all").status_code == 200
        finally:
            event.remove(Engine, "before_cursor_execute", count)
        counts.append(len(statements))
    assert counts[0] == counts[1], counts


def test_filters_by_kind_and_status(client, login_as, province):
    login_as("office")
    old = make_unit("OLD", "Ban cũ đã giải thể")
    old.active = False
    db.session.commit()
    communes = rows_of(client.get("/units?kind=commune"))
    assert "UBND xã An Phú" in communes and "Sở Khoa học" not in communes
    assert "Ban cũ" not in rows_of(client.get("/units"))
    ceased = rows_of(client.get("/units?active=ceased"))
    assert "Ban cũ đã giải thể" in ceased and "ngừng hoạt động" in ceased
    assert "UBND xã An Phú" not in ceased
    everything = rows_of(client.get("/units?active=all"))
    assert "Ban cũ" in everything and "UBND xã An Phú" in everything
    # Values outside their lists and bounds are ignored with a note, never a 500.
    response = client.get("/units?kind=planet&active=maybe&page=99999999&q=" + "x" * 500)
    assert response.status_code == 200
    assert "Bỏ qua" in text_of(response) or "kind" in text_of(response)


def test_search_is_accent_insensitive_and_finds_aliases(client, login_as, province):
    login_as("leader")
    assert "Sở Thông tin và Truyền thông" in rows_of(client.get("/units?q=so+thong+tin"))
    found = rows_of(client.get("/units?q=STTTT"))
    assert "Sở Thông tin và Truyền thông" in found and "Sở Khoa học" not in found


# --- create and edit ------------------------------------------------------------------

GOOD = {
    "code": "SNV",
    "name": "Sở Nội vụ",
    "short_name": "SNV",
    "aliases": "Sở Nội vụ tỉnh Quảng Ngãi; Nội vụ\nBan Tổ chức chính quyền",
    "kind": "department",
    "parent_id": "",
    "head_name": "Nguyễn Văn A",
    "email": "snv@quangngai.gov.vn",
}


def test_create_a_unit(client, login_as, province):
    login_as("office")
    response = post(client, "/units/new", GOOD)
    assert response.status_code == 302
    unit = unit_by("SNV")
    assert unit.aliases == ["Sở Nội vụ tỉnh Quảng Ngãi", "Nội vụ", "Ban Tổ chức chính quyền"]
    assert unit.email == "snv@quangngai.gov.vn" and unit.active
    audit = db.session.scalar(select(AuditEvent).filter_by(action="unit.create"))
    assert audit.object_id == unit.id
    page = text_of(client.get(response.headers["Location"]))
    assert "Đã lưu đơn vị." in page and "Ban Tổ chức chính quyền" in page


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"code": "STTTT"}, "Đã có đơn vị khác mang mã STTTT"),
        ({"name": "Sở khoa hoc va cong nghe"}, "Đã có đơn vị đang hoạt động mang tên này"),
        ({"email": "not-an-email"}, "Địa chỉ email không hợp lệ"),
        ({"email": "a@b.vn\r\nBcc: x@y.vn"}, ""),
        ({"code": "sở nội vụ"}, ""),
        ({"code": "X" * 41}, ""),
        ({"name": ""}, ""),
        ({"name": "N" * 256}, ""),
        ({"kind": "planet"}, ""),
        ({"parent_id": "99999"}, ""),
        ({"aliases": "\n".join(f"Tên {i}" for i in range(21))}, "Tối đa 20 tên gọi khác"),
        ({"aliases": "A" * 256}, "Mỗi tên gọi khác tối đa 255 ký tự"),
        ({"aliases": "y" * 25_000}, ""),
        ({"head_name": "a\x00b"}, ""),
    ],
)
def test_refused_values_change_nothing(client, login_as, province, changes, message):
    login_as("admin")
    before = snapshot()
    response = post(client, "/units/new", {**GOOD, **changes})
    assert response.status_code == 400
    assert 'class="error' in response.get_data(as_text=True)
    if message:
        assert message in text_of(response), text_of(response)[:2000]
    assert snapshot() == before


def test_edit_a_unit_and_a_stale_edit(client, login_as, province):
    login_as("office")
    skhcn = province["skhcn"]
    url = f"/units/{skhcn.id}/edit"
    page = client.get(url).get_data(as_text=True)
    token = csrf_token_from(page)
    version = int(re.search(r'name="version"[^>]*value="(\d+)"', page).group(1))
    data = {
        "code": "SKHCN",
        "name": "Sở Khoa học và Công nghệ",
        "short_name": "Sở KH&CN",
        "aliases": "SKHCN",
        "kind": "department",
        "parent_id": "",
        "email": "skhcn@quangngai.gov.vn",
        "version": str(version),
        "csrf_token": token,
    }
    assert client.post(url, data=data).status_code == 302
    db.session.expire_all()
    assert unit_by("SKHCN").email == "skhcn@quangngai.gov.vn"
    before = snapshot()
    stale = client.post(url, data={**data, "head_name": "Người khác"})  # the old version
    assert stale.status_code == 409
    assert "Người khác vừa thay đổi" in text_of(stale)
    assert snapshot() == before
    # A duplicate code on edit: refused, unchanged.
    page = client.get(url).get_data(as_text=True)
    version = re.search(r'name="version"[^>]*value="(\d+)"', page).group(1)
    refused = client.post(url, data={**data, "code": "STTTT", "version": version})
    assert refused.status_code == 400 and "Đã có đơn vị khác mang mã STTTT" in text_of(refused)
    assert snapshot() == before


def test_deactivation_is_refused_while_the_unit_leads_open_tasks(client, login_as, province):
    login_as("office")
    stttt = province["stttt"]
    before = snapshot()
    response = post(client, f"/units/{stttt.id}/edit", {}, url=f"/units/{stttt.id}/active")
    assert response.status_code == 302
    page = text_of(client.get(response.headers["Location"]))
    assert "còn chủ trì 2 nhiệm vụ đang mở" in page
    assert snapshot() == before
    commune = unit_by("XA_AN_PHU")
    post(client, f"/units/{commune.id}/edit", {}, url=f"/units/{commune.id}/active")
    db.session.expire_all()
    assert not unit_by("XA_AN_PHU").active
    post(client, f"/units/{commune.id}/edit", {}, url=f"/units/{commune.id}/active")
    db.session.expire_all()
    assert unit_by("XA_AN_PHU").active


def test_csrf_is_required(client, login_as, province):
    login_as("office")
    before = snapshot()
    stttt = province["stttt"]
    assert client.post("/units/new", data=GOOD).status_code == 400
    assert client.post(f"/units/{unit_by('XA_AN_PHU').id}/active").status_code == 400
    merge = {
        "others": str(province["skhcn"].id),
        "into": str(province["skhcn"].id),
        "effective_on": E_TEXT,
        "step": "confirm",
    }
    assert client.post(f"/units/{stttt.id}/merge", data=merge).status_code == 400
    assert snapshot() == before


def test_a_change_is_started_from_the_list(client, login_as, province):
    login_as("office")
    stttt = province["stttt"]
    page = client.get("/units").get_data(as_text=True)
    assert 'id="unit-event-start"' in page
    response = client.get(f"/units/change?unit={stttt.id}&kind=split")
    assert response.headers["Location"].endswith(f"/units/{stttt.id}/split")
    assert "Chia tách" in text_of(client.get(response.headers["Location"]))
    refused = client.get("/units/change?unit=abc&kind=explode")
    assert refused.status_code == 302 and refused.headers["Location"].endswith("/units")
    client.delete_cookie("session")
    login_as("viewer")
    assert 'id="unit-event-start"' not in client.get("/units").get_data(as_text=True)
    assert client.get(f"/units/change?unit={stttt.id}&kind=split").status_code == 403
