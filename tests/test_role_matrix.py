"""The whole role × action matrix, through policy and over HTTP (including another unit's
task reached by URL)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tracker import policy
from tracker.calendar import local_today
from tracker.database import utcnow
from tracker.extensions import db
from tracker.models import ExtensionRequest, Unit
from tracker.policy import Action

from .conftest import csrf_token_from, make_directive, make_task, make_unit, make_user

A = Action
ROLES = ("admin", "office", "leader", "unit_head", "unit_staff", "viewer")
READ = {A.VIEW_TASK, A.VIEW_TIMELINE, A.DOWNLOAD_FILE, A.VIEW_DIRECTIVE}
OFFICE = {
    A.CREATE_DIRECTIVE,
    A.EDIT_DIRECTIVE,
    A.ADD_TASK,
    A.EDIT_TASK,
    A.WITHDRAW_TASK,
    A.CONFIRM_RESULT,
    A.DECIDE_EXTENSION,
    A.LIST_PENDING_EXTENSIONS,
}
LEAD = {A.REPORT_PROGRESS, A.SUBMIT_RESULT, A.REQUEST_EXTENSION}

# What each role may do to: its unit's task ("lead"), a task its unit coordinates
# ("coordinating"), and another unit's task ("other"). The leader assigned all three.
EXPECTED = {
    "admin": {k: READ for k in ("lead", "coordinating", "other")},
    "viewer": {k: READ for k in ("lead", "coordinating", "other")},
    "office": {k: READ | OFFICE for k in ("lead", "coordinating", "other")},
    "leader": {
        k: READ | {A.DECIDE_EXTENSION, A.LIST_PENDING_EXTENSIONS}
        for k in ("lead", "coordinating", "other")
    },
    "unit_head": {"lead": READ | LEAD, "coordinating": READ, "other": set()},
    "unit_staff": {"lead": READ | LEAD, "coordinating": READ, "other": set()},
}


@pytest.fixture
def tasks(app, users):
    mine = db.session.scalar(select(Unit).filter_by(code="STTTT"))
    other = make_unit("SYT", "Sở Y tế")
    due = local_today() + timedelta(days=60)
    lead = make_task(make_directive(), mine, due_on=due, assigned_by=users["leader"])
    coordinating = make_task(
        make_directive(), other, due_on=due, assigned_by=users["leader"], coordinating_units=[mine]
    )
    foreign = make_task(make_directive(), other, due_on=due, assigned_by=users["leader"])
    for task in (lead, coordinating, foreign):
        db.session.add(
            ExtensionRequest(
                task=task, proposed_due_on=due + timedelta(days=30), reason="x", due_on_before=due
            )
        )
    db.session.commit()
    return {"lead": lead, "coordinating": coordinating, "other": foreign}


def test_policy_matrix(users, tasks):
    for role in ROLES:
        user = users[role]
        for kind, task in tasks.items():
            for action in policy.ALL_ACTIONS:
                obj = task.directive if action in policy.DIRECTIVE_ACTIONS else task
                if action in (A.CREATE_DIRECTIVE, A.LIST_PENDING_EXTENSIONS):
                    obj = None
                expected = action in EXPECTED[role][kind]
                assert policy.can(user, action, obj) is expected, (role, kind, action)


def test_a_leader_decides_only_the_extensions_of_tasks_they_assigned(users, tasks):
    other_leader = make_user("leader")
    assert not policy.can(other_leader, A.DECIDE_EXTENSION, tasks["lead"])
    assert policy.can(other_leader, A.VIEW_TASK, tasks["lead"])


def test_an_inactive_user_may_do_nothing(users, tasks):
    users["office"].active = False
    assert not any(policy.can(users["office"], a, tasks["lead"]) for a in policy.TASK_ACTIONS)


def _switch(client, login_as, role):
    client.delete_cookie("session")
    login_as(role)


# (action, method, url template, data, status when allowed) — allowed POSTs carry data
# that a form refuses (400: empty text, unknown decision) or a service refuses (302 with a
# message: wrong state), so nothing changes.
HTTP = [
    (A.VIEW_TASK, "GET", "/tasks/{t}", None, 200),
    (A.EDIT_TASK, "GET", "/tasks/{t}/edit", None, 200),
    (A.REPORT_PROGRESS, "POST", "/tasks/{t}/report", {"progress": "10", "text": ""}, 400),
    (A.SUBMIT_RESULT, "POST", "/tasks/{t}/result", {"text": ""}, 400),
    (A.CONFIRM_RESULT, "POST", "/tasks/{t}/confirm", {"decision": "confirm"}, 302),
    (A.REQUEST_EXTENSION, "POST", "/tasks/{t}/extensions", {"reason": ""}, 400),
    (A.DECIDE_EXTENSION, "POST", "/extensions/{e}/decide", {"decision": "nothing"}, 400),
    (A.WITHDRAW_TASK, "POST", "/tasks/{t}/withdraw", {"reason": ""}, 400),
    (A.VIEW_DIRECTIVE, "GET", "/directives/{d}", None, 200),
    (A.EDIT_DIRECTIVE, "GET", "/directives/{d}/edit", None, 200),
    (A.ADD_TASK, "GET", "/directives/{d}/tasks/new", None, 200),
]


@pytest.mark.parametrize("role", ROLES)
def test_http_matrix(client, login_as, users, tasks, role):
    login_as(role)
    token = csrf_token_from(client.get("/tasks").get_data(as_text=True))
    for kind, task in tasks.items():
        ext = task.extension_requests[0]
        for action, method, template, data, allowed_code in HTTP:
            url = template.format(t=task.id, e=ext.id, d=task.directive_id)
            if method == "GET":
                response = client.get(url)
            else:
                response = client.post(url, data={**data, "csrf_token": token})
            if action in EXPECTED[role][kind]:
                expected = allowed_code
            elif role in ("unit_head", "unit_staff") and kind == "other":
                expected = 404  # another unit's task by URL: its existence does not leak
            else:
                expected = 403
            assert response.status_code == expected, (role, kind, action, url)
    # Nothing changed: every allowed POST was refused by its form or its service.
    db.session.expire_all()
    assert all(t.state == "assigned" and t.extension_count == 0 for t in tasks.values())
    pending = client.get("/extensions/pending")
    assert pending.status_code == (
        200 if A.LIST_PENDING_EXTENSIONS in EXPECTED[role]["lead"] else 403
    )
    new_directive = client.get("/directives/new")
    assert new_directive.status_code == (200 if role == "office" else 403)


def test_files_are_served_only_to_those_who_see_the_task(client, login_as, users, tasks, app):
    from pathlib import Path

    task = tasks["other"]
    task.result_file = f"{task.id}/abc_ket-qua.pdf"
    db.session.commit()
    path = Path(app.instance_path) / "uploads" / task.result_file
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"%PDF-1.4 ket qua")
    url = f"/tasks/{task.id}/files/{task.result_file}"
    login_as("viewer")
    response = client.get(url)
    assert response.data == b"%PDF-1.4 ket qua"
    assert "attachment" in response.headers["Content-Disposition"]
    response.close()
    assert client.get(f"/tasks/{task.id}/files/{task.id}/../../etc/passwd").status_code == 404
    _switch(client, login_as, "unit_staff")
    assert client.get(url).status_code == 404


def test_directive_list_shows_unit_staff_only_directives_of_their_tasks(
    client, login_as, users, tasks
):
    login_as("unit_staff")
    html = client.get("/directives/").get_data(as_text=True)
    assert tasks["lead"].directive.symbol in html
    assert tasks["coordinating"].directive.symbol in html
    assert tasks["other"].directive.symbol not in html
    assert client.get(f"/directives/{tasks['other'].directive_id}").status_code == 404


# --- calendar feeds (/ical) ---------------------------------------------------------------
# GET the page; POST create/revoke of the user's own feed and of their unit's feed. Creating
# answers the page with the new link (200); revoking redirects (302). A unit feed only for
# whom policy.can_manage_unit_feed names: the unit head of that unit and the Office (its
# own unit, Văn phòng UBND); admin and leader have no unit here, unit staff may not.
UNIT_FEED = {"office", "unit_head"}
ICAL = {
    role: {
        "page": 200,
        ("user", "create"): 200,
        ("user", "revoke"): 302,
        ("unit", "create"): 200 if role in UNIT_FEED else 403,
        ("unit", "revoke"): 302 if role in UNIT_FEED else 403,
    }
    for role in ROLES
}


@pytest.mark.parametrize("role", ROLES)
def test_ical_matrix(client, login_as, users, role):
    from tracker.models import FeedToken

    login_as(role)
    page = client.get("/ical")
    assert page.status_code == ICAL[role]["page"]
    token = csrf_token_from(page.get_data(as_text=True))
    for target in ("user", "unit"):
        for action in ("create", "revoke"):
            response = client.post(
                "/ical", data={"target": target, "action": action, "csrf_token": token}
            )
            assert response.status_code == ICAL[role][(target, action)], (role, target, action)
    db.session.expire_all()
    feeds = db.session.scalars(select(FeedToken).where(FeedToken.created_by_id == users[role].id))
    owners = {"unit" if f.unit_id else "user" for f in feeds}
    assert owners == ({"user", "unit"} if role in UNIT_FEED else {"user"})


@pytest.mark.parametrize(
    "data",
    [
        {"target": "foo", "action": "create"},
        {"target": "unit ", "action": "revoke"},
        {"target": "user", "action": "delete"},
        {"action": "create"},
        {"target": "user"},
        {},
    ],
)
@pytest.mark.parametrize("role", ["unit_staff", "admin", "unit_head"])
def test_ical_refuses_an_unknown_target_or_action(client, login_as, users, role, data):
    """The bypass of issue 8: target=foo let unit staff revoke the head's unit feed, and
    users without a unit got a 500."""
    from tracker.models import FeedToken
    from tracker.services import feeds

    head = users["unit_head"]
    feeds.create_feed(head, utcnow(), unit=head.unit)
    db.session.commit()
    login_as(role)
    token = csrf_token_from(client.get("/ical").get_data(as_text=True))
    response = client.post("/ical", data={**data, "csrf_token": token})
    assert response.status_code == 400
    db.session.expire_all()
    rows = db.session.scalars(select(FeedToken)).all()
    assert [(f.unit_id, f.revoked_at) for f in rows] == [(head.unit_id, None)]


def test_unit_staff_cannot_revoke_the_heads_unit_feed(client, login_as, users):
    from tracker.services import feeds

    head = users["unit_head"]
    token = feeds.create_feed(head, utcnow(), unit=head.unit)
    db.session.commit()
    login_as("unit_staff")
    csrf = csrf_token_from(client.get("/ical").get_data(as_text=True))
    for action in ("revoke", "create"):
        response = client.post(
            "/ical", data={"target": "unit", "action": action, "csrf_token": csrf}
        )
        assert response.status_code == 403
    assert client.get(f"/ical/{token}.ics").status_code == 200


def test_a_feed_dies_with_its_creators_account(client, login_as, users):
    from tracker.services import feeds

    head, staff = users["unit_head"], users["unit_staff"]
    unit_token = feeds.create_feed(head, utcnow(), unit=head.unit)
    own_token = feeds.create_feed(staff, utcnow(), user=staff)
    head_own = feeds.create_feed(head, utcnow(), user=head)
    db.session.commit()
    for token in (unit_token, own_token, head_own):
        assert client.get(f"/ical/{token}.ics").status_code == 200
    head.active = False
    staff.active = False
    db.session.commit()
    for token in (unit_token, own_token, head_own):
        assert client.get(f"/ical/{token}.ics").status_code == 404
    # Enabled again, the links work again: disabling is not a revocation.
    head.active = True
    db.session.commit()
    assert client.get(f"/ical/{unit_token}.ics").status_code == 200


def test_a_unit_feed_dies_when_its_creator_leaves_the_unit(client, users):
    from tracker.services import feeds

    head = users["unit_head"]
    token = feeds.create_feed(head, utcnow(), unit=head.unit)
    db.session.commit()
    head.unit = make_unit("SYT", "Sở Y tế")
    db.session.commit()
    assert client.get(f"/ical/{token}.ics").status_code == 404


# --- the holiday table (/holidays) --------------------------------------------------------
# Read: admin, office, leader, viewer; change: admin and office. Allowed POSTs carry values
# the form refuses (400), so the table and the audit log stay as they were.
HOLIDAY_READERS = {"admin", "office", "leader", "viewer"}
HOLIDAY_EDITORS = {"admin", "office"}
HOLIDAY_HTTP = [
    ("read", "GET", "/holidays", None, 200),
    ("read", "GET", "/holidays?year=2030", None, 200),
    ("edit", "GET", "/holidays/new", None, 200),
    ("edit", "POST", "/holidays/new", {"day": "", "name": "Tết", "kind": "holiday"}, 400),
    ("edit", "GET", "/holidays/{h}/edit", None, 200),
    ("edit", "POST", "/holidays/{h}/edit", {"day": "01/01/2030", "name": "Tết"}, 400),
    ("edit", "POST", "/holidays/{h}/delete", {"reason": ""}, 400),
    ("edit", "POST", "/holidays/fixed", {"year": "1999"}, 400),
]


@pytest.mark.parametrize("role", ROLES)
def test_holidays_matrix(client, login_as, users, role):
    from datetime import date

    from tracker.models import AuditEvent, Holiday

    row = Holiday(day=date(2030, 1, 1), name="Tết Dương lịch", is_working_day=False)
    db.session.add(row)
    db.session.commit()
    login_as(role)
    token = csrf_token_from(client.get("/tasks").get_data(as_text=True))
    for kind, method, template, data, allowed_code in HOLIDAY_HTTP:
        url = template.format(h=row.id)
        if method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data={**data, "csrf_token": token})
        allowed = role in (HOLIDAY_READERS if kind == "read" else HOLIDAY_EDITORS)
        assert response.status_code == (allowed_code if allowed else 403), (role, method, url)
    db.session.expire_all()
    assert [(h.day, h.name) for h in db.session.scalars(select(Holiday))] == [
        (date(2030, 1, 1), "Tết Dương lịch")
    ]
    assert not db.session.scalars(
        select(AuditEvent).where(AuditEvent.action.like("holiday.%"))
    ).all()


# --- units (issue 11): the list and pages for those who see every task, changes for the
# admin and the Office; unit roles get 403 everywhere. Allowed POSTs carry what a form
# refuses (400) or a service refuses (302 with a message), so nothing changes.
UNIT_READ = {"admin", "office", "leader", "viewer"}
UNIT_WRITE = {"admin", "office"}
UNIT_HTTP = [
    ("read", "GET", "/units", None, 200),
    ("read", "GET", "/units?q=STTTT&kind=department&active=all&page=2", None, 200),
    ("read", "GET", "/units/{u}", None, 200),
    ("write", "GET", "/units/new", None, 200),
    ("write", "POST", "/units/new", {"code": "", "name": ""}, 400),
    ("write", "GET", "/units/{u}/edit", None, 200),
    ("write", "POST", "/units/{u}/edit", {"code": "STTTT", "name": ""}, 400),
    ("write", "POST", "/units/{u}/active", {}, 302),  # it leads an open task: refused
    ("write", "GET", "/units/change?unit={u}&kind=merge", None, 302),
    ("write", "GET", "/units/{u}/rename", None, 200),
    ("write", "POST", "/units/{u}/rename", {"effective_on": "hôm qua"}, 400),
    ("write", "GET", "/units/{u}/merge", None, 200),
    ("write", "POST", "/units/{u}/merge", {"into": "new", "step": "confirm"}, 400),
    ("write", "GET", "/units/{u}/split", None, 200),
    ("write", "POST", "/units/{u}/split", {"default": "new-0", "step": "confirm"}, 400),
    ("write", "GET", "/units/{u}/dissolve", None, 200),
    ("write", "POST", "/units/{u}/dissolve", {"into": "{u}", "step": "confirm"}, 400),
    ("write", "POST", "/units/events/{e}/undo", {}, 302),  # undone already: refused
]


@pytest.fixture
def undone_event(app, users):
    from tracker.services import succession

    gone = make_unit("GONE", "Ban đã giải thể")
    into = make_unit("SGD", "Sở Giáo dục và Đào tạo")
    today = local_today()
    result = succession.plan(
        "dissolve", sources=[gone], targets=[into], effective_on=today, today=today
    )
    event = succession.apply(result, actor=users["office"], now=utcnow())
    succession.undo(event, actor=users["office"], now=utcnow())
    db.session.commit()
    return event


@pytest.mark.parametrize("role", ROLES)
def test_units_http_matrix(client, login_as, users, tasks, undone_event, role):
    from tests.test_units_pages import snapshot

    login_as(role)
    token = csrf_token_from(client.get("/tasks").get_data(as_text=True))
    unit = db.session.scalar(select(Unit).filter_by(code="STTTT"))
    before = snapshot()
    for need, method, template, data, allowed_code in UNIT_HTTP:
        url = template.format(u=unit.id, e=undone_event.id)
        if method == "GET":
            response = client.get(url)
        else:
            data = {k: v.format(u=unit.id) for k, v in data.items()}
            response = client.post(url, data={**data, "csrf_token": token})
        allowed = role in (UNIT_READ if need == "read" else UNIT_WRITE)
        expected = allowed_code if allowed else 403
        assert response.status_code == expected, (role, method, url)
    assert snapshot() == before
