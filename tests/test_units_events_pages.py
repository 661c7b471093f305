"""Rename, merge, split and dissolve through the unit pages (issue 11, item 2): the form,
the preview (nothing written), the confirmation (one transaction, audited), the result on
tasks, people and units, and undo, refused once something happened since."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tracker.calendar import local_today
from tracker.extensions import db
from tracker.models import AuditEvent, Task, Unit, User

from .conftest import csrf_token_from
from .test_units_pages import E_TEXT, E, make_province, rows_of, snapshot, text_of, unit_by

DAY = E.strftime("%d/%m/%Y")


@pytest.fixture
def province(app, users):
    return make_province()


def event(client, unit: Unit, kind: str, data: dict, step: str = "preview"):
    url = f"/units/{unit.id}/{kind}"
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    return client.post(url, data={**data, "step": step, "csrf_token": token})


def lead_units() -> dict[str, str]:
    db.session.expire_all()
    return {t.title: t.lead_unit.code for t in db.session.scalars(select(Task))}


def people_units() -> dict[str, str | None]:
    return {u.name: u.unit.code if u.unit else None for u in db.session.scalars(select(User))}


MERGE_NEW = {
    "into": "new",
    "new-code": "SKHCN_2025",
    "new-name": "Sở Khoa học và Công nghệ",
    "new-short_name": "Sở KH&CN",
    "new-kind": "department",
    "effective_on": E_TEXT,
    "note": "Nghị quyết sắp xếp sở, ngành năm 2025",
}


def test_merge_into_a_new_unit_preview_confirm_search_and_undo(client, login_as, province):
    login_as("office")
    stttt, skhcn = province["stttt"], province["skhcn"]
    page = text_of(client.get(f"/units/{stttt.id}"))
    assert "Sáp nhập" in page and "Chia tách" in page and "Đổi tên" in page
    data = {**MERGE_NEW, "others": str(skhcn.id)}
    before = snapshot()
    preview = event(client, stttt, "merge", data)
    assert preview.status_code == 200
    shown = text_of(preview)
    assert "3 nhiệm vụ đang mở và 3 người chuyển sang Sở KH&CN." in shown
    assert f"1 nhiệm vụ đã hoàn thành hoặc rút trước {DAY} vẫn ghi nhận" in shown
    assert f"Sở TT&TT ngừng hoạt động từ {DAY}." in shown
    assert "Hoàn thiện mạng lưới truyền thanh cơ sở" in shown  # the tasks that move
    assert "Kịch bản truyền thông" not in shown  # completed before E: stays
    assert snapshot() == before  # a preview writes nothing

    done = event(client, stttt, "merge", data, step="confirm")
    assert done.status_code == 302
    new = unit_by("SKHCN_2025")
    assert done.headers["Location"].endswith(f"/units/{new.id}")
    assert "Đã ghi nhận: Sáp nhập." in text_of(client.get(done.headers["Location"]))
    assert lead_units() == {
        "Hoàn thiện mạng lưới truyền thanh cơ sở": "SKHCN_2025",
        "Rà soát phần mềm dùng chung": "SKHCN_2025",
        "Kịch bản truyền thông": "STTTT",
        "Nâng cấp trung tâm dữ liệu": "SKHCN_2025",
    }
    assert people_units()["Cán bộ Sở KH&CN"] == "SKHCN_2025"
    assert people_units()["Người dùng unit_head"] == "SKHCN_2025"
    assert (unit_by("STTTT").active, unit_by("SKHCN").active, new.active) == (False, False, True)
    assert unit_by("STTTT").ended_on == E and new.started_on == E
    assert db.session.scalar(select(AuditEvent).filter_by(action="unit.merge")) is not None

    # An old name finds the successor; the ceased unit's row names it.
    found = rows_of(client.get("/units?q=Sở+TT%26TT"))
    assert "SKHCN_2025" in found and "UBND xã An Phú" not in found
    ceased = rows_of(client.get("/units?q=Sở+TT%26TT&active=all"))
    assert f"ngừng từ {DAY} → Sở KH&CN" in ceased
    page = text_of(client.get(f"/units/{new.id}"))
    assert "Tiếp nhận từ Sở Khoa học và Công nghệ, Sở Thông tin và Truyền thông" in page or (
        "Tiếp nhận từ Sở Thông tin và Truyền thông, Sở Khoa học và Công nghệ" in page
    )
    assert "Hoàn tác" in page

    # Undo: as if it had not happened.
    event_id = db.session.scalar(select(AuditEvent.object_id).filter_by(action="unit.merge"))
    token = csrf_token_from(client.get(f"/units/{new.id}").get_data(as_text=True))
    undone = client.post(f"/units/events/{event_id}/undo", data={"csrf_token": token})
    assert undone.status_code == 302
    assert "Đã hoàn tác sự kiện." in text_of(client.get(undone.headers["Location"]))
    assert lead_units()["Nâng cấp trung tâm dữ liệu"] == "SKHCN"
    assert lead_units()["Hoàn thiện mạng lưới truyền thanh cơ sở"] == "STTTT"
    assert people_units()["Cán bộ Sở KH&CN"] == "SKHCN"
    assert unit_by("STTTT").active and unit_by("SKHCN").active
    assert not unit_by("SKHCN_2025").active


def test_undo_is_refused_after_a_later_event(client, login_as, province):
    login_as("office")
    stttt, skhcn = province["stttt"], province["skhcn"]
    data = {**MERGE_NEW, "others": str(skhcn.id), "into": str(skhcn.id)}
    assert event(client, stttt, "merge", data, step="confirm").status_code == 302
    merge_id = db.session.scalar(select(AuditEvent.object_id).filter_by(action="unit.merge"))
    # Then the merged unit is renamed: the merger can no longer be undone.
    rename = {
        "new-code": "SKHCNDMST",
        "new-name": "Sở Khoa học, Công nghệ và Đổi mới sáng tạo",
        "new-short_name": "Sở KHCN&ĐMST",
        "new-kind": "department",
        "effective_on": (local_today() - timedelta(days=2)).strftime("%d/%m/%Y"),
    }
    assert event(client, unit_by("SKHCN"), "rename", rename, step="confirm").status_code == 302
    page = text_of(client.get(f"/units/{stttt.id}"))
    assert "Không thể hoàn tác: Có sự kiện sau liên quan đến cùng các đơn vị" in page
    before = snapshot()
    token = csrf_token_from(client.get(f"/units/{stttt.id}").get_data(as_text=True))
    refused = client.post(f"/units/events/{merge_id}/undo", data={"csrf_token": token})
    assert "Có sự kiện sau liên quan" in text_of(client.get(refused.headers["Location"]))
    assert snapshot() == before


def test_merge_into_one_of_them(client, login_as, province):
    login_as("admin")
    stttt, skhcn = province["stttt"], province["skhcn"]
    data = {"others": str(skhcn.id), "into": str(skhcn.id), "effective_on": E_TEXT}
    shown = text_of(event(client, stttt, "merge", data))
    # Sở KH&CN's own task and person stay where they are.
    assert "2 nhiệm vụ đang mở và 2 người chuyển sang Sở KH&CN." in shown
    done = event(client, stttt, "merge", data, step="confirm")
    assert done.headers["Location"].endswith(f"/units/{skhcn.id}")
    assert set(lead_units().values()) == {"SKHCN", "STTTT"}
    assert lead_units()["Rà soát phần mềm dùng chung"] == "SKHCN"
    assert not unit_by("STTTT").active and unit_by("SKHCN").active


def test_rename_keeps_the_old_name_on_the_old_record(client, login_as, province):
    login_as("office")
    stttt = province["stttt"]
    data = {
        "new-code": "STTTT_2025",
        "new-name": "Sở Thông tin và Truyền thông tỉnh Quảng Ngãi",
        "new-short_name": "Sở TT&TT QN",
        "new-kind": "department",
        "effective_on": E_TEXT,
    }
    shown = text_of(event(client, stttt, "rename", data))
    assert "2 nhiệm vụ đang mở và 2 người chuyển sang Sở TT&TT QN." in shown
    assert event(client, stttt, "rename", data, step="confirm").status_code == 302
    old, new = unit_by("STTTT"), unit_by("STTTT_2025")
    assert (old.name, old.active, new.active) == ("Sở Thông tin và Truyền thông", False, True)
    assert lead_units()["Hoàn thiện mạng lưới truyền thanh cơ sở"] == "STTTT_2025"
    assert people_units()["Người dùng unit_staff"] == "STTTT_2025"


def test_split_with_a_choice_per_task(client, login_as, province):
    login_as("office")
    stttt, skhcn = province["stttt"], province["skhcn"]
    data = {
        "existing": str(skhcn.id),
        "new-0-code": "TT_CDS",
        "new-0-name": "Trung tâm Chuyển đổi số",
        "new-0-kind": "agency",
        "new-1-kind": "department",
        "new-2-kind": "department",
        "default": "new-0",
        "effective_on": E_TEXT,
    }
    shown = text_of(event(client, stttt, "split", data))
    assert "2 nhiệm vụ đang mở và 2 người chuyển sang Trung tâm Chuyển đổi số." in shown
    assert "0 nhiệm vụ đang mở và 0 người chuyển sang Sở KH&CN." in shown
    moved = db.session.scalar(select(Task).filter_by(title="Rà soát phần mềm dùng chung"))
    choice = {f"task_{moved.id}": str(skhcn.id)}
    updated = text_of(event(client, stttt, "split", {**data, **choice}))
    assert "1 nhiệm vụ đang mở và 0 người chuyển sang Sở KH&CN." in updated
    assert "1 nhiệm vụ đang mở và 2 người chuyển sang Trung tâm Chuyển đổi số." in updated
    before = snapshot()
    bad = event(client, stttt, "split", {**data, f"task_{moved.id}": "999"}, step="confirm")
    assert bad.status_code == 400 and snapshot() == before
    done = event(client, stttt, "split", {**data, **choice}, step="confirm")
    assert done.status_code == 302
    assert lead_units()["Rà soát phần mềm dùng chung"] == "SKHCN"
    assert lead_units()["Hoàn thiện mạng lưới truyền thanh cơ sở"] == "TT_CDS"
    assert people_units()["Người dùng unit_head"] == "TT_CDS"
    assert not unit_by("STTTT").active and unit_by("TT_CDS").kind == "agency"


def test_dissolve_and_its_refusals(client, login_as, province):
    login_as("office")
    stttt, skhcn = province["stttt"], province["skhcn"]
    before = snapshot()
    future = (local_today() + timedelta(days=1)).strftime("%d/%m/%Y")
    for day, message in (
        (future, "Ngày có hiệu lực không được sau hôm nay"),
        ("31/02/2025", ""),
        ("", ""),
    ):
        for step in ("preview", "confirm"):
            refused = event(
                client, stttt, "dissolve", {"into": skhcn.id, "effective_on": day}, step
            )
            assert refused.status_code == 400 and message in text_of(refused)
    refused = event(client, stttt, "dissolve", {"into": stttt.id, "effective_on": E_TEXT})
    assert refused.status_code == 400
    # A merge whose new unit takes a code already used: a form error, nothing written.
    taken = {**MERGE_NEW, "others": str(skhcn.id), "new-code": "VP_UBND"}
    refused = event(client, stttt, "merge", taken, step="confirm")
    assert refused.status_code == 400 and "Đã có đơn vị khác mang mã VP_UBND" in text_of(refused)
    assert snapshot() == before
    data = {"into": str(skhcn.id), "effective_on": E_TEXT}
    assert "2 nhiệm vụ đang mở và 2 người chuyển sang Sở KH&CN." in text_of(
        event(client, stttt, "dissolve", data)
    )
    assert event(client, stttt, "dissolve", data, step="confirm").status_code == 302
    assert lead_units()["Rà soát phần mềm dùng chung"] == "SKHCN"
    assert not unit_by("STTTT").active
    # A ceased unit offers no event any more.
    response = client.get(f"/units/{stttt.id}/merge")
    assert response.status_code == 302
