"""The workflow clicked in Debian's chromium: report, submit, return, confirm, extend."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tracker.calendar import local_today
from tracker.extensions import db
from tracker.models import Unit

from .conftest import make_directive, make_task, screenshot, sign_in

pytestmark = pytest.mark.browser


def sign_out(page):
    page.click("text=Đăng xuất")
    page.wait_for_load_state()


def test_report_submit_return_confirm_and_extend(page, users):
    unit = db.session.scalar(select(Unit).filter_by(code="STTTT"))
    directive = make_directive("45/TB-UBND")
    due = local_today() + timedelta(days=30)
    task = make_task(
        directive,
        unit,
        title="Hoàn thiện mạng lưới truyền thanh cơ sở",
        due_on=due,
        assigned_by=users["leader"],
        monitor=users["office"],
    )
    db.session.commit()
    task_url = f"/tasks/{task.id}"

    # A staff member of the lead unit reports progress and submits the result.
    sign_in(page, users["unit_staff"].email)
    page.click("text=Việc của tôi")
    page.click(f"text={task.title}")
    page.fill("#report-form input[name=progress]", "60")
    page.fill("#report-form textarea[name=text]", "Đã sửa 24 đài truyền thanh")
    page.fill("#report-form textarea[name=difficulties]", "Thiếu kinh phí")
    page.click("#report-form button[type=submit]")
    page.wait_for_load_state()
    assert "Đã lưu báo cáo tiến độ" in page.locator(".flash").inner_text()
    screenshot(page, "task-after-report")
    page.fill("#result-form textarea[name=text]", "Đã hoàn thành sửa chữa")
    page.fill("#result-form input[name=doc_number]", "88/STTTT")
    page.click("#result-form button[type=submit]")
    page.wait_for_load_state()
    assert "Chờ xác nhận" in page.locator(".state").inner_text()
    # An extension request, while the task was still open, is now impossible: none shown.
    assert page.locator("#extension-form").count() == 0
    sign_out(page)

    # The Office returns it with a reason, then (after a new submission) confirms it.
    sign_in(page, users["office"].email)
    page.goto(task_url)
    page.fill("#confirm-form textarea[name=remark]", "Thiếu ảnh minh chứng")
    page.click("#confirm-form button[value=return]")
    page.wait_for_load_state()
    assert "Đang thực hiện" in page.locator(".state").inner_text()
    assert "Thiếu ảnh minh chứng" in page.locator(".timeline").inner_text()
    sign_out(page)
    sign_in(page, users["unit_head"].email)
    page.goto(task_url)
    new_due = due + timedelta(days=45)
    page.fill("#extension-form input[name=proposed_due_on]", new_due.strftime("%d/%m/%Y"))
    page.fill("#extension-form textarea[name=reason]", "Chờ bổ sung kinh phí")
    page.fill("#extension-form input[name=letter_number]", "9/STTTT")
    page.click("#extension-form button[type=submit]")
    page.wait_for_load_state()
    assert "Đã gửi đề nghị gia hạn" in page.locator(".flash").inner_text()
    sign_out(page)

    # The assigning leader sees the request on their page and approves it.
    sign_in(page, users["leader"].email)
    assert page.locator(".topbar .count").inner_text() == "1"
    page.click("text=Gia hạn chờ duyệt")
    screenshot(page, "pending-extensions")
    page.click(f"text={task.title}")
    page.click("#decide-form button[value=approve]")
    page.wait_for_load_state()
    assert page.locator(".current-due").inner_text() == new_due.strftime("%d/%m/%Y")
    assert page.locator(".topbar .count").count() == 0
    sign_out(page)

    # The lead unit submits again and the Office confirms completion.
    sign_in(page, users["unit_staff"].email)
    page.goto(task_url)
    page.fill("#result-form textarea[name=text]", "Đã bổ sung ảnh minh chứng")
    page.click("#result-form button[type=submit]")
    page.wait_for_load_state()
    sign_out(page)
    sign_in(page, users["office"].email)
    page.goto(task_url)
    page.click("#confirm-form button[value=confirm]")
    page.wait_for_load_state()
    assert page.locator(".badge").first.inner_text() == "Hoàn thành đúng hạn"
    timeline = page.locator(".timeline").inner_text()
    for step in (
        "Báo cáo tiến độ",
        "Gửi kết quả",
        "Trả lại kết quả",
        "Đồng ý gia hạn",
        "Xác nhận hoàn thành",
    ):
        assert step in timeline
    screenshot(page, "task-page")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot(page, "task-page-phone")


def test_screenshots_of_the_main_pages(page, users, runner):
    assert runner.invoke(args=["seed"]).exit_code == 0
    sign_in(page, users["office"].email)
    for path, name, heading in [
        ("/tasks", "tasks", "Nhiệm vụ"),
        ("/tasks/mine", "my-tasks", "Việc của tôi"),
        ("/directives/", "directives", "Văn bản chỉ đạo"),
        ("/directives/new", "directive-new", "Thêm văn bản chỉ đạo"),
        ("/extensions/pending", "pending-extensions-office", "Gia hạn chờ duyệt"),
    ]:
        page.goto(path)
        assert page.locator("h1").inner_text() == heading
        screenshot(page, name)
    page.goto("/directives/")
    page.locator("table.directives a").first.click()
    screenshot(page, "directive")
    page.click("text=Thêm nhiệm vụ")
    screenshot(page, "task-new")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/tasks")
    screenshot(page, "tasks-phone")
    # Nothing is wider than the phone's screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_the_office_enters_a_directive_and_assigns_a_task(page, users):
    sign_in(page, users["office"].email)
    page.click("text=Văn bản chỉ đạo")
    page.click("text=Thêm văn bản chỉ đạo")
    form = "#directive-form"
    page.fill(f"{form} input[name=symbol]", "12/TB-UBND")
    page.select_option(f"{form} select[name=kind]", "conclusion_notice")
    page.fill(f"{form} input[name=issued_on]", "02/03/2026")
    page.fill(f"{form} input[name=signer_name]", "Trần Phước Hiền")
    page.fill(f"{form} input[name=issuing_body]", "UBND tỉnh Quảng Ngãi")
    page.fill(f"{form} textarea[name=summary]", "Kết luận làm việc với Sở TT&TT")
    page.click(f"{form} button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "12/TB-UBND"
    assert "02/03/2026" in page.locator("dl.fields").inner_text()
    page.click("text=Thêm nhiệm vụ")
    form = "#task-form"
    page.fill(f"{form} input[name=title]", "Rà soát phần mềm dùng chung")
    page.select_option(f"{form} select[name=lead_unit_id]", label="Sở Thông tin và Truyền thông")
    page.select_option(f"{form} select[name=coordinating_unit_ids]", label="Văn phòng UBND tỉnh")
    page.select_option(f"{form} select[name=assigned_by_id]", label=users["leader"].name)
    due = local_today() + timedelta(days=40)
    page.fill(f"{form} input[name=current_due_on]", due.strftime("%d/%m/%Y"))
    page.check(f"{form} input[name=is_priority]")
    page.click(f"{form} button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Rà soát phần mềm dùng chung"
    assert page.locator(".current-due").inner_text() == due.strftime("%d/%m/%Y")
    assert "Giao nhiệm vụ" in page.locator(".timeline").inner_text()
    screenshot(page, "task-assigned")


def test_the_focal_person_list_follows_the_lead_unit(page, users):
    """static/js/task-form.js: only the people of the chosen lead unit can be picked; a
    refused form comes back with the message beside the field and what was typed."""
    from .conftest import make_unit, make_user

    other = make_unit("STNMT", "Sở Tài nguyên và Môi trường")
    make_user("unit_staff", other, name="Cán bộ Sở Tài nguyên")
    directive = make_directive("46/TB-UBND")
    db.session.commit()
    sign_in(page, users["office"].email)
    page.goto(f"/directives/{directive.id}/tasks/new")
    form = "#task-form"
    person = page.locator(f"{form} select[name=focal_person_id] option")

    def offered():
        return [o.inner_text() for o in person.all() if not o.is_disabled()]

    assert offered() == ["—"]  # no lead unit yet
    page.select_option(f"{form} select[name=lead_unit_id]", label="Sở Tài nguyên và Môi trường")
    assert offered() == ["—", "Cán bộ Sở Tài nguyên (Sở Tài nguyên và Môi trường)"]
    page.select_option(f"{form} select[name=focal_person_id]", label=offered()[1])
    page.select_option(f"{form} select[name=lead_unit_id]", label="Sở Thông tin và Truyền thông")
    assert page.input_value(f"{form} select[name=focal_person_id]") == ""
    assert "Cán bộ Sở Tài nguyên (Sở Tài nguyên và Môi trường)" not in offered()
    page.fill(f"{form} input[name=title]", "Việc có hạn sai")
    page.fill(f"{form} input[name=current_due_on]", "31/12/9999")
    page.click(f"{form} button[type=submit]")
    page.wait_for_load_state()
    assert page.input_value(f"{form} input[name=title]") == "Việc có hạn sai"
    assert page.input_value(f"{form} input[name=current_due_on]") == "31/12/9999"
    assert "Ngày phải nằm trong khoảng" in page.locator(f"{form} .has-error").inner_text()
