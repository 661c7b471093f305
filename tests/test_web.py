"""Just enough web for the foundation: sign-in and the task list with time statuses."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tracker.calendar import local_today
from tracker.extensions import db
from tracker.models import AuditEvent, Unit

from .conftest import PASSWORD, csrf_token_from, make_directive, make_task, make_unit


def test_the_sign_in_page_is_in_vietnamese(client):
    page = client.get("/login")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Đăng nhập" in html
    assert 'name="csrf_token"' in html


def test_the_task_list_needs_a_signed_in_user(client):
    response = client.get("/tasks")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_wrong_password_is_refused_and_audited(client, users):
    page = client.get("/login")
    response = client.post(
        "/login",
        data={
            "email": "office@test.local",
            "password": "not the password at all",
            "csrf_token": csrf_token_from(page.get_data(as_text=True)),
        },
    )
    assert response.status_code == 200
    assert "Sai email hoặc mật khẩu" in response.get_data(as_text=True)
    assert client.get("/tasks").status_code == 302
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert actions == ["auth.login_failed"]


def test_a_post_without_csrf_token_is_rejected(client, users):
    response = client.post("/login", data={"email": "office@test.local", "password": PASSWORD})
    assert response.status_code == 400


def test_sign_in_shows_tasks_with_their_time_status(client, login_as, users):
    today = local_today()
    unit = db.session.scalar(select(Unit).filter_by(code="STTTT"))
    directive = make_directive("45/TB-UBND")
    make_task(
        directive,
        unit,
        title="Hoàn thiện mạng lưới truyền thanh cơ sở",
        due_on=today - timedelta(days=2),
    )
    make_task(directive, unit, title="Rà soát các phần mềm", due_on=today + timedelta(days=60))
    make_task(directive, unit, title="Siết chặt quản lý hạ tầng", due_on=None)
    db.session.commit()
    login_as("office")
    html = client.get("/tasks").get_data(as_text=True)
    assert "Quá hạn" in html and "Đang thực hiện trong hạn" in html and "Không thời hạn" in html
    # Overdue first.
    assert html.index("truyền thanh cơ sở") < html.index("Rà soát các phần mềm")
    assert "45/TB-UBND" in html


def test_search_ignores_diacritics(client, login_as, users):
    unit = db.session.scalar(select(Unit).filter_by(code="STTTT"))
    directive = make_directive()
    make_task(directive, unit, title="Thí điểm chuyển đổi số tại huyện Lý Sơn")
    make_task(directive, unit, title="Nâng cấp trung tâm dữ liệu")
    db.session.commit()
    login_as("leader")
    html = client.get("/tasks?q=ly+son").get_data(as_text=True)
    assert "Lý Sơn" in html
    assert "trung tâm dữ liệu" not in html


def test_unit_staff_see_only_their_units_tasks(client, login_as, users):
    mine = db.session.scalar(select(Unit).filter_by(code="STTTT"))
    other = make_unit("SYT", "Sở Y tế")
    third = make_unit("SGD", "Sở Giáo dục")
    directive = make_directive()
    make_task(directive, mine, title="Việc của Sở TT&TT")
    make_task(
        directive, other, title="Việc Sở Y tế chủ trì, Sở TT&TT phối hợp", coordinating_units=[mine]
    )
    make_task(directive, third, title="Việc riêng của Sở Giáo dục")
    db.session.commit()
    login_as("unit_staff")
    html = client.get("/tasks").get_data(as_text=True)
    assert "Việc của Sở TT&amp;TT" in html
    assert "Sở TT&amp;TT phối hợp" in html
    assert "Việc riêng của Sở Giáo dục" not in html


def test_next_redirect_stays_on_this_site(client, users):
    for target, expected in [
        ("/tasks?status=overdue", "/tasks?status=overdue"),
        ("https://evil.example/", "/"),
        ("//evil.example", "/"),
        ("/tasks%00x", "/"),
        ("/tasks%0d%0aSet-Cookie:x=1", "/"),
    ]:
        page = client.get("/login")
        response = client.post(
            f"/login?next={target}",
            data={
                "email": "viewer@test.local",
                "password": PASSWORD,
                "csrf_token": csrf_token_from(page.get_data(as_text=True)),
            },
        )
        assert response.headers["Location"] == expected
        client.post(
            "/logout",
            data={"csrf_token": csrf_token_from(client.get("/tasks").get_data(as_text=True))},
        )


def test_sign_out_ends_the_session(client, login_as):
    login_as("viewer")
    assert client.get("/tasks").status_code == 200
    token = csrf_token_from(client.get("/tasks").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/tasks").status_code == 302


def test_english_is_the_second_locale(client, login_as):
    login_as("viewer")
    html = client.get("/tasks?lang=en").get_data(as_text=True)
    assert "Sign out" in html
    html = client.get("/tasks?lang=vi").get_data(as_text=True)
    assert "Đăng xuất" in html


def test_unknown_pages_get_the_404_page(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "404" in response.get_data(as_text=True)


def test_the_stylesheet_is_served_locally_and_its_blocks_are_closed(client):
    """An unclosed block (as a bad merge once left) silently disables every rule after it."""
    response = client.get("/static/css/tracker.css")
    css = response.get_data(as_text=True)
    response.close()  # a static file is streamed from disk
    assert response.status_code == 200
    depth = 0
    for number, line in enumerate(css.splitlines(), start=1):
        depth += line.count("{") - line.count("}")
        assert depth >= 0, f"line {number} closes a block that was never opened"
    assert depth == 0, "a block is never closed"
    assert "@media (max-width: 640px)" in css  # phone layout
