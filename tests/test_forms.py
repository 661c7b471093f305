"""The directive, task and task-page forms refuse what does not fit (over-long, control
characters, far dates, people and units that may not be chosen) with a message beside
the field and what was typed kept, store nothing, and still save a good form."""

from __future__ import annotations

import html as html_lib
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tracker.calendar import local_today
from tracker.extensions import db
from tracker.models import (
    AuditEvent,
    Directive,
    ExtensionRequest,
    ProgressReport,
    Task,
    Unit,
)

from .conftest import make_unit, make_user
from .conftest import post_form as post

LONG = "Đ" * 600
FAR_DATES = ["01/01/0001", "31/12/9999", "0001-01-01", "9999-12-31"]
HUGE_IDS = ["999999", str(2**31), str(2**63), "-1", "0", "abc"]

DIRECTIVE = {
    "symbol": "12/TB-UBND",
    "kind": "conclusion_notice",
    "issued_on": "02/03/2026",
    "signer_name": "Trần Phước Hiền",
    "signer_position": "Phó Chủ tịch UBND tỉnh",
    "issuing_body": "UBND tỉnh Quảng Ngãi",
    "summary": "Kết luận làm việc với Sở TT&TT",
    "meeting_title": "Buổi làm việc với Sở TT&TT",
    "meeting_on": "01/03/2026",
    "meeting_chair": "Trần Phước Hiền",
    "origin_level": "provincial",
    "external_id": "VB-2026-12",
}


def snapshot():
    return {
        "tasks": db.session.execute(
            select(
                Task.id,
                Task.title,
                Task.field,
                Task.state,
                Task.progress,
                Task.focal_person_id,
                Task.monitor_id,
                Task.assigned_by_id,
                Task.current_due_on,
                Task.version,
            ).order_by(Task.id)
        ).all(),
        "directives": db.session.execute(
            select(Directive.id, Directive.symbol, Directive.version).order_by(Directive.id)
        ).all(),
        "reports": db.session.scalar(select(func.count()).select_from(ProgressReport)),
        "extensions": db.session.scalar(select(func.count()).select_from(ExtensionRequest)),
        "audit": db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action.not_like("auth.%"))
        ),
    }


def refused(response, before, name: str | None = None, typed: str | None = None) -> str:
    """A 400 page with a message beside field ``name`` and ``typed`` still in the form;
    nothing stored."""
    page = response.get_data(as_text=True)
    assert response.status_code == 400, page[:800]
    db.session.rollback()
    assert snapshot() == before
    if name is not None:
        assert errors_beside(page, name), f"no error beside {name}"
    if typed is not None:
        assert html_lib.escape(typed, quote=True) in page or typed in page
    return page


def errors_beside(page: str, name: str) -> list[str]:
    """The messages in the field block of input/select/textarea ``name``."""
    found = []
    for block in re.findall(r'<div class="field has-error">(.*?)</div>', page, flags=re.S):
        if f'name="{name}"' in block:
            found += re.findall(r'<p class="error">(.*?)</p>', block, flags=re.S)
    return found


@pytest.fixture
def office(client, login_as, users):
    return login_as("office")


@pytest.fixture
def other_unit(app):
    unit = make_unit("STNMT", "Sở Tài nguyên và Môi trường")
    db.session.commit()
    return unit


def task_page(task) -> str:
    return f"/tasks/{task.id}"


def new_task_url(task) -> str:
    return f"/directives/{task.directive_id}/tasks/new"


def good_task(task, users, **changes) -> dict:
    return {
        "title": "Rà soát phần mềm dùng chung",
        "lead_unit_id": str(task.lead_unit_id),
        "focal_person_id": str(users["unit_staff"].id),
        "assigned_by_id": str(users["leader"].id),
        "monitor_id": str(users["office"].id),
        "current_due_on": (local_today() + timedelta(days=60)).strftime("%d/%m/%Y"),
        **changes,
    }


# --- the directive form ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["symbol", "signer_name", "meeting_title", "external_id"])
def test_an_over_long_directive_value_is_refused_and_kept(client, office, task, name):
    before = snapshot()
    response = post(client, "/directives/new", "/directives/new", {**DIRECTIVE, name: LONG})
    refused(response, before, name, typed=LONG)
    assert "Tối đa" in " ".join(errors_beside(response.get_data(as_text=True), name))


def test_directive_text_fields_refuse_control_characters(client, office, task):
    before = snapshot()
    for name in [
        k for k in DIRECTIVE if k not in ("kind", "issued_on", "meeting_on", "origin_level")
    ]:
        response = post(
            client, "/directives/new", "/directives/new", {**DIRECTIVE, name: "Kết\x00luận"}
        )
        refused(response, before, name)
    response = post(
        client, "/directives/new", "/directives/new", {**DIRECTIVE, "symbol": "12/TB\r\nBcc: x"}
    )
    page = refused(response, before, "symbol")
    assert "Chỉ một dòng" in page
    # Several lines are fine in the summary.
    response = post(
        client, "/directives/new", "/directives/new", {**DIRECTIVE, "summary": "Một\r\nHai"}
    )
    assert response.status_code == 302


@pytest.mark.parametrize("day", FAR_DATES)
def test_far_directive_dates_are_refused(client, office, task, day):
    before = snapshot()
    for name in ("issued_on", "meeting_on"):
        response = post(client, "/directives/new", "/directives/new", {**DIRECTIVE, name: day})
        page = refused(response, before, name, typed=day)
        assert "Ngày phải nằm trong khoảng 01/01/2000" in page


def test_directive_choices_are_validated(client, office, task):
    before = snapshot()
    for name, value in [("kind", "not-a-kind"), ("origin_level", "galactic"), ("kind", "")]:
        response = post(client, "/directives/new", "/directives/new", {**DIRECTIVE, name: value})
        refused(response, before, name)


def test_a_good_directive_is_saved_and_edited(client, office, task):
    response = post(client, "/directives/new", "/directives/new", DIRECTIVE)
    assert response.status_code == 302
    directive = db.session.scalar(select(Directive).filter_by(symbol="12/TB-UBND"))
    assert directive.meeting_on.isoformat() == "2026-03-01"
    assert directive.external_id == "VB-2026-12"
    url = f"/directives/{directive.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert 'value="02/03/2026"' in page and 'value="Trần Phước Hiền"' in page
    before = snapshot()
    for version in ["", "abc", str(2**63)]:
        response = post(client, url, url, {**DIRECTIVE, "version": version})
        assert "Biểu mẫu này đã cũ" in refused(response, before)
    response = post(
        client,
        url,
        url,
        {**DIRECTIVE, "summary": "Trích yếu mới", "version": str(directive.version)},
    )
    assert response.status_code == 302
    db.session.refresh(directive)
    assert directive.summary == "Trích yếu mới"


# --- the task form ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ["title", "field"])
def test_an_over_long_task_value_is_refused_and_kept(client, office, users, task, name):
    before = snapshot()
    response = post(
        client, new_task_url(task), new_task_url(task), good_task(task, users, **{name: LONG})
    )
    refused(response, before, name, typed=LONG)


def test_task_text_fields_refuse_control_characters(client, office, users, task):
    before = snapshot()
    for name in ("title", "content", "field"):
        data = good_task(task, users, **{name: "Rà soát\x00phần mềm"})
        refused(post(client, new_task_url(task), new_task_url(task), data), before, name)
    for breaking in ("Dòng một\nBcc: a@b.c", "Dòng một\r\nDòng hai", "Dòng\u2028hai"):
        data = good_task(task, users, title=breaking)
        page = refused(post(client, new_task_url(task), new_task_url(task), data), before, "title")
        assert "Chỉ một dòng" in page


@pytest.mark.parametrize("day", FAR_DATES)
def test_far_task_dates_are_refused(client, office, users, task, day):
    before = snapshot()
    for name in ("assigned_on", "start_on", "current_due_on"):
        data = good_task(task, users, **{name: day})
        refused(post(client, new_task_url(task), new_task_url(task), data), before, name, typed=day)


@pytest.mark.parametrize(
    "name", ["lead_unit_id", "focal_person_id", "assigned_by_id", "monitor_id"]
)
def test_unknown_and_huge_ids_are_a_form_error(client, office, users, task, name):
    before = snapshot()
    for value in HUGE_IDS:
        data = good_task(task, users, **{name: value})
        page = refused(post(client, new_task_url(task), new_task_url(task), data), before, name)
        assert "Hãy chọn một mục trong danh sách" in " ".join(errors_beside(page, name))


def test_unknown_and_huge_coordinating_units_are_a_form_error(client, office, users, task):
    before = snapshot()
    for value in HUGE_IDS:
        data = good_task(task, users, coordinating_unit_ids=value)
        refused(
            post(client, new_task_url(task), new_task_url(task), data),
            before,
            "coordinating_unit_ids",
        )


def test_only_the_right_people_and_units_may_be_chosen(client, office, users, task, other_unit):
    stranger = make_user("unit_staff", other_unit, name="Người của sở khác")
    gone = make_user("unit_staff", task.lead_unit, name="Người đã nghỉ", active=False)
    retired_leader = make_user("leader", None, name="Lãnh đạo cũ", active=False)
    closed = make_unit("SCU", "Sở đã giải thể")
    closed.active = False
    db.session.commit()
    before = snapshot()
    wrong = [
        ("assigned_by_id", users["unit_staff"].id),  # unit staff as assigning leader
        ("assigned_by_id", users["office"].id),
        ("assigned_by_id", retired_leader.id),
        ("monitor_id", users["viewer"].id),  # a viewer as monitor
        ("monitor_id", users["leader"].id),
        ("focal_person_id", stranger.id),  # someone of another unit
        ("focal_person_id", gone.id),  # no longer active
        ("focal_person_id", users["office"].id),
        ("lead_unit_id", closed.id),
        ("coordinating_unit_ids", closed.id),
        ("coordinating_unit_ids", task.lead_unit_id),  # the lead unit among coordinators
    ]
    for name, value in wrong:
        data = good_task(task, users, **{name: str(value)})
        refused(post(client, new_task_url(task), new_task_url(task), data), before, name)
    # The same stranger is fine when their unit leads.
    data = good_task(
        task,
        users,
        lead_unit_id=str(other_unit.id),
        focal_person_id=str(stranger.id),
        coordinating_unit_ids=str(task.lead_unit_id),
    )
    assert post(client, new_task_url(task), new_task_url(task), data).status_code == 302
    made = db.session.scalar(select(Task).where(Task.lead_unit_id == other_unit.id))
    assert made.focal_person_id == stranger.id
    assert [u.id for u in made.coordinating_units] == [task.lead_unit_id]


def test_the_form_offers_only_what_may_be_chosen(client, office, users, task, other_unit):
    stranger = make_user("unit_staff", other_unit, name="Người của sở khác")
    make_user("unit_staff", task.lead_unit, name="Người đã nghỉ", active=False)
    db.session.commit()
    page = client.get(new_task_url(task)).get_data(as_text=True)

    def options(name):
        select_html = re.search(rf'<select[^>]*name="{name}".*?</select>', page, flags=re.S)
        return select_html.group(0)

    leaders, monitors, people = (
        options("assigned_by_id"),
        options("monitor_id"),
        options("focal_person_id"),
    )
    assert users["leader"].name in leaders and users["unit_staff"].name not in leaders
    assert (
        f'value="{users["office"].id}"' in monitors
        and f'value="{users["viewer"].id}"' not in monitors
    )
    assert "Người đã nghỉ" not in people and users["viewer"].name not in people
    # Every candidate carries their unit, for static/js/task-form.js to filter.
    assert f'data-unit="{other_unit.id}"' in people and stranger.name in people
    assert f'data-unit="{task.lead_unit_id}"' in people
    assert '<script src="/static/js/task-form.js"' in page
    assert "<script>" not in page and " style=" not in page
    script = client.get("/static/js/task-form.js")
    assert script.status_code == 200 and b"data-unit" in script.data
    script.close()


def test_a_valid_task_form_still_saves(client, office, users, task):
    data = good_task(
        task, users, content="Nội dung\r\nnhiều dòng", field="Chuyển đổi số", is_urgent="1"
    )
    response = post(client, new_task_url(task), new_task_url(task), data)
    assert response.status_code == 302
    made = db.session.scalar(select(Task).filter_by(title="Rà soát phần mềm dùng chung"))
    assert (made.focal_person_id, made.assigned_by_id, made.monitor_id) == (
        users["unit_staff"].id,
        users["leader"].id,
        users["office"].id,
    )
    assert made.field == "Chuyển đổi số" and made.is_urgent and not made.is_priority
    assert made.current_due_on == local_today() + timedelta(days=60)


def test_the_edit_form_keeps_what_was_typed(client, office, users, task):
    url = f"/tasks/{task.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert f'value="{task.current_due_on.strftime("%d/%m/%Y")}"' in page
    before = snapshot()
    data = {
        **good_task(task, users, title="Tên mới đã gõ", current_due_on="31/02/2027"),
        "version": str(task.version),
    }
    page = refused(post(client, url, url, data), before, "current_due_on", typed="31/02/2027")
    assert 'value="Tên mới đã gõ"' in page
    data["current_due_on"] = ""  # no deadline
    assert post(client, url, url, data).status_code == 302
    db.session.refresh(task)
    assert task.title == "Tên mới đã gõ" and task.current_due_on is None


# --- the task page's action forms -------------------------------------------------------


def test_action_forms_refuse_over_long_numbers_and_keep_the_text(client, login_as, users, task):
    login_as("unit_staff")
    page_url = task_page(task)
    before = snapshot()
    response = post(
        client,
        page_url,
        f"{page_url}/result",
        {"text": "Kết quả đã gõ", "doc_number": LONG},
    )
    page = refused(response, before, "doc_number", typed=LONG)
    assert "Kết quả đã gõ" in page
    due = (task.current_due_on + timedelta(days=30)).strftime("%d/%m/%Y")
    response = post(
        client,
        page_url,
        f"{page_url}/extensions",
        {"proposed_due_on": due, "reason": "Lý do đã gõ", "letter_number": LONG},
    )
    page = refused(response, before, "letter_number", typed=LONG)
    assert "Lý do đã gõ" in page and f'value="{due}"' in page


def test_action_forms_refuse_control_characters_and_far_dates(client, login_as, users, task):
    login_as("unit_staff")
    page_url = task_page(task)
    before = snapshot()
    due = (task.current_due_on + timedelta(days=30)).strftime("%d/%m/%Y")
    cases = [
        ("report", {"progress": "50", "text": "x\x00"}, "text"),
        ("report", {"progress": "50", "text": "x", "difficulties": "\x00"}, "difficulties"),
        ("report", {"progress": "50", "text": "x", "proposals": "a\x1bb"}, "proposals"),
        ("report", {"progress": "101", "text": "x"}, "progress"),
        ("report", {"progress": str(2**63), "text": "x"}, "progress"),
        ("report", {"progress": "năm mươi", "text": "x"}, "progress"),
        ("result", {"text": "\x00"}, "text"),
        ("result", {"text": "x", "doc_number": "88\r\n/STTTT"}, "doc_number"),
        ("result", {"text": "x", "doc_on": "31/12/9999"}, "doc_on"),
        ("extensions", {"proposed_due_on": due, "reason": "\x00"}, "reason"),
        (
            "extensions",
            {"proposed_due_on": due, "reason": "x", "letter_number": "\x00"},
            "letter_number",
        ),
        ("extensions", {"proposed_due_on": "01/01/0001", "reason": "x"}, "proposed_due_on"),
    ]
    for action, data, name in cases:
        page = refused(post(client, page_url, f"{page_url}/{action}", data), before, name)
        assert "Lịch sử" in page or "Timeline" in page or task.title in page
    # 0 % is a progress like any other.
    assert (
        post(
            client, page_url, f"{page_url}/report", {"progress": "0", "text": "Bắt đầu"}
        ).status_code
        == 302
    )
    # An upload still goes through the form.
    response = post(
        client,
        page_url,
        f"{page_url}/report",
        {"progress": "10", "text": "Kèm tệp", "file": (io.BytesIO(b"%PDF-1.4"), "bc.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    db.session.refresh(task)
    assert task.reports[-1].file_path


def test_office_action_forms_refuse_bad_input(client, login_as, users, task):
    login_as("office")
    page_url = task_page(task)
    before = snapshot()
    for reason in ("", "\x00", "a\x7fb"):
        refused(
            post(client, page_url, f"{page_url}/withdraw", {"reason": reason}), before, "reason"
        )
    task.state = "awaiting_confirmation"
    db.session.commit()
    before = snapshot()
    refused(
        post(client, page_url, f"{page_url}/confirm", {"decision": "confirm", "remark": "\x00"}),
        before,
        "remark",
    )
    page = refused(
        post(client, page_url, f"{page_url}/confirm", {"decision": "maybe", "remark": "Đã gõ"}),
        before,
    )
    assert "Hãy chọn một mục trong danh sách" in page and "Đã gõ" in page
    # A workflow refusal (no reason to return) is still a message after a redirect.
    response = post(client, page_url, f"{page_url}/confirm", {"decision": "return"})
    assert response.status_code == 302


def test_extension_decision_form_is_validated(client, login_as, users, task):
    login_as("unit_staff")
    page_url = task_page(task)
    new_due = task.current_due_on + timedelta(days=45)
    post(
        client,
        page_url,
        f"{page_url}/extensions",
        {"proposed_due_on": new_due.isoformat(), "reason": "Chờ kinh phí"},
    )
    ext = db.session.scalar(select(ExtensionRequest))
    assert ext is not None
    client.delete_cookie("session")
    login_as("leader")
    before = snapshot()
    url = f"/extensions/{ext.id}/decide"
    for data, name in [
        ({"decision": "approve", "new_due_on": "31/12/9999"}, "new_due_on"),
        ({"decision": "approve", "note": "\x00"}, "note"),
        ({"decision": "approve", "new_due_on": "hôm nay"}, "new_due_on"),
        ({"decision": "perhaps"}, None),
    ]:
        refused(post(client, page_url, url, data), before, name)
    response = post(
        client, page_url, url, {"decision": "approve", "new_due_on": new_due.strftime("%d/%m/%Y")}
    )
    assert response.status_code == 302
    db.session.refresh(task)
    assert task.current_due_on == new_due


def test_huge_values_never_reach_the_database(client, office, users, task, is_postgres):
    """What broke PostgreSQL before: 2**63 ids, NUL bytes, 600 characters."""
    before = snapshot()
    data = good_task(task, users, lead_unit_id=str(2**63), title="\x00" + LONG)
    page = refused(post(client, new_task_url(task), new_task_url(task), data), before)
    assert errors_beside(page, "lead_unit_id") and errors_beside(page, "title")
    assert db.session.scalar(select(func.count()).select_from(Unit)) == 2
