"""Sign-in, throttling, server-side sessions, passwords and the admin's user pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tracker import create_app
from tracker.extensions import db
from tracker.models import AuditEvent, LoginThrottle, User, UserSession
from tracker.password_policy import generate_password, password_problems
from tracker.passwords import verify_password
from tracker.services import accounts, sessions, throttle

from .conftest import INSTANCE, PASSWORD, _test_config, csrf_token_from, make_unit

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


class Clock:
    """Time for the app under test, moved by the test (never slept on)."""

    def __init__(self, start: datetime = T0):
        self.moment = start

    def __call__(self) -> datetime:
        return self.moment

    def advance(self, **delta) -> None:
        self.moment += timedelta(**delta)


@pytest.fixture
def clock(client) -> Clock:
    clock = Clock()
    client.application.config["CLOCK"] = clock
    return clock


def post_login(client, email: str, password: str = PASSWORD, next_url: str = ""):
    page = client.get("/login")
    return client.post(
        "/login" + (f"?next={next_url}" if next_url else ""),
        data={
            "email": email,
            "password": password,
            "csrf_token": csrf_token_from(page.get_data(as_text=True)),
        },
    )


def token_of(client, path: str = "/tasks") -> str:
    return csrf_token_from(client.get(path).get_data(as_text=True))


def actions() -> list[str]:
    db.session.commit()  # a fresh snapshot: the app under test wrote on other connections
    return db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()


# --- throttling -------------------------------------------------------------------


def test_lockouts_grow_and_are_counted_in_the_database_across_workers(app, users):
    """Two app objects (two worker processes) share one count per account."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    workers = [create_app(_test_config(url), instance_path=INSTANCE) for _ in range(2)]
    email = users["office"].email

    def attempt(worker: int, now: datetime, password: str = "wrong password!"):
        with workers[worker].app_context():
            result = accounts.sign_in(email, password, "10.0.0.1", now)
            db.session.commit()
            return result

    try:
        now = T0
        for i in range(4):  # four failures alternating between the workers: no lock yet
            assert attempt(i % 2, now).refusal is None
        assert attempt(0, now).refusal is None  # the fifth locks the account
        refused = attempt(1, now, PASSWORD)  # even the right password is refused meanwhile
        assert refused.user is None and refused.refusal.scope == "account"
        assert refused.refusal.minutes == 1
        # After a minute the lock is over; five more failures lock it for 2 minutes, then 4.
        for expected_minutes in (2, 4):
            now += timedelta(minutes=expected_minutes // 2, seconds=1)
            for i in range(5):
                assert attempt(i % 2, now).refusal is None
            refusal = attempt(1, now).refusal
            assert refusal.minutes == expected_minutes
            assert attempt(0, now + timedelta(minutes=expected_minutes - 1)).refusal is not None
        now += timedelta(minutes=4, seconds=1)
        assert attempt(1, now, PASSWORD).user is not None  # success clears the count
        assert attempt(0, now).refusal is None
    finally:
        for worker in workers:
            with worker.app_context():
                db.engine.dispose()
    assert "auth.login_refused" in actions()


def test_the_lock_is_capped(app, users):
    app.config.update(LOGIN_LOCK_MAX_MINUTES=5)
    now = T0
    for expected in (1, 2, 4, 5, 5):
        for _ in range(5):
            throttle.record_failure("office@test.local", "10.0.0.2", now)
        assert throttle.check("office@test.local", None, now).minutes == expected
        now += timedelta(minutes=expected, seconds=1)
        assert throttle.check("office@test.local", None, now) is None


def test_a_locked_account_shows_when_to_try_again(client, users, clock):
    for _ in range(5):
        response = post_login(client, "leader@test.local", "not the right one")
        assert "Sai email hoặc mật khẩu" in response.get_data(as_text=True)
    response = post_login(client, "leader@test.local")
    assert response.status_code == 429
    assert "thử lại sau 1 phút" in response.get_data(as_text=True)
    clock.advance(seconds=61)
    assert post_login(client, "leader@test.local").status_code == 302
    assert client.get("/tasks").status_code == 200
    assert actions().count("auth.login_failed") == 5
    assert actions()[-1] == "auth.login"


def test_unknown_accounts_are_locked_too(client, users, clock):
    for _ in range(5):
        post_login(client, "nobody@test.local", "whatever it is")
    response = post_login(client, "nobody@test.local", "whatever it is")
    assert response.status_code == 429


def test_one_address_is_limited_whatever_the_account(client, users, clock):
    client.application.config.update(LOGIN_ADDRESS_MAX_FAILURES=6)
    for i in range(6):
        assert post_login(client, f"guess{i}@test.local", "some wrong guess").status_code == 200
    response = post_login(client, "viewer@test.local")  # right password, same address
    assert response.status_code == 429
    assert "thử lại sau 15 phút" in response.get_data(as_text=True)
    clock.advance(minutes=15)
    assert post_login(client, "viewer@test.local").status_code == 302


# --- sessions ---------------------------------------------------------------------


def test_sign_in_creates_a_server_session_and_sign_out_ends_it(client, users, clock):
    assert post_login(client, "viewer@test.local").status_code == 302
    row = db.session.scalar(select(UserSession))
    assert row.user_id == users["viewer"].id and row.revoked_at is None
    # The cookie holds a token, never the hash stored here.
    cookie = client.get_cookie("session")
    assert row.token_hash not in cookie.value
    stolen = cookie.value
    client.post("/logout", data={"csrf_token": token_of(client)})
    db.session.expire_all()
    assert row.revoked_at is not None and row.revoked_reason == "sign_out"
    # Replaying the old cookie does not bring the session back.
    client.set_cookie("session", stolen)
    assert client.get("/tasks").status_code == 302


def test_disabling_the_account_ends_its_sessions(client, users, clock):
    post_login(client, "unit_staff@test.local")
    assert client.get("/tasks").status_code == 200
    user = db.session.get(User, users["unit_staff"].id)
    accounts.update_user(user, users["admin"], clock(), active=False)
    db.session.commit()
    assert client.get("/tasks").status_code == 302


def test_an_admin_revoke_ends_the_session(client, users, clock):
    post_login(client, "office@test.local")
    assert client.get("/tasks").status_code == 200
    accounts.revoke_sessions(db.session.get(User, users["office"].id), users["admin"], clock())
    db.session.commit()
    assert client.get("/tasks").status_code == 302
    assert "user.sessions_revoke" in actions()


def test_sessions_expire_after_inactivity_and_after_their_lifetime(client, users, clock):
    post_login(client, "leader@test.local")
    clock.advance(minutes=119)
    assert client.get("/tasks").status_code == 200  # activity keeps it alive...
    clock.advance(minutes=119)
    assert client.get("/tasks").status_code == 200
    clock.advance(minutes=121)
    assert client.get("/tasks").status_code == 302  # ...two idle hours end it
    post_login(client, "leader@test.local")
    for _ in range(13):  # busy all day: the absolute lifetime (12 h) still ends it
        clock.advance(minutes=59)
        response = client.get("/tasks")
    assert response.status_code == 302


def test_changing_the_password_ends_the_other_sessions(app, client, users, clock):
    other = app.test_client_class  # a second browser on another app object
    second_app = create_app(
        _test_config(app.config["SQLALCHEMY_DATABASE_URI"]), instance_path=app.instance_path
    )
    second_app.test_client_class = other
    second_app.config["CLOCK"] = clock
    second = second_app.test_client()
    post_login(second, "unit_head@test.local")
    post_login(client, "unit_head@test.local")
    new_password = "ba con mèo đi dạo bờ sông"
    response = client.post(
        "/account/password",
        data={
            "current": PASSWORD,
            "new": new_password,
            "confirm": new_password,
            "csrf_token": token_of(client, "/account/password"),
        },
    )
    assert response.status_code == 302
    assert client.get("/tasks").status_code == 200  # this browser stays signed in
    assert second.get("/tasks").status_code == 302  # the other one is signed out
    db.session.expire_all()
    assert verify_password(db.session.get(User, users["unit_head"].id).password_hash, new_password)
    with second_app.app_context():
        db.engine.dispose()


def test_change_password_checks_the_current_one_and_the_rule(client, users, clock):
    post_login(client, "viewer@test.local")
    cases = [
        ("wrong current password", "ba con mèo đi dạo bờ sông", "Mật khẩu hiện tại không đúng"),
        (PASSWORD, "short one", "ít nhất 12 ký tự"),
        (PASSWORD, "password1234", "quá phổ biến"),
        (PASSWORD, "QuangNgai@2026!", "quá phổ biến"),
    ]
    for current, new, message in cases:
        html = client.post(
            "/account/password",
            data={
                "current": current,
                "new": new,
                "confirm": new,
                "csrf_token": token_of(client, "/account/password"),
            },
        ).get_data(as_text=True)
        assert message in html, message


def test_the_session_cookie_flags(client, users):
    response = post_login(client, "viewer@test.local")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    page = client.get("/login", base_url="https://tracker.example")
    secure = client.post(
        "/login",
        base_url="https://tracker.example",
        headers={"Referer": "https://tracker.example/login"},
        data={
            "email": "viewer@test.local",
            "password": PASSWORD,
            "csrf_token": csrf_token_from(page.get_data(as_text=True)),
        },
    )
    assert secure.status_code == 302
    assert "Secure" in secure.headers["Set-Cookie"]
    assert "remember_token" not in str(secure.headers)


# --- the password rule ------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "accepted"),
    [
        ("mật khẩu thử nghiệm dài", True),
        ("ba con mèo đi dạo bờ sông", True),
        ("x7#Kp2!mQz9vL", True),
        ("short", False),
        ("elevenchars", False),
        ("password1234", False),
        ("Qwertyuiop12", False),
        ("123456789012", False),
        ("matkhau123456", False),
        ("aaaaaaaaaaaaaa", False),
        ("Quảng Ngãi 2026", False),
        ("UBNDtinh2026!!", False),
        ("nguyenvanan1990", False),  # the user's own name
        ("an-van-nguyen-86", False),  # the same, reordered
        ("an.nguyen@2026", False),  # the user's email
        ("SoYTe-2026-abc", False),  # the unit's code
    ],
)
def test_the_password_rule(app, password, accepted):
    unit = make_unit("SOYTE", "Sở Y tế")
    with app.test_request_context():
        problems = password_problems(
            password, email="an.nguyen@quangngai.gov.vn", name="Nguyễn Văn An", unit=unit
        )
    assert (problems == []) is accepted, problems


def test_generated_passwords_pass_the_rule(app):
    with app.test_request_context():
        for _ in range(20):
            assert password_problems(generate_password()) == []


def test_create_user_refuses_a_weak_password(app):
    with pytest.raises(accounts.AccountError):
        accounts.create_user("hoa@test.local", "Lê Thị Hoa", "viewer", "lethihoa2026")


# --- the admin's user pages ---------------------------------------------------------


@pytest.mark.parametrize("role", ["leader", "unit_head", "unit_staff", "viewer"])
def test_only_admins_and_the_office_reach_the_user_pages(client, login_as, role):
    login_as(role)
    for path in ("/admin/users", "/admin/users/new", "/admin/users/1"):
        response = client.get(path)
        assert response.status_code == 403
        assert 'href="/admin/users"' not in response.get_data(as_text=True)


def test_signed_out_visitors_are_sent_to_sign_in(client, users):
    response = client.get("/admin/users")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_admin_lists_and_filters_users(client, login_as, users):
    login_as("admin")
    html = client.get("/tasks").get_data(as_text=True)
    assert 'href="/admin/users"' in html  # the link in the top bar
    html = client.get("/admin/users?role=unit_staff").get_data(as_text=True)
    assert "unit_staff@test.local" in html and "office@test.local" not in html
    users["leader"].name = "Trần Phước Hiền"
    db.session.commit()
    html = client.get("/admin/users?q=phuoc+hien").get_data(as_text=True)
    assert "leader@test.local" in html and "viewer@test.local" not in html


def test_admin_creates_a_user_with_a_generated_password(client, login_as, users):
    login_as("admin")
    unit_id = users["unit_staff"].unit_id
    response = client.post(
        "/admin/users/new",
        data={
            "email": "Hoa.Le@test.local",
            "name": "Lê Thị Hoa",
            "position": "Chuyên viên",
            "role": "unit_staff",
            "unit": str(unit_id),
            "active": "y",
            "csrf_token": token_of(client, "/admin/users/new"),
        },
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    password = html.split('<code class="password-once">')[1].split("</code>")[0]
    user = db.session.scalar(select(User).filter_by(email="hoa.le@test.local"))
    assert user.unit_id == unit_id and verify_password(user.password_hash, password)
    event = db.session.scalar(select(AuditEvent).filter_by(action="user.create"))
    assert event.actor_id == users["admin"].id
    assert event.changes["role"] == [None, "unit_staff"]


def test_admin_edits_are_audited_with_before_and_after(client, login_as, users):
    login_as("admin")
    staff = users["unit_staff"]
    office_unit = users["office"].unit_id
    staff_unit = staff.unit_id
    response = client.post(
        f"/admin/users/{staff.id}",
        data={
            "name": staff.name,
            "position": "Phó Chánh Văn phòng",
            "role": "office",
            "unit": str(office_unit),
            "active": "y",
            "csrf_token": token_of(client, f"/admin/users/{staff.id}"),
        },
    )
    assert response.status_code == 302
    event = db.session.scalar(select(AuditEvent).filter_by(action="user.update"))
    assert event.changes == {
        "position": [None, "Phó Chánh Văn phòng"],
        "role": ["unit_staff", "office"],
        "unit_id": [staff_unit, office_unit],
    }
    assert event.actor_id == users["admin"].id


def test_a_unit_role_needs_a_unit(client, login_as, users):
    login_as("admin")
    viewer = users["viewer"]
    html = client.post(
        f"/admin/users/{viewer.id}",
        data={
            "name": viewer.name,
            "role": "unit_staff",
            "unit": "",
            "active": "y",
            "csrf_token": token_of(client, f"/admin/users/{viewer.id}"),
        },
    ).get_data(as_text=True)
    assert "phải thuộc một đơn vị" in html
    db.session.expire_all()
    assert db.session.get(User, viewer.id).role == "viewer"


def test_admin_disables_resets_and_revokes_from_the_pages(app, client, login_as, users, clock):
    # The victim signs in in another browser.
    second_app = create_app(
        _test_config(app.config["SQLALCHEMY_DATABASE_URI"]), instance_path=app.instance_path
    )
    second_app.test_client_class = app.test_client_class
    second_app.config["CLOCK"] = clock
    victim = second_app.test_client()
    post_login(victim, "leader@test.local")
    assert victim.get("/tasks").status_code == 200
    login_as("admin")
    leader = users["leader"]
    page = client.get(f"/admin/users/{leader.id}").get_data(as_text=True)
    assert "Các phiên đang mở" in page and "127.0.0.1" in page
    token = csrf_token_from(page)
    client.post(f"/admin/users/{leader.id}/sessions/revoke", data={"csrf_token": token})
    assert victim.get("/tasks").status_code == 302

    post_login(victim, "leader@test.local")
    html = client.post(f"/admin/users/{leader.id}/password", data={"csrf_token": token}).get_data(
        as_text=True
    )
    new_password = html.split('<code class="password-once">')[1].split("</code>")[0]
    assert victim.get("/tasks").status_code == 302
    assert post_login(victim, "leader@test.local").status_code == 200  # old password gone
    assert post_login(victim, "leader@test.local", new_password).status_code == 302

    client.post(f"/admin/users/{leader.id}/active", data={"csrf_token": token})
    assert victim.get("/tasks").status_code == 302
    assert post_login(victim, "leader@test.local", new_password).status_code == 200
    client.post(f"/admin/users/{leader.id}/active", data={"csrf_token": token})
    assert post_login(victim, "leader@test.local", new_password).status_code == 302
    # The admin saw that password: the leader must choose their own before anything else.
    response = victim.get("/tasks")
    assert response.status_code == 302 and response.headers["Location"] == "/account/password"
    form = victim.get("/account/password").get_data(as_text=True)
    victim.post(
        "/account/password",
        data={
            "current": new_password,
            "new": "sông Trà Khúc chiều nay",
            "confirm": "sông Trà Khúc chiều nay",
            "csrf_token": csrf_token_from(form),
        },
    )
    assert victim.get("/tasks").status_code == 200
    done = actions()
    for action in ("user.sessions_revoke", "user.password_reset", "user.disable", "user.enable"):
        assert action in done
    # Without the CSRF token nothing happens.
    assert client.post(f"/admin/users/{leader.id}/password").status_code == 400
    with second_app.app_context():
        db.engine.dispose()


def test_an_admin_cannot_lock_themselves_out(client, login_as, users):
    admin = login_as("admin")
    client.post(
        f"/admin/users/{admin.id}/active", data={"csrf_token": token_of(client, "/admin/users")}
    )
    db.session.expire_all()
    assert db.session.get(User, admin.id).active
    assert client.get("/admin/users").status_code == 200


def test_behind_a_proxy_the_forwarded_scheme_and_address_count(app, users):
    web_app = create_app(
        {**_test_config(app.config["SQLALCHEMY_DATABASE_URI"]), "PROXY_COUNT": 1},
        instance_path=app.instance_path,
    )
    web_app.test_client_class = app.test_client_class
    client = web_app.test_client()
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
    page = client.get("/login", headers=forwarded)
    response = client.post(
        "/login",
        headers={**forwarded, "Referer": "https://localhost/login"},
        data={
            "email": "viewer@test.local",
            "password": PASSWORD,
            "csrf_token": csrf_token_from(page.get_data(as_text=True)),
        },
    )
    assert response.status_code == 302
    assert "Secure" in response.headers["Set-Cookie"]
    db.session.commit()
    row = db.session.scalar(select(UserSession))
    assert row.remote_addr == "203.0.113.7"
    with web_app.app_context():
        db.engine.dispose()


def test_admin_ends_one_session_from_the_page(app, client, login_as, users, clock):
    second_app = create_app(
        _test_config(app.config["SQLALCHEMY_DATABASE_URI"]), instance_path=app.instance_path
    )
    second_app.test_client_class = app.test_client_class
    second_app.config["CLOCK"] = clock
    victim = second_app.test_client()
    post_login(victim, "viewer@test.local")
    admin = login_as("admin")
    row = db.session.scalar(select(UserSession).filter_by(user_id=users["viewer"].id))
    client.post(
        f"/admin/sessions/{row.id}/revoke",
        data={"csrf_token": token_of(client, f"/admin/users/{users['viewer'].id}")},
    )
    assert victim.get("/tasks").status_code == 302
    db.session.commit()
    assert db.session.get(UserSession, row.id).revoked_reason == "revoked_by_admin"
    assert client.get("/tasks").status_code == 200  # the admin's own session is untouched
    assert admin.active
    with second_app.app_context():
        db.engine.dispose()


def test_old_sessions_and_counts_are_forgotten(app, users):
    viewer = users["viewer"]
    _token, old = sessions.start(viewer, T0, None, None)
    sessions.revoke(old, T0, "sign_out")
    throttle.record_failure("someone@test.local", "10.9.9.9", T0)
    db.session.commit()
    later = T0 + timedelta(days=31)
    sessions.start(viewer, later, None, None)
    throttle.record_failure("other@test.local", "10.9.9.8", later)
    db.session.commit()
    # Only the new session is left (SQLite may reuse the old row's id).
    assert [row.created_at for row in db.session.scalars(select(UserSession))] == [later]
    keys = set(db.session.scalars(select(LoginThrottle.key)))
    assert keys == {"account:other@test.local", "addr:10.9.9.8"}
