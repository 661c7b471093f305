"""Bad input on every workflow form: a clear answer (a 4xx or the page with a message),
never a 500, and nothing changed."""

from __future__ import annotations

from sqlalchemy import func, select

from tracker.extensions import db
from tracker.models import AuditEvent, Directive, ExtensionRequest, ProgressReport, Task

from .conftest import post_form as post

GARBAGE_DATES = ["31/02/2021", "2021-13-40", "hôm qua", "", "9" * 40]
GARBAGE_NUMBERS = ["abc", "-5", "150", "", "1e9", "9" * 40]


def snapshot():
    return {
        "tasks": db.session.execute(
            select(Task.id, Task.state, Task.progress, Task.current_due_on, Task.version)
        ).all(),
        "directives": db.session.scalar(select(func.count()).select_from(Directive)),
        "reports": db.session.scalar(select(func.count()).select_from(ProgressReport)),
        "extensions": db.session.scalar(select(func.count()).select_from(ExtensionRequest)),
        "audit": db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action.not_like("auth.%"))
        ),
    }


def assert_refused_cleanly(response, before):
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    if response.status_code == 200:  # the form again, with a message
        html = response.get_data(as_text=True)
        assert 'class="flash' in html or 'class="error' in html, html[:800]
    db.session.rollback()
    assert snapshot() == before


def test_unit_staff_forms_refuse_garbage(client, login_as, task):
    login_as("unit_staff")
    page = f"/tasks/{task.id}"
    before = snapshot()
    for value in GARBAGE_NUMBERS:
        response = post(client, page, f"{page}/report", {"progress": value, "text": "Báo cáo"})
        assert_refused_cleanly(response, before)
    response = post(client, page, f"{page}/report", {"progress": "50", "text": ""})
    assert_refused_cleanly(response, before)
    for value in GARBAGE_DATES:
        response = post(
            client, page, f"{page}/extensions", {"proposed_due_on": value, "reason": "Lý do"}
        )
        assert_refused_cleanly(response, before)
    response = post(client, page, f"{page}/result", {"text": "", "doc_on": "hôm qua"})
    assert_refused_cleanly(response, before)
    # Control: the same form with good values does change things.
    response = post(client, page, f"{page}/report", {"progress": "50", "text": "Báo cáo"})
    assert response.status_code == 302
    assert snapshot()["reports"] == before["reports"] + 1


def test_office_forms_refuse_garbage(client, login_as, task):
    login_as("office")
    before = snapshot()
    for value in GARBAGE_DATES:
        response = post(
            client,
            "/directives/new",
            "/directives/new",
            {
                "symbol": "99/TB-UBND",
                "kind": "conclusion_notice",
                "issued_on": value,
                "signer_name": "Trần Phước Hiền",
                "issuing_body": "UBND tỉnh Quảng Ngãi",
                "summary": "Kết luận",
            },
        )
        assert_refused_cleanly(response, before)
    response = post(
        client,
        "/directives/new",
        "/directives/new",
        {"symbol": "", "kind": "not-a-kind", "issued_on": "2026-03-02", "summary": ""},
    )
    assert_refused_cleanly(response, before)
    directive_id = task.directive_id
    for lead in ["", "abc", "999999"]:
        response = post(
            client,
            f"/directives/{directive_id}/tasks/new",
            f"/directives/{directive_id}/tasks/new",
            {"title": "Nhiệm vụ mới", "lead_unit_id": lead, "due_on": "2026-12-31"},
        )
        assert_refused_cleanly(response, before)
    for due in GARBAGE_DATES[:3]:
        response = post(
            client,
            f"/directives/{directive_id}/tasks/new",
            f"/directives/{directive_id}/tasks/new",
            {
                "title": "Nhiệm vụ mới",
                "lead_unit_id": str(task.lead_unit_id),
                "current_due_on": due,
            },
        )
        # Never taken for "no deadline": the form comes back with the bad value and a message.
        html = response.get_data(as_text=True)
        assert response.status_code == 400
        assert "Không phải ngày hợp lệ" in html and f'value="{due}"' in html
        assert_refused_cleanly(response, before)
    page = f"/tasks/{task.id}"
    response = post(client, page, f"{page}/withdraw", {"reason": ""})
    assert_refused_cleanly(response, before)
    response = post(client, page, f"{page}/confirm", {"decision": "confirm"})
    assert_refused_cleanly(response, before)  # nothing was submitted: wrong state
