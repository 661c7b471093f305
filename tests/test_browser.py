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
    assert page.locator(".badge.status-no_deadline").first.inner_text() == "Không thời hạn"
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
