"""Hardened forms outside the task workflow: the admin's user form, escalations, sign-in
and password change. Bad input gets the form back with a message beside the field (or a
4xx), never a 500, and nothing changes — above all, no line break gets into a name (it
would break the headers of every reminder mail)."""

from __future__ import annotations

from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import func, select

from tracker.calendar import local_today
from tracker.extensions import db
from tracker.models import AuditEvent, Escalation, User
from tracker.passwords import verify_password
from tracker.services import accounts

from .conftest import PASSWORD, csrf_token_from, post_form

ONE_LINE = "Chỉ một dòng, không chứa ký tự điều khiển."


def _users():
    return db.session.execute(select(User.id, User.email, User.name, User.position)).all()


def _error_beside(html: str, field: str) -> list[str]:
    """The error messages rendered in the .field block of input ``field``."""
    html = unescape(html)
    start = html.index(f'name="{field}"')
    block = html[start : html.index("</div>", start)]
    return [part.split("</p>")[0] for part in block.split('<p class="error">')[1:]]


# --- the admin's user form ---------------------------------------------------------------

NEW_USER = {
    "email": "moi@test.local",
    "name": "Lê Thị Hoa",
    "position": "",
    "role": "viewer",
    "unit": "",
}


NEW_USER_CASES = [
    ("name", "Lê Thị Hoa\r\nBcc: attacker@example.com", ONE_LINE),
    ("name", "Lê\u2028Hoa", ONE_LINE),
    ("name", "Lê\x00Hoa", ONE_LINE),
    ("name", "a" * 256, "Tối đa 255 ký tự."),
    ("name", "   ", "Trường này bắt buộc."),
    ("position", "Chuyên viên\nphòng", ONE_LINE),
    ("position", "b" * 256, "Tối đa 255 ký tự."),
    ("email", "x" * 248 + "@test.vn", "Tối đa 255 ký tự."),  # 256
    ("email", "moi\x00@test.local", ONE_LINE),
    ("email", "moi@test.local\r\nBcc: a@b.c", ONE_LINE),
    ("role", "superuser", "Lựa chọn không hợp lệ."),
    ("unit", "99999999999999999999", "Lựa chọn không hợp lệ."),
]


def test_the_new_user_form_takes_one_line_within_the_column(client, login_as, users):
    login_as("admin")
    before = _users()
    for field, value, message in NEW_USER_CASES:
        data = {**NEW_USER, field: value}
        response = post_form(client, "/admin/users/new", "/admin/users/new", data)
        assert response.status_code == 200, (field, value)
        html = response.get_data(as_text=True)
        assert message in _error_beside(html, field), (field, value)
        db.session.rollback()
        assert _users() == before
    # A trailing line break is only whitespace: stripped, the name is one line.
    data = {**NEW_USER, "name": "Lê Thị Hoa\n"}
    response = post_form(client, "/admin/users/new", "/admin/users/new", data)
    assert response.status_code == 200 and "password-once" in response.get_data(as_text=True)
    assert db.session.scalar(select(User.name).filter_by(email="moi@test.local")) == "Lê Thị Hoa"


def test_the_largest_name_the_column_holds_is_accepted(client, login_as, users):
    login_as("admin")
    name = "Nguyễn " * 36 + "Hòa"  # 255 characters
    assert len(name) == 255
    response = post_form(client, "/admin/users/new", "/admin/users/new", {**NEW_USER, "name": name})
    assert response.status_code == 200 and "password-once" in response.get_data(as_text=True)
    assert db.session.scalar(select(User.name).filter_by(email="moi@test.local")) == name


EDIT_USER_CASES = [
    {"name": "Trần Văn B\nTo: x@y.z"},
    {"name": "c" * 300},
    {"position": "Trưởng phòng\r" + "\x1b[31m"},
    {"role": "superuser"},
    {"unit": "99999999999999999999"},
    {"unit": "-1"},
]


def test_the_edit_user_form_refuses_bad_values_and_changes_nothing(client, login_as, users):
    login_as("admin")
    staff = users["unit_staff"]
    url = f"/admin/users/{staff.id}"
    base = {"name": staff.name, "position": "", "role": "unit_staff", "unit": str(staff.unit_id)}
    before = _users()
    audit = db.session.scalar(select(func.count()).select_from(AuditEvent))
    for data in EDIT_USER_CASES:
        response = post_form(client, url, url, {**base, **data, "active": "y"})
        assert response.status_code == 200, data
        field = next(iter(data))
        errors = _error_beside(response.get_data(as_text=True), field)
        assert errors and "Not a valid" not in " ".join(errors), errors  # said in Vietnamese
        db.session.rollback()
        assert _users() == before
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == audit


def test_the_command_line_refuses_a_line_break_in_a_name_too(runner, app, users):
    result = runner.invoke(
        args=["create-user", "--email", "cli@test.local", "--name", "A\nBcc: x@y.z",
              "--role", "viewer", "--password", "một mật khẩu đủ dài 2024"]
    )  # fmt: skip
    assert result.exit_code != 0 and "one line" in result.output
    assert db.session.scalar(select(User).filter_by(email="cli@test.local")) is None
    with pytest.raises(accounts.AccountError):
        accounts.update_user(users["viewer"], users["admin"], None, name="X\r\nY")


# --- escalations -------------------------------------------------------------------------


def _escalate(client, task, **data):
    url = f"/tasks/{task.id}/escalations"
    return post_form(client, url, url, data)


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"kind": "reminder", "note": "x" * 20_001}, "note", "Tối đa 20000 ký tự"),
        ({"kind": "reminder", "note": "Nhắc\x00nhở"}, "note", "Không được chứa ký tự điều khiển"),
        ({"kind": "reminder", "note": "   "}, "note", "Trường này bắt buộc."),
        ({"kind": "sa_thai", "note": "Nhắc"}, "kind", "Lựa chọn không hợp lệ."),
        ({"kind": "explanation", "note": "Giải trình", "explain_by": "31/12/9999"},
         "explain_by", "Ngày phải nằm trong khoảng 01/01/2000 – 31/12/2100."),
        ({"kind": "explanation", "note": "Giải trình", "explain_by": "0001-01-01"},
         "explain_by", "Ngày phải nằm trong khoảng"),
        ({"kind": "explanation", "note": "Giải trình", "explain_by": "hôm qua"},
         "explain_by", "Không phải ngày hợp lệ: nhập theo dạng dd/mm/yyyy."),
        ({"kind": "explanation", "note": "Giải trình", "explain_by": "9" * 40},
         "explain_by", "Không phải ngày hợp lệ"),
    ],
)  # fmt: skip
def test_the_escalation_form_is_bounded(client, login_as, task, data, field, message):
    login_as("office")
    response = _escalate(client, task, **data)
    assert response.status_code == 200
    errors = _error_beside(response.get_data(as_text=True), field)
    assert errors and (message is None or any(message in e for e in errors)), errors
    if field == "explain_by":  # what was typed is kept
        assert f'value="{data["explain_by"]}"' in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Escalation)) == 0


def test_an_explanation_date_is_typed_dd_mm_yyyy(client, login_as, task):
    login_as("office")
    due = local_today() + timedelta(days=10)
    response = _escalate(
        client, task, kind="explanation", note="Giải trình", explain_by=due.strftime("%d/%m/%Y")
    )
    assert response.status_code == 302
    assert db.session.scalar(select(Escalation.explain_by)) == due


# --- sign-in and password change --------------------------------------------------------


@pytest.fixture
def no_sign_in(monkeypatch):
    """Fails the test if the sign-in service (lookup, hash) is reached."""

    def refuse(*args, **kwargs):
        raise AssertionError("the form should have refused this before sign_in")

    monkeypatch.setattr(accounts, "sign_in", refuse)


def _login(client, email, password):
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


@pytest.mark.parametrize(
    "email, password, field, message",
    [
        ("admin@test.local", "p" * 1025, "password", "Tối đa 1024 ký tự."),
        ("admin@test.local", "p" * 200_000, "password", "Tối đa 1024 ký tự."),
        ("a" * 250 + "@test.local", PASSWORD, "email", "Tối đa 255 ký tự."),
        ("admin\x00@test.local", PASSWORD, "email", ONE_LINE),
        ("admin@test.local\nX", PASSWORD, "email", ONE_LINE),
    ],
)
def test_sign_in_refuses_oversized_or_control_input_before_hashing(
    client, users, no_sign_in, email, password, field, message
):
    response = _login(client, email, password)
    assert response.status_code == 200
    assert message in _error_beside(response.get_data(as_text=True), field)


def test_a_6_mb_password_is_refused_before_hashing(client, users, no_sign_in):
    response = _login(client, "admin@test.local", "p" * 6_000_000)
    # The form refuses it, or the request-size limit does first: never hashed, never 500.
    assert response.status_code in (200, 413)
    if response.status_code == 200:
        assert "Tối đa 1024 ký tự." in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"current": "c" * 1025, "new": "một mật khẩu mới đủ dài", "confirm": "một mật khẩu mới đủ dài"},
         "current", "Tối đa 1024 ký tự."),
        ({"current": PASSWORD, "new": "n" * 257, "confirm": "n" * 257}, "new", "Tối đa 256 ký tự."),
        ({"current": PASSWORD, "new": "một mật khẩu mới đủ dài", "confirm": "k" * 5000},
         "confirm", "Tối đa 256 ký tự."),
    ],
)  # fmt: skip
def test_the_password_change_form_is_bounded(client, login_as, users, data, field, message):
    login_as("unit_staff")
    response = post_form(client, "/account/password", "/account/password", data)
    assert response.status_code == 200
    assert message in _error_beside(response.get_data(as_text=True), field)
    db.session.expire_all()
    assert verify_password(users["unit_staff"].password_hash, PASSWORD)
