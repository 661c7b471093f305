"""The pages people click, in Debian's chromium."""

import pytest

from .conftest import screenshot, sign_in

pytestmark = pytest.mark.browser


def test_sign_in_and_see_the_seeded_task_list(page, runner, users):
    assert runner.invoke(args=["seed"]).exit_code == 0
    sign_in(page, users["leader"].email)
    assert page.url.endswith("/dashboard"), "leaders land on the dashboard"
    page.goto("/tasks")
    assert page.locator("h1").inner_text() == "Nhiệm vụ"
    assert page.locator("table.tasks tbody tr").count() >= 10
    # The 2021 tasks are long overdue today; the standing ones have no deadline.
    overdue = page.locator(".badge.status-overdue").first
    assert overdue.is_visible() and overdue.inner_text() == "Quá hạn"
    badge = page.locator(".badge.status-no_deadline_open").first
    assert badge.inner_text() == "Không thời hạn, đang thực hiện"
    screenshot(page, "foundation-task-list")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "foundation-task-list-phone")
    # Accent-insensitive search from the search box.
    page.fill("input[name=q]", "ly son")
    page.click("form.filters button")
    page.wait_for_load_state()
    rows = page.locator("table.tasks tbody tr")
    assert rows.count() == 1
    assert "Lý Sơn" in rows.first.inner_text()


def test_office_records_an_escalation_on_a_phone(page, users):
    from datetime import date

    from tracker.extensions import db

    from .conftest import make_directive, make_task

    task = make_task(
        make_directive("12/TB-UBND"),
        users["unit_head"].unit,
        title="Hoàn thiện mạng lưới đài truyền thanh cấp xã",
        due_on=date(2021, 3, 31),
    )
    db.session.commit()
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, users["office"].email)
    page.goto(f"/tasks/{task.id}/escalations")
    page.select_option("select[name=kind]", "criticism")
    page.fill("textarea[name=note]", "Phê bình việc chậm triển khai.")
    page.click("input[type=submit]")
    page.wait_for_load_state()
    assert "Đã ghi nhận" in page.locator(".flash").inner_text()
    item = page.locator(".escalation").first
    assert "Phê bình" in item.inner_text() and "chậm triển khai" in item.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "reminders-escalation-phone")


def test_the_holiday_page_fits_a_phone(page, users, holidays):
    """The Office's holiday table of a year at 390 px: no sideways scrolling, the add form
    one tap away."""
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, users["office"].email)
    page.goto("/holidays?year=2026")
    assert "Ngày nghỉ lễ, ngày làm bù năm 2026" in page.locator("h1").inner_text()
    assert page.locator("table.holidays tbody tr").count() >= 8
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "holidays-phone")
    page.click("text=Thêm ngày")
    page.wait_for_load_state()
    page.fill("input[name=day]", "03/09/2026")
    page.fill("input[name=name]", "Quốc khánh (nghỉ thêm)")
    page.click("button[type=submit].primary")
    page.wait_for_load_state()
    assert "Đã lưu ngày 03/09/2026." in page.locator(".flash").first.inner_text()
    assert page.locator('tr[data-day="2026-09-03"]').is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.click('tr[data-day="2026-09-03"] a')
    page.wait_for_load_state()
    assert page.locator("textarea[name=reason]").count() == 2  # edit and delete, each a reason
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "holidays-edit-phone")
