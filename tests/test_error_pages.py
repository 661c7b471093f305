"""Error pages: each code in the layout in Vietnamese, JSON under /api/, and a 500 page that
still renders after a failed statement (the session is rolled back first)."""

from __future__ import annotations

import pytest
from flask import abort
from sqlalchemy import select

from tracker.extensions import db
from tracker.models import Task, User

from .conftest import csrf_token_from


def add_routes(app) -> None:
    """Test-only routes on the client's app (before its first request)."""

    @app.route("/test/abort/<int:code>", methods=["GET", "POST"])
    def test_abort(code):
        abort(code)

    @app.route("/test/duplicate-email")
    def test_duplicate_email():
        # A failed flush: the session now refuses every query until it is rolled back.
        taken = db.session.scalar(select(User.email).limit(1))
        db.session.add(User(email=taken, name="Bản sao", role="viewer"))
        db.session.flush()
        return "unreachable"

    @app.route("/test/nul-byte")
    def test_nul_byte():
        task = db.session.scalar(select(Task).limit(1))
        task.title = "tiêu đề\x00"
        db.session.flush()
        return "unreachable"

    @app.route("/api/test/boom")
    def test_api_boom():
        raise RuntimeError("boom")

    @app.route("/api/test/post-only", methods=["POST"])
    def test_api_post_only():
        return {}

    app.config["PROPAGATE_EXCEPTIONS"] = False  # the real 500 path, as in production


@pytest.fixture
def web(client):
    add_routes(client.application)
    return client


def assert_in_layout(response, code: int, *sentences: str) -> str:
    html = response.get_data(as_text=True)
    assert response.status_code == code, html[:300]
    assert response.mimetype == "text/html"
    assert '<header class="topbar">' in html and 'class="card narrow error-page"' in html
    assert f"<h1>{code} ·" in html
    for sentence in sentences:
        assert sentence in html, html
    return html


@pytest.mark.parametrize(
    "code, title, sentence",
    [
        (400, "Yêu cầu không hợp lệ", "Không hiểu được yêu cầu"),
        (403, "Không có quyền truy cập", "Bạn không có quyền mở trang này."),
        (404, "Không tìm thấy trang", "Trang này không tồn tại."),
        (405, "Thao tác không được phép", "Không thể dùng trang này theo cách đó"),
        (413, "Dữ liệu quá lớn", "Tệp quá lớn: mỗi lần gửi tối đa 12 MB."),
        (414, "Địa chỉ quá dài", "Hãy rút gọn nội dung tìm kiếm hoặc bộ lọc"),
        (429, "Quá nhiều yêu cầu", "Hãy đợi một lát rồi thử lại."),
        (500, "Lỗi hệ thống", "Hệ thống gặp lỗi. Lỗi đã được ghi lại."),
    ],
)
def test_each_error_code_has_its_page_in_the_layout_in_vietnamese(
    web, login_as, code, title, sentence
):
    user = login_as("office")
    html = assert_in_layout(web.get(f"/test/abort/{code}"), code, title, sentence)
    assert user.name in html  # the top bar of a signed-in user
    assert "Traceback" not in html and "werkzeug" not in html.lower()


def test_error_pages_in_english(web, users):
    html = assert_in_layout(web.get("/no-such-page?lang=en"), 404, "This page does not exist.")
    assert "Page not found" in html


def test_real_404_403_and_405(web, login_as):
    assert_in_layout(web.get("/no-such-page"), 404, "Trang này không tồn tại.")
    login_as("unit_staff")
    assert_in_layout(web.get("/admin/users"), 403, "Bạn không có quyền mở trang này.")
    response = web.get("/logout")  # POST only
    assert_in_layout(response, 405, "Thao tác không được phép")
    assert "POST" in response.headers["Allow"]


def test_a_csrf_failure_says_the_form_expired(web, users):
    response = web.post("/login", data={"email": users["office"].email, "password": "x"})
    assert_in_layout(response, 400, "Biểu mẫu đã hết hạn. Hãy tải lại trang rồi gửi lại.")


def test_a_too_large_request_without_a_form_page_gets_the_413_page(web, users):
    web.application.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024
    # Form-encoded, so the test client keeps the body in memory (no temporary file).
    response = web.post("/login", data={"text": "x" * (3 * 1024 * 1024)})
    assert_in_layout(response, 413, "Tệp quá lớn: mỗi lần gửi tối đa 2 MB.")


def test_a_too_large_form_post_goes_back_with_the_limit(web, users):
    web.application.config["MAX_CONTENT_LENGTH"] = 2 * 1024 * 1024
    token = csrf_token_from(web.get("/login").get_data(as_text=True))
    response = web.post(
        "/login",
        data={"csrf_token": token, "text": "x" * (3 * 1024 * 1024)},
        headers={"Referer": "http://localhost/login"},
    )
    assert response.status_code == 302 and response.headers["Location"] == "http://localhost/login"
    html = web.get("/login").get_data(as_text=True)
    assert "Tệp quá lớn: mỗi lần gửi tối đa 2 MB." in html


def test_the_500_page_renders_in_the_layout_after_a_failed_flush(web, login_as, users):
    """Without the rollback the layout's own queries (the signed-in user, the pending
    extensions) raise PendingRollbackError and the page falls back to plain text."""
    user = login_as("office")
    html = assert_in_layout(web.get("/test/duplicate-email"), 500, "Hệ thống gặp lỗi.")
    assert user.name in html and "Đăng xuất" in html
    assert "IntegrityError" not in html
    # The next request on the same app works normally.
    assert web.get("/tasks").status_code == 200
    assert db.session.scalar(select(User).filter_by(name="Bản sao")) is None


def test_the_500_page_renders_after_a_nul_byte_on_postgresql(web, login_as, task, is_postgres):
    if not is_postgres:
        pytest.skip("SQLite stores a NUL byte; PostgreSQL refuses it")
    user = login_as("office")
    html = assert_in_layout(web.get("/test/nul-byte"), 500, "Hệ thống gặp lỗi.")
    assert user.name in html
    db.session.expire_all()
    assert db.session.get(Task, task.id).title == "Hoàn thiện mạng lưới truyền thanh cơ sở"


def test_api_errors_are_json(web, users):
    response = web.get("/api/v1/nothing")
    assert response.status_code == 404 and response.is_json
    assert response.get_json() == {
        "error": {"code": "not_found", "message": "Trang này không tồn tại.", "fields": {}}
    }
    response = web.get("/api/test/boom")
    assert response.status_code == 500 and response.is_json
    assert response.get_json()["error"]["code"] == "internal_error"
    assert "boom" not in response.get_data(as_text=True)
    response = web.get("/api/test/post-only")
    assert response.status_code == 405 and response.is_json
    assert response.get_json()["error"]["code"] == "method_not_allowed"
    assert "POST" in response.headers["Allow"]
    response = web.post("/api/test/post-only")  # no CSRF token
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "csrf_failed"


def test_when_even_the_layout_fails_the_answer_is_still_in_our_words(web, monkeypatch, users):
    import tracker.errors

    def broken(*args, **kwargs):
        raise RuntimeError("the layout needs a database that is gone")

    monkeypatch.setattr(tracker.errors, "render_template", broken)
    response = web.get("/test/abort/500")
    html = response.get_data(as_text=True)
    assert response.status_code == 500 and response.mimetype == "text/html"
    assert "Lỗi hệ thống" in html and "Hệ thống gặp lỗi." in html
    assert "Internal Server Error" not in html and "database" not in html
