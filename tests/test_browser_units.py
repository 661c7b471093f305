"""The unit pages clicked in Debian's chromium (issue 11): the Office merges two units from
a unit page through the preview to the confirmation, and the dashboard names the
successor; the unit list on a phone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tracker.calendar import local_today
from tracker.extensions import db
from tracker.models import Task, Unit

from .conftest import make_directive, make_task, make_unit, screenshot, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def two_departments(app, users):
    stttt = db.session.scalar(select(Unit).filter_by(code="STTTT"))
    stttt.short_name = "Sở TT&TT"
    skhcn = make_unit("SKHCN", "Sở Khoa học và Công nghệ")
    directive = make_directive("45/TB-UBND")
    due = local_today() + timedelta(days=30)
    make_task(directive, stttt, title="Hoàn thiện mạng lưới truyền thanh cơ sở", due_on=due)
    make_task(directive, skhcn, title="Nâng cấp trung tâm dữ liệu", due_on=due)
    db.session.commit()
    return stttt, skhcn


def test_office_merges_two_units_and_the_dashboard_names_the_successor(
    page, users, two_departments
):
    stttt, skhcn = two_departments
    sign_in(page, users["office"].email)
    page.click("header nav >> text=Đơn vị")
    page.click(f"table.units >> text={stttt.name}")
    page.click("#unit-actions >> text=Sáp nhập")
    page.select_option("select[name=others]", [str(skhcn.id)])
    page.select_option("select[name=into]", "new")
    page.fill("input[name=new-code]", "SKHCN_2025")
    page.fill("input[name=new-name]", "Sở Khoa học và Công nghệ")
    page.fill("input[name=new-short_name]", "Sở KH&CN")
    effective = local_today() - timedelta(days=1)
    page.fill("input[name=effective_on]", effective.strftime("%d/%m/%Y"))
    page.click("#preview-event")
    page.wait_for_load_state()
    lines = page.locator("#preview-lines").inner_text()
    assert "2 nhiệm vụ đang mở và 2 người chuyển sang Sở KH&CN." in lines
    assert page.locator("#moving-tasks tbody tr").count() == 2
    screenshot(page, "units-merge-preview")
    page.click("#confirm-event")
    page.wait_for_load_state()
    assert "Đã ghi nhận: Sáp nhập." in page.locator(".flash").inner_text()
    assert page.locator("h1").inner_text().startswith("Sở Khoa học và Công nghệ")
    assert "Sở TT&TT" in page.locator("#events").inner_text()
    db.session.commit()  # a fresh look at what the server committed
    new = db.session.scalar(select(Unit).filter_by(code="SKHCN_2025"))
    assert {t.lead_unit_id for t in db.session.scalars(select(Task))} == {new.id}

    page.click("header nav >> text=Tổng hợp")
    page.wait_for_load_state()
    by_unit = page.locator("#by-unit").inner_text()
    assert "Sở KH&CN" in by_unit and "Sở TT&TT" not in by_unit
    screenshot(page, "units-merge-dashboard")

    # Undo asks first: dismissed, nothing happens; accepted, the merger is undone.
    page.goto(f"/units/{new.id}")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click(".undo-form button")
    assert page.locator(".undo-form").count() == 1
    page.once("dialog", lambda dialog: dialog.accept())
    page.click(".undo-form button")
    page.wait_for_load_state()
    assert "Đã hoàn tác sự kiện." in page.locator(".flash").inner_text()
    db.session.commit()
    assert {t.lead_unit.code for t in db.session.scalars(select(Task))} == {"STTTT", "SKHCN"}


def test_the_unit_list_fits_a_phone(page, users, two_departments):
    for i in range(12):
        make_unit(f"XA_{i}", f"UBND xã Bình Sơn số {i} của tỉnh Quảng Ngãi", kind="commune")
    db.session.commit()
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, users["office"].email)
    page.goto("/units")
    assert page.locator("table.units tbody tr").count() == 15
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "units-list-phone")
    page.goto(f"/units/{two_departments[0].id}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.goto(f"/units/{two_departments[0].id}/split")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "units-split-phone")
