"""The README's "Who may do what" table, cell for cell, against real requests.

Each row of the table is read from README.md and mapped to the requests that perform its
action; each cell says what its column's users get: ✓ (allowed: anything but 403/404),
403 or 404. Allowed POSTs carry values a form or service refuses, so nothing changes and
every cell can be checked in one database."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from tracker.calendar import local_today
from tracker.extensions import db
from tracker.models import ExtensionRequest, ProgressReport, Unit

from .conftest import csrf_token_from, make_directive, make_task, make_unit, make_user

README = Path(__file__).resolve().parent.parent / "README.md"
HEADING = "## Who may do what"

# The table's columns: who sends the request, and to which of the fixture's tasks.
COLUMNS = {
    "admin": [("admin", "lead")],
    "office": [("office", "lead")],
    "leader": [("leader", "lead")],
    "unit head / staff of the lead unit": [("unit_head", "lead"), ("unit_staff", "lead")],
    "of a coordinating unit": [("unit_head", "coordinating"), ("unit_staff", "coordinating")],
    "of another unit": [("unit_head", "other"), ("unit_staff", "other")],
    "viewer": [("viewer", "lead")],
}

# The requests of each row: (method, URL template, form data). {t} task, {u} its lead unit,
# {d} its directive, {e} its pending extension request, {f} the download link of its file.
ROWS = {
    "view task, timeline, escalations, download its files": [
        ("GET", "/tasks/{t}", None),
        ("GET", "/tasks/{t}/escalations", None),
        ("GET", "{f}", None),
    ],
    "view directive": [("GET", "/directives/{d}", None)],
    "create directive": [("GET", "/directives/new", None), ("POST", "/directives/new", {})],
    "edit directive, add task": [
        ("GET", "/directives/{d}/edit", None),
        ("POST", "/directives/{d}/edit", {"symbol": ""}),
        ("GET", "/directives/{d}/tasks/new", None),
        ("POST", "/directives/{d}/tasks/new", {"title": ""}),
    ],
    "edit task, withdraw task": [
        ("GET", "/tasks/{t}/edit", None),
        ("POST", "/tasks/{t}/edit", {"title": ""}),
        ("POST", "/tasks/{t}/withdraw", {"reason": ""}),
    ],
    "report progress, submit result, request extension": [
        ("POST", "/tasks/{t}/report", {"progress": "10", "text": ""}),
        ("POST", "/tasks/{t}/result", {"text": ""}),
        ("POST", "/tasks/{t}/extensions", {"reason": ""}),
    ],
    "confirm or return a result": [
        ("POST", "/tasks/{t}/confirm", {"decision": "confirm"}),
        ("POST", "/tasks/{t}/confirm", {"decision": "return", "remark": ""}),
    ],
    "decide an extension (approve, reject, withdraw the task)": [
        ("POST", "/extensions/{e}/decide", {"decision": "nothing"}),
    ],
    "pending extensions page": [("GET", "/extensions/pending", None)],
    "record an escalation (nhắc nhở, phê bình, giải trình)": [
        ("POST", "/tasks/{t}/escalations", {"kind": "reminder", "note": ""}),
    ],
    "dashboard, period report, exports": [
        ("GET", "/dashboard", None),
        ("GET", "/dashboard/trend.svg", None),
        ("GET", "/reports?period=2021-03", None),
        ("GET", "/reports/export.xlsx?period=2021-03", None),
        ("GET", "/reports/export.csv?period=2021-03", None),
    ],
    "own calendar feed link (`/ical`)": [
        ("GET", "/ical", None),
        ("POST", "/ical", {"target": "user", "action": "revoke"}),
    ],
    "their unit's calendar feed link (`/ical`)": [
        ("POST", "/ical", {"target": "unit", "action": "revoke"}),
    ],
    # {su}: the unit staff account, {lu}: the leader's; allowed POSTs leave the name empty.
    "people: list, add, edit, disable, reset the password of unit heads, unit staff and "
    "viewers (`/admin/users`)": [
        ("GET", "/admin/users", None),
        ("GET", "/admin/users?unit={u}", None),
        ("GET", "/admin/users/new?unit_id={u}", None),
        ("GET", "/admin/users/{su}", None),
        ("POST", "/admin/users/{su}", {"name": "", "role": "unit_staff"}),
    ],
    "accounts of admins, the Office and leaders, and giving those roles": [
        ("GET", "/admin/users/{lu}", None),
        ("POST", "/admin/users/{lu}", {"name": ""}),
    ],
    "mail outbox (`/admin/outbox`)": [("GET", "/admin/outbox", None)],
    "own preferences: language, weekly digest, email for reminders (`/account/preferences`)": [
        ("GET", "/account/preferences", None),
        ("POST", "/account/preferences", {"locale": "fr"}),
    ],
    "holidays page (`/holidays`)": [("GET", "/holidays", None)],
    "add, edit, delete holidays": [
        ("GET", "/holidays/new", None),
        ("POST", "/holidays/new", {"day": ""}),
        ("POST", "/holidays/fixed", {"year": ""}),
    ],
    "units list and unit pages (`/units`)": [
        ("GET", "/units", None),
        ("GET", "/units/{u}", None),
    ],
    "create, edit, deactivate units; rename, merge, split, dissolve, undo": [
        ("GET", "/units/new", None),
        ("POST", "/units/new", {"code": ""}),
        ("POST", "/units/{u}/edit", {"name": ""}),
        ("POST", "/units/{u}/merge", {"into": "new", "step": "confirm"}),
        ("POST", "/units/{u}/dissolve", {"effective_on": "hôm qua"}),
    ],
}


def readme_table() -> tuple[list[str], dict[str, list[str]]]:
    text = README.read_text(encoding="utf-8")
    section = text[text.index(HEADING) :]
    lines = [line for line in section.splitlines()[1:] if line.startswith("|")]
    split = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]
    header, _rule, *rows = split
    return header, {row[0]: row[1:] for row in rows}


def expected(cell: str, role: str) -> str | None:
    """'allowed', '403', '404', or None (no such case) for a user of ``role``."""
    if cell == "—":
        return None
    if cell.startswith("head:"):  # "head: their unit; staff 403"
        return "allowed" if role == "unit_head" else cell.rsplit(" ", 1)[-1]
    if cell.startswith("✓"):
        return "allowed"
    assert cell in ("403", "404"), f"unknown cell {cell!r}"
    return cell


def outcome(status: int) -> str:
    assert status < 500, status
    return str(status) if status in (403, 404) else "allowed"


@pytest.fixture
def tasks(app, users):
    """The unit roles' task (lead), one their unit coordinates, one of another unit; each
    with its own directive, a pending extension request and a file. The lead task's
    directive also holds a task of another unit, which unit users must not see."""
    mine = db.session.scalar(select(Unit).filter_by(code="STTTT"))
    other = make_unit("SYT", "Sở Y tế")
    due = local_today() + timedelta(days=60)
    kw = {"due_on": due, "assigned_by": users["leader"]}
    lead = make_task(make_directive(), mine, **kw)
    hidden = make_task(lead.directive, other, title="Nhiệm vụ riêng của Sở Y tế", **kw)
    coordinating = make_task(make_directive(), other, coordinating_units=[mine], **kw)
    foreign = make_task(make_directive(), other, **kw)
    unassigned = make_task(make_directive(), mine, due_on=due, assigned_by=make_user("leader"))
    made = {"lead": lead, "coordinating": coordinating, "other": foreign, "unassigned": unassigned}
    db.session.flush()
    for task in made.values():
        db.session.add(
            ExtensionRequest(
                task=task, proposed_due_on=due + timedelta(days=30), reason="x", due_on_before=due
            )
        )
        name = f"{task.id}/abc_bao-cao.pdf"
        db.session.add(
            ProgressReport(
                task=task, reported_on=local_today(), progress=0, text="x", file_path=name
            )
        )
        path = Path(app.instance_path) / "uploads" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"%PDF-1.4 ket qua")
    db.session.commit()
    made["hidden"] = hidden
    return made


def test_the_readme_table_has_the_columns_and_rows_this_test_checks():
    header, rows = readme_table()
    assert header[1:] == list(COLUMNS), header
    assert list(rows) == list(ROWS)
    assert all(len(cells) == len(COLUMNS) for cells in rows.values())


def _sign_in_as(client, login_as, role):
    client.delete_cookie("session")
    login_as(role)
    return csrf_token_from(client.get("/account/password").get_data(as_text=True))


def _urls(client, tasks, kind):
    task = tasks[kind]
    ext = task.extension_requests[0]
    return {"t": task.id, "d": task.directive_id, "e": ext.id, "u": task.lead_unit_id}


def test_every_cell_of_the_readme_table_matches_the_answers(client, login_as, users, tasks):
    _header, rows = readme_table()
    login_as("office")
    links = {}
    for kind in ("lead", "coordinating", "other"):
        task = tasks[kind]
        page = client.get(f"/tasks/{task.id}").get_data(as_text=True)
        found = re.search(rf'href="(/tasks/{task.id}/files/[^"]+)"', page)
        assert found, f"no download link on the page of the {kind} task"
        links[kind] = found.group(1)
    staff = users["unit_staff"]
    accounts = {"su": staff.id, "u": staff.unit_id, "lu": users["leader"].id}
    mismatches = []
    by_role: dict[str, list] = {}
    for column, cases in COLUMNS.items():
        for role, kind in cases:
            by_role.setdefault(role, []).append((column, kind))
    for role, cases in by_role.items():
        token = _sign_in_as(client, login_as, role)
        for column, kind in cases:
            values = {**_urls(client, tasks, kind), "f": links[kind], **accounts}
            for action, requests in ROWS.items():
                want = expected(rows[action][list(COLUMNS).index(column)], role)
                if want is None:
                    continue
                for method, template, data in requests:
                    url = template.format(**values)
                    if method == "GET":
                        response = client.get(url)
                    else:
                        response = client.post(url, data={**data, "csrf_token": token})
                    response.close()  # downloads stream their file
                    got = outcome(response.status_code)
                    if got != want:
                        mismatches.append(
                            f"{action} | {column} ({role}): README {want}, got {got} "
                            f"({method} {url} → {response.status_code})"
                        )
    assert not mismatches, "\n".join(mismatches)
    # Nothing changed: every allowed POST was refused by its form or service.
    db.session.expire_all()
    assert staff.role == "unit_staff" and staff.name and users["leader"].name
    assert all(t.state == "assigned" and t.extension_count == 0 for t in tasks.values())
    assert all(
        t.extension_requests[0].status == "pending"
        for t in tasks.values()
        if t.id != tasks["hidden"].id
    )


def test_qualified_cells(client, login_as, users, tasks):
    """The cells with words: a unit user sees a directive with only the tasks they see; a
    leader decides only the extensions of the tasks they assigned."""
    token = _sign_in_as(client, login_as, "unit_staff")
    page = client.get(f"/directives/{tasks['lead'].directive_id}").get_data(as_text=True)
    assert tasks["lead"].title in page and tasks["hidden"].title not in page
    token = _sign_in_as(client, login_as, "office")
    page = client.get(f"/directives/{tasks['lead'].directive_id}").get_data(as_text=True)
    assert tasks["hidden"].title in page
    token = _sign_in_as(client, login_as, "leader")
    ext = tasks["unassigned"].extension_requests[0]
    response = client.post(
        f"/extensions/{ext.id}/decide", data={"decision": "nothing", "csrf_token": token}
    )
    assert response.status_code == 403
