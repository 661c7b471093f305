"""Every workflow flow over HTTP with the test client, as a person would use it."""

from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import select

from tracker.calendar import local_today
from tracker.extensions import db
from tracker.models import AuditEvent, Directive, DueDateChange, Task, Unit

from .conftest import csrf_token_from, make_directive, make_task, make_user
from .conftest import post_form as post


def switch(client, login_as, role):
    client.delete_cookie("session")
    return login_as(role)


def test_office_creates_a_directive_and_assigns_a_task(client, login_as, users):
    login_as("office")
    response = post(
        client,
        "/directives/new",
        "/directives/new",
        {
            "symbol": "12/TB-UBND",
            "kind": "conclusion_notice",
            "issued_on": "2026-03-02",
            "signer_name": "Trần Phước Hiền",
            "signer_position": "Phó Chủ tịch UBND tỉnh",
            "issuing_body": "UBND tỉnh Quảng Ngãi",
            "summary": "Kết luận làm việc với Sở TT&TT",
        },
    )
    assert response.status_code == 302
    directive = db.session.scalar(select(Directive).filter_by(symbol="12/TB-UBND"))
    unit = db.session.scalar(select(Unit).filter_by(code="STTTT"))
    page = f"/directives/{directive.id}/tasks/new"
    response = post(
        client,
        page,
        page,
        {
            "title": "Rà soát phần mềm dùng chung",
            "lead_unit_id": str(unit.id),
            "assigned_by_id": str(users["leader"].id),
            "current_due_on": "2027-06-30",
            "is_priority": "1",
        },
    )
    assert response.status_code == 302
    task = db.session.scalar(select(Task).filter_by(title="Rà soát phần mềm dùng chung"))
    assert task.original_due_on == task.current_due_on and task.is_priority
    html = client.get(f"/directives/{directive.id}").get_data(as_text=True)
    assert "Rà soát phần mềm dùng chung" in html and "30/06/2027" in html
    # The same symbol twice is refused with a message.
    response = post(
        client,
        "/directives/new",
        "/directives/new",
        {
            "symbol": "12/TB-UBND",
            "kind": "decision",
            "issued_on": "2026-03-02",
            "signer_name": "A",
            "issuing_body": "B",
            "summary": "C",
        },
    )
    assert response.status_code == 400


def test_report_submit_return_confirm_over_http(client, login_as, users, task):
    url = f"/tasks/{task.id}"
    login_as("unit_staff")
    response = post(
        client,
        url,
        f"{url}/report",
        {
            "progress": "60",
            "text": "Đã sửa 24 đài truyền thanh",
            "difficulties": "Thiếu kinh phí",
            "file": (io.BytesIO(b"%PDF-1.4 bao cao"), "bao-cao.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    html = client.get(url, follow_redirects=True).get_data(as_text=True)
    assert "Đã sửa 24 đài truyền thanh" in html and "60%" in html
    report_file = task.reports[0].file_path if db.session.refresh(task) is None else None
    download = client.get(f"{url}/files/{report_file}")
    assert download.data == b"%PDF-1.4 bao cao"
    download.close()
    post(client, url, f"{url}/result", {"text": "Đã hoàn thành", "doc_number": "88/STTTT"})
    switch(client, login_as, "office")
    response = post(client, url, f"{url}/confirm", {"decision": "return", "remark": "Thiếu ảnh"})
    assert response.status_code == 302
    db.session.refresh(task)
    assert task.state == "in_progress" and task.return_count == 1
    switch(client, login_as, "unit_head")
    post(client, url, f"{url}/result", {"text": "Đã bổ sung ảnh"})
    switch(client, login_as, "office")
    post(client, url, f"{url}/confirm", {"decision": "confirm", "remark": "Đạt"})
    db.session.refresh(task)
    assert task.state == "completed" and task.completed_on == local_today()
    html = client.get(url).get_data(as_text=True)
    # The timeline tells the whole story, in order.
    for text in ("Báo cáo tiến độ", "Trả lại kết quả", "Thiếu ảnh", "Xác nhận hoàn thành"):
        assert text in html
    assert html.index("Báo cáo tiến độ") < html.index("Trả lại kết quả")


def test_refusals_are_shown_as_messages(client, login_as, users, task):
    login_as("unit_staff")
    url = f"/tasks/{task.id}"
    response = post(
        client,
        url,
        f"{url}/extensions",
        {"proposed_due_on": (local_today() + timedelta(days=1)).isoformat(), "reason": "x"},
        follow_redirects=True,
    )
    assert "sau hạn hiện tại" in response.get_data(as_text=True)


def test_extension_requested_then_approved_by_the_leader(client, login_as, users, task):
    url = f"/tasks/{task.id}"
    new_due = task.current_due_on + timedelta(days=45)
    login_as("unit_staff")
    post(
        client,
        url,
        f"{url}/extensions",
        {
            "proposed_due_on": new_due.isoformat(),
            "reason": "Chờ kinh phí",
            "letter_number": "9/STTTT",
        },
    )
    switch(client, login_as, "leader")
    pending = client.get("/extensions/pending").get_data(as_text=True)
    assert task.title in pending
    ext = task.extension_requests[0] if db.session.refresh(task) is None else None
    response = post(
        client,
        url,
        f"/extensions/{ext.id}/decide",
        {"decision": "approve", "new_due_on": new_due.isoformat()},
    )
    assert response.status_code == 302
    db.session.refresh(task)
    assert task.current_due_on == new_due and task.extension_count == 1
    assert db.session.scalar(select(DueDateChange)).new_due_on == new_due
    html = client.get(url).get_data(as_text=True)
    assert new_due.strftime("%d/%m/%Y") in html and "Đồng ý gia hạn" in html
    assert "Không có đề nghị gia hạn nào" in client.get("/extensions/pending").get_data(
        as_text=True
    )


def test_second_save_of_the_same_task_is_refused_and_names_the_first(client, login_as, users, task):
    colleague = make_user(
        "office",
        name="Lê Thị Bình",
        password_hash=users["office"].password_hash,
        email="binh@test.local",
    )
    db.session.commit()
    url = f"/tasks/{task.id}/edit"
    login_as("office")
    mine = client.get(url).get_data(as_text=True)  # the form opens with version N
    version = task.version
    form = {
        "title": task.title,
        "lead_unit_id": str(task.lead_unit_id),
        "assigned_by_id": str(users["leader"].id),
        "monitor_id": str(users["office"].id),
        "current_due_on": task.current_due_on.isoformat(),
        "version": str(version),
        "csrf_token": csrf_token_from(mine),
    }
    # Meanwhile the colleague saves a new title from her own session.
    switch(client, login_as, "office")
    client.delete_cookie("session")
    page = client.get("/login")
    client.post(
        "/login",
        data={
            "email": "binh@test.local",
            "password": "mật khẩu thử nghiệm dài",
            "csrf_token": csrf_token_from(page.get_data(as_text=True)),
        },
    )
    response = post(
        client,
        url,
        url,
        {**{k: v for k, v in form.items() if k != "csrf_token"}, "title": "Tên mới của chị Bình"},
    )
    assert response.status_code == 302
    switch(client, login_as, "office")
    response = post(
        client,
        f"/tasks/{task.id}",
        url,
        {**{k: v for k, v in form.items() if k != "csrf_token"}, "content": "Nội dung của tôi"},
    )
    assert response.status_code == 409
    assert "Lê Thị Bình" in response.get_data(as_text=True)
    db.session.refresh(task)
    assert task.title == "Tên mới của chị Bình" and task.content is None
    assert (
        db.session.scalar(select(AuditEvent.actor_id).where(AuditEvent.action == "task.update"))
        == colleague.id
    )


def test_my_tasks_and_filters(client, login_as, users, task):
    unit = task.lead_unit
    make_task(task.directive, unit, title="Việc không thời hạn của Sở")
    other = make_task(
        make_directive(),
        make_user("unit_staff", None).unit or unit,
        title="Việc do người khác giao",
        due_on=local_today() + timedelta(days=90),
    )
    db.session.commit()
    login_as("leader")
    html = client.get("/tasks/mine").get_data(as_text=True)
    assert task.title in html and other.title not in html
    html = client.get("/tasks?priority=1").get_data(as_text=True)
    assert "Không có nhiệm vụ" in html or task.title not in html
    html = client.get(f"/tasks?leader={users['leader'].id}&sort=due").get_data(as_text=True)
    assert task.title in html and "Việc do người khác giao" not in html


def test_english_is_switchable(client, login_as, users, task):
    login_as("viewer")
    html = client.get(f"/tasks/{task.id}?lang=en").get_data(as_text=True)
    assert "Timeline" in html and "Lead unit" in html


def test_the_timeline_shows_events_it_does_not_know(client, login_as, users, task):
    from tracker.services import audit

    audit.record(
        "escalation.criticism",
        actor=users["office"],
        obj=task,
        task_id=task.id,
        note="Phê bình vì chậm báo cáo",
    )
    db.session.commit()
    login_as("unit_staff")
    html = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "escalation.criticism" in html and "Phê bình vì chậm báo cáo" in html


def test_directive_list_filters_and_edit(client, login_as, users, task):
    other = make_directive("7/CV-UBND")
    other.kind = "official_letter"
    db.session.commit()
    login_as("office")
    html = client.get("/directives/?kind=official_letter").get_data(as_text=True)
    assert "7/CV-UBND" in html and "45/TB-UBND" not in html
    html = client.get(f"/directives/?leader={users['leader'].id}").get_data(as_text=True)
    assert "45/TB-UBND" in html and "7/CV-UBND" not in html
    html = client.get("/directives/?q=truyen+thanh").get_data(as_text=True)
    assert "45/TB-UBND" in html and "7/CV-UBND" not in html
    assert "7/CV-UBND" not in client.get("/directives/?year=2020").get_data(as_text=True)
    url = f"/directives/{other.id}/edit"
    form = {
        "symbol": "7/CV-UBND",
        "kind": "official_letter",
        "issued_on": "2021-03-08",
        "signer_name": "Trần Phước Hiền",
        "issuing_body": "UBND tỉnh Quảng Ngãi",
        "summary": "Về việc rà soát phần mềm",
        "version": str(other.version),
    }
    assert post(client, url, url, form).status_code == 302
    # The same form sent again carries an old version: refused.
    assert post(client, url, url, form).status_code == 409
    db.session.refresh(other)
    assert other.summary == "Về việc rà soát phần mềm"
    event = db.session.scalar(select(AuditEvent).filter_by(action="directive.update"))
    assert event.changes["summary"] == ["Kết luận buổi làm việc", "Về việc rà soát phần mềm"]


def test_withdrawn_tasks_leave_the_list(client, login_as, users, task):
    login_as("office")
    url = f"/tasks/{task.id}"
    post(client, url, f"{url}/withdraw", {"reason": "Không còn phù hợp"})
    db.session.refresh(task)
    assert task.state == "withdrawn"
    assert task.title not in client.get("/tasks").get_data(as_text=True)
    assert "Không còn phù hợp" in client.get(url).get_data(as_text=True)


def test_due_range_is_typed_as_dd_mm_yyyy(client, login_as, users, task):
    due = task.current_due_on
    login_as("office")
    inside = client.get(f"/tasks?due_from={due.strftime('%d/%m/%Y')}").get_data(as_text=True)
    assert task.title in inside and f'value="{due.strftime("%d/%m/%Y")}"' in inside
    after = (due + timedelta(days=1)).strftime("%d/%m/%Y")
    assert task.title not in client.get(f"/tasks?due_from={after}").get_data(as_text=True)


def test_a_too_large_upload_is_refused_with_a_message(client, login_as, users, task, app):
    login_as("unit_staff")
    url = f"/tasks/{task.id}"
    client.application.config["MAX_CONTENT_LENGTH"] = 1000
    response = post(
        client,
        url,
        f"{url}/report",
        {"progress": "5", "text": "x", "file": (io.BytesIO(b"x" * 5000), "a.pdf")},
        content_type="multipart/form-data",
        headers={"Referer": f"http://localhost{url}"},
        follow_redirects=True,
    )
    assert "Tệp quá lớn" in response.get_data(as_text=True)
    assert task.reports == []


def test_a_directive_is_closed_when_every_task_is_done_or_withdrawn(client, login_as, users, task):
    login_as("viewer")
    url = f"/directives/{task.directive_id}"
    assert "Đã kết thúc" not in client.get(url).get_data(as_text=True)
    task.state = "withdrawn"
    db.session.commit()
    assert "Đã kết thúc" in client.get(url).get_data(as_text=True)
