"""Workflow services: every transition from the right state only, audited, with its rules."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from tracker.extensions import db
from tracker.models import AuditEvent, DueDateChange, ExtensionStatus, TaskState, Unit
from tracker.services import extensions, workflow
from tracker.services.workflow import Forbidden, StaleEdit, WorkflowError

from .conftest import make_directive, make_task, make_unit, make_user

# Monday 2 March 2026, 10:00 in Hà Nội.
NOW = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
TODAY = date(2026, 3, 2)


@pytest.fixture
def task(app, users):
    unit = db.session.scalar(select(Unit).filter_by(code="STTTT"))
    task = make_task(
        make_directive("45/TB-UBND"),
        unit,
        title="Hoàn thiện mạng lưới truyền thanh cơ sở",
        due_on=date(2026, 3, 20),
        assigned_by=users["leader"],
    )
    db.session.commit()
    return task


def actions(task) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.action).where(AuditEvent.task_id == task.id).order_by(AuditEvent.id)
        )
    )


def test_report_submit_return_confirm(task, users):
    staff, office = users["unit_staff"], users["office"]
    workflow.report_progress(staff, task, progress=40, text="Đã khảo sát 40 đài", now=NOW)
    assert task.state == TaskState.IN_PROGRESS and task.progress == 40
    assert task.last_report_on == TODAY
    workflow.submit_result(staff, task, text="Đã hoàn thành", doc_number="12/STTTT", now=NOW)
    assert task.state == TaskState.AWAITING_CONFIRMATION and task.submitted_on == TODAY
    # Reporting or submitting again is not possible while awaiting confirmation.
    with pytest.raises(WorkflowError):
        workflow.report_progress(staff, task, progress=50, text="x", now=NOW)
    workflow.return_result(office, task, reason="Thiếu số liệu", now=NOW)
    assert task.state == TaskState.IN_PROGRESS
    assert task.return_count == 1 and task.submitted_on is None and task.completed_on is None
    later = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)
    workflow.submit_result(staff, task, text="Bổ sung số liệu", now=later)
    confirmed = datetime(2026, 3, 25, 3, 0, tzinfo=UTC)
    workflow.confirm_result(office, task, remark="Đạt", now=confirmed)
    db.session.commit()
    assert task.state == TaskState.COMPLETED
    # The completion date is the accepted submission's date, not the confirmation date.
    assert task.completed_on == date(2026, 3, 10)
    assert task.confirmed_by_id == office.id
    assert actions(task) == [
        "task.report",
        "task.submit",
        "task.return",
        "task.submit",
        "task.confirm",
    ]
    returned = db.session.scalar(select(AuditEvent).filter_by(action="task.return"))
    assert returned.note == "Thiếu số liệu"
    assert returned.changes["return_count"] == [0, 1]
    with pytest.raises(WorkflowError):
        workflow.confirm_result(office, task, now=confirmed)


def test_completion_date_may_be_the_confirmation_date(task, users, app):
    app.config["COMPLETION_DATE_IS_CONFIRMATION"] = True
    workflow.submit_result(users["unit_staff"], task, text="Xong", now=NOW)
    workflow.confirm_result(users["office"], task, now=datetime(2026, 3, 25, 3, tzinfo=UTC))
    assert task.completed_on == date(2026, 3, 25)


def test_confirm_and_return_only_from_awaiting_confirmation(task, users):
    with pytest.raises(WorkflowError):
        workflow.confirm_result(users["office"], task, now=NOW)
    with pytest.raises(WorkflowError):
        workflow.return_result(users["office"], task, reason="x", now=NOW)


def test_only_the_lead_unit_reports_and_only_the_office_confirms(task, users):
    other = make_user("unit_staff", make_unit("SYT"))
    task.coordinating_units.append(other.unit)
    for actor in (other, users["office"], users["leader"], users["viewer"]):
        with pytest.raises(Forbidden):
            workflow.report_progress(actor, task, progress=10, text="x", now=NOW)
    workflow.submit_result(users["unit_head"], task, text="Xong", now=NOW)
    for actor in (users["unit_staff"], users["leader"], users["admin"]):
        with pytest.raises(Forbidden):
            workflow.confirm_result(actor, task, now=NOW)


def test_extension_approved_moves_the_due_date_and_keeps_the_original(task, users):
    request = extensions.request_extension(
        users["unit_staff"],
        task,
        proposed_due_on=date(2026, 4, 30),
        reason="Chờ kinh phí",
        letter_number="55/STTTT",
        now=NOW,
    )
    with pytest.raises(WorkflowError, match="đang chờ duyệt"):
        extensions.request_extension(
            users["unit_staff"], task, proposed_due_on=date(2026, 5, 1), reason="x", now=NOW
        )
    decided = datetime(2026, 3, 5, 3, tzinfo=UTC)
    extensions.decide_extension(users["leader"], request, decision="approve", now=decided)
    db.session.commit()
    assert task.current_due_on == date(2026, 4, 30)
    assert task.original_due_on == date(2026, 3, 20)
    assert task.extension_count == 1
    assert request.status == ExtensionStatus.APPROVED
    change = db.session.scalar(select(DueDateChange))
    assert (change.old_due_on, change.new_due_on, change.effective_on) == (
        date(2026, 3, 20),
        date(2026, 4, 30),
        date(2026, 3, 5),
    )
    assert change.extension_request_id == request.id
    assert actions(task) == ["extension.request", "extension.approve"]


def test_extension_refused_too_close_to_the_due_date_or_too_often(task, users, app):
    staff = users["unit_staff"]
    # Wed 18 March: 2 working days before Fri 20 March, fewer than the 3 required.
    close = datetime(2026, 3, 18, 3, tzinfo=UTC)
    with pytest.raises(WorkflowError, match="ít nhất 3 ngày làm việc \\(còn 2 ngày\\)"):
        extensions.request_extension(
            staff, task, proposed_due_on=date(2026, 4, 30), reason="x", now=close
        )
    after = datetime(2026, 3, 23, 3, tzinfo=UTC)
    with pytest.raises(WorkflowError, match="đã quá hạn"):
        extensions.request_extension(
            staff, task, proposed_due_on=date(2026, 4, 30), reason="x", now=after
        )
    task.extension_count = app.config["EXTENSION_MAX_COUNT"]
    with pytest.raises(WorkflowError, match="số lần tối đa"):
        extensions.request_extension(
            staff, task, proposed_due_on=date(2026, 4, 30), reason="x", now=NOW
        )


def test_extension_rejected_or_task_withdrawn(task, users):
    staff, leader, office = users["unit_staff"], users["leader"], users["office"]
    first = extensions.request_extension(
        staff, task, proposed_due_on=date(2026, 4, 30), reason="x", now=NOW
    )
    extensions.decide_extension(office, first, decision="reject", note="Không đủ lý do", now=NOW)
    assert first.status == ExtensionStatus.REJECTED and task.current_due_on == date(2026, 3, 20)
    second = extensions.request_extension(
        staff, task, proposed_due_on=date(2026, 4, 30), reason="y", now=NOW
    )
    other_leader = make_user("leader")
    with pytest.raises(Forbidden):
        extensions.decide_extension(other_leader, second, decision="approve", now=NOW)
    extensions.decide_extension(
        leader, second, decision="withdraw", note="Không còn phù hợp", now=NOW
    )
    assert task.state == TaskState.WITHDRAWN
    assert task.withdrawn_on == date(2026, 3, 2)  # the local day of the decision
    assert second.status == ExtensionStatus.CANCELLED
    assert db.session.scalar(select(DueDateChange)) is None


def test_edit_with_a_stale_version_names_who_changed_it(task, users):
    office = users["office"]
    second_office = make_user("office", name="Lê Thị Bình")
    opened_with = task.version
    values = {
        "title": task.title,
        "lead_unit_id": task.lead_unit_id,
        "current_due_on": date(2026, 3, 27),
        "assigned_on": task.assigned_on,
        "assigned_by_id": task.assigned_by_id,
    }
    workflow.edit_task(second_office, task, values, version=opened_with, now=NOW)
    db.session.commit()
    assert task.version > opened_with
    with pytest.raises(StaleEdit, match="Lê Thị Bình"):
        workflow.edit_task(
            office, task, {**values, "title": "Tên khác"}, version=opened_with, now=NOW
        )
    db.session.rollback()
    assert task.title == "Hoàn thiện mạng lưới truyền thanh cơ sở"
    assert task.current_due_on == date(2026, 3, 27)
    # A direct edit of the due date is recorded as a due-date change too.
    change = db.session.scalar(select(DueDateChange))
    assert (change.old_due_on, change.new_due_on) == (date(2026, 3, 20), date(2026, 3, 27))
    event = db.session.scalar(select(AuditEvent).filter_by(action="task.update"))
    assert event.changes == {"current_due_on": ["2026-03-20", "2026-03-27"]}


def test_add_task_needs_one_lead_unit_not_also_coordinating(app, users):
    office = users["office"]
    directive = make_directive()
    unit = db.session.scalar(select(Unit).filter_by(code="STTTT"))
    with pytest.raises(WorkflowError):
        workflow.add_task(office, directive, {"title": "Việc", "lead_unit_id": None}, now=NOW)
    with pytest.raises(WorkflowError):
        workflow.add_task(
            office,
            directive,
            {"title": "Việc", "lead_unit_id": unit.id, "coordinating_unit_ids": [unit.id]},
            now=NOW,
        )
    other = make_unit("SYT")
    task = workflow.add_task(
        office,
        directive,
        {"title": "Việc", "lead_unit_id": unit.id, "coordinating_unit_ids": [other.id]},
        now=NOW,
    )
    assert task.item_no == 1 and task.assigned_on == TODAY and task.current_due_on is None
    assert [u.code for u in task.coordinating_units] == ["SYT"]
    with pytest.raises(Forbidden):
        workflow.add_task(
            users["leader"], directive, {"title": "x", "lead_unit_id": unit.id}, now=NOW
        )


def test_uploads_are_limited_in_type_and_size(task, users, app):
    staff = users["unit_staff"]
    bad = FileStorage(io.BytesIO(b"MZ"), filename="virus.exe")
    with pytest.raises(WorkflowError, match="Loại tệp"):
        workflow.report_progress(staff, task, progress=5, text="x", upload=bad, now=NOW)
    app.config["UPLOAD_MAX_BYTES"] = 10
    big = FileStorage(io.BytesIO(b"x" * 11), filename="report.pdf")
    with pytest.raises(WorkflowError, match="quá lớn"):
        workflow.report_progress(staff, task, progress=5, text="x", upload=big, now=NOW)
