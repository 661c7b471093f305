"""The Office on a phone: from the warning on a task whose lead unit has nobody, to the new
person's account, to the warning gone; then the preferences page (Debian's chromium)."""

from datetime import timedelta

import pytest

from tracker.calendar import local_today
from tracker.extensions import db

from .conftest import make_directive, make_task, make_unit, screenshot, sign_in

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_office_adds_a_person_from_the_tasks_warning_on_a_phone(page, users):
    lyson = make_unit("LYSON", "UBND huyện Lý Sơn", kind="district")
    task = make_task(
        make_directive("45/TB-UBND"),
        lyson,
        title="Thí điểm chuyển đổi số tại Lý Sơn",
        due_on=local_today() + timedelta(days=30),
    )
    db.session.commit()
    page.set_viewport_size(PHONE)
    sign_in(page, users["office"].email)
    page.goto(f"/tasks/{task.id}")
    warning = page.locator("[data-key=lead-unit-without-account]")
    assert "UBND huyện Lý Sơn chưa có tài khoản" in warning.inner_text()
    assert fits(page)
    screenshot(page, "people-task-warning-phone")
    warning.locator("a").click()
    page.wait_for_load_state()
    assert page.locator("select[name=unit] option:checked").inner_text() == "UBND huyện Lý Sơn"
    assert page.locator("select[name=role]").input_value() == "unit_staff"
    assert page.locator("select[name=role] option").count() == 3
    page.fill("input[name=email]", "canbo.lyson@test.local")
    page.fill("input[name=name]", "Phạm Văn Lý")
    assert fits(page)
    screenshot(page, "people-new-person-phone")
    page.click("form.user-form button[type=submit]")
    page.wait_for_load_state()
    assert len(page.locator("code.password-once").inner_text()) >= 12
    page.goto(f"/tasks/{task.id}")
    assert page.locator("[data-key=lead-unit-without-account]").count() == 0

    # The preferences page, from the name in the top bar: English from the next page on.
    page.click(f"header a.who:has-text('{users['office'].name}')")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Tùy chọn cá nhân"
    assert fits(page)
    screenshot(page, "preferences-phone")
    page.select_option("select[name=locale]", "en")
    page.fill("input[name=notification_email]", "vanphong.nhacviec@test.local")
    page.click("form.preferences-form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Preferences"
    assert page.locator("input[name=notification_email]").input_value() == (
        "vanphong.nhacviec@test.local"
    )
