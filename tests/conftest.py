"""Fixtures: the same tests run on SQLite and on PostgreSQL.

The database comes from TRACKER_TEST_DATABASE_URL (a SQLite file in a temporary folder
when unset). On PostgreSQL each test session creates its own database and drops it at
the end, so several runs can share one server. The schema is built once per session by
the real migrations; each test starts from empty tables.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, make_url, select, text

from tests.smtp import SmtpServer
from tracker import create_app
from tracker.calendar import local_today
from tracker.extensions import db
from tracker.models import Directive, Role, Task, Unit, User
from tracker.passwords import hash_password

PASSWORD = "mật khẩu thử nghiệm dài"
# Never the checkout's instance/ folder: tests must not touch a developer's data.
INSTANCE = tempfile.mkdtemp(prefix="tracker-test-instance-")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = os.environ.get("TRACKER_TEST_DATABASE_URL")
    if not url:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    elif make_url(url).get_backend_name() != "postgresql":
        yield url
    else:
        yield from fresh_postgres_database(url, "tracker_test")


def fresh_postgres_database(url: str, prefix: str):
    """Create a database of its own on the server of ``url``, yield its URL, drop it."""
    base = make_url(url)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def migrated_database(database_url):
    """Apply the real migrations once for the whole session."""
    from flask_migrate import upgrade

    app = create_app(_test_config(database_url), instance_path=INSTANCE)
    with app.app_context():
        upgrade(revision="heads")
        db.engine.dispose()
    return database_url


def _test_config(database_url: str, harness: bool = False) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SCHEDULER": False,
        # The test's own session only sets up and inspects data: on SQLite it must not
        # hold the write lock while the app under test (client, live server) works.
        "SQLITE_IMMEDIATE_TRANSACTIONS": not harness,
    }


@pytest.fixture
def app(migrated_database, tmp_path):
    app = create_app(
        _test_config(migrated_database, harness=True), instance_path=str(tmp_path / "instance")
    )
    with app.app_context():
        _empty_all_tables()
        yield app
        db.session.remove()
        _empty_all_tables()
        db.engine.dispose()


def _empty_all_tables() -> None:
    tables = [t for t in db.metadata.sorted_tables]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(tables):
                conn.execute(table.delete())


class SeparateContextClient(FlaskClient):
    """Sends each request to a second app object on the same database, so every request
    gets its own application context, session and g, as in production (a request on the
    app whose context a test holds open would share them). The test's own transaction is
    committed first: the request is another connection, as another user would be."""

    def open(self, *args, **kwargs):
        db.session.commit()
        return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    web_app = create_app(
        _test_config(app.config["SQLALCHEMY_DATABASE_URI"]), instance_path=app.instance_path
    )
    web_app.test_client_class = SeparateContextClient
    yield web_app.test_client()
    with web_app.app_context():
        db.engine.dispose()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def is_postgres(app) -> bool:
    return db.engine.dialect.name == "postgresql"


@pytest.fixture(scope="session")
def password_hash() -> str:
    # Argon2 takes ~150 ms a hash: hash once for the whole session.
    return hash_password(PASSWORD)


@pytest.fixture
def holidays(app):
    from tracker.seeding import seed_holidays

    seed_holidays()


# --- small factories ---------------------------------------------------------------


def make_unit(code: str = "STTTT", name: str | None = None, kind: str = "department") -> Unit:
    unit = Unit(code=code, name=name or f"Đơn vị {code}", kind=kind)
    db.session.add(unit)
    db.session.flush()
    return unit


def make_user(role: str, unit: Unit | None = None, email: str | None = None, **kw) -> User:
    user = User(
        email=email or f"{role}.{uuid.uuid4().hex[:6]}@test.local",
        name=kw.pop("name", f"Người dùng {role}"),
        role=role,
        unit=unit,
        **kw,
    )
    db.session.add(user)
    db.session.flush()
    return user


def make_directive(symbol: str | None = None, issued_on: date = date(2021, 3, 8)) -> Directive:
    directive = Directive(
        symbol=symbol or f"{uuid.uuid4().hex[:6]}/TB-UBND",
        kind="conclusion_notice",
        issued_on=issued_on,
        signer_name="Trần Phước Hiền",
        issuing_body="UBND tỉnh Quảng Ngãi",
        summary="Kết luận buổi làm việc",
    )
    db.session.add(directive)
    db.session.flush()
    return directive


def make_task(directive: Directive, lead_unit: Unit, item_no: int | None = None, **kw) -> Task:
    due = kw.pop("due_on", None)
    task = Task(
        directive=directive,
        item_no=item_no or (len(directive.tasks) + 1),
        title=kw.pop("title", "Nhiệm vụ thử"),
        lead_unit=lead_unit,
        assigned_on=kw.pop("assigned_on", directive.issued_on),
        original_due_on=kw.pop("original_due_on", due),
        current_due_on=due,
        **kw,
    )
    task.refresh_search_text()
    db.session.add(task)
    db.session.flush()
    return task


@pytest.fixture
def users(app, password_hash):
    """One user per role who can sign in with PASSWORD; unit roles belong to STTTT."""
    unit = make_unit("STTTT", "Sở Thông tin và Truyền thông")
    office = make_unit("VP_UBND", "Văn phòng UBND tỉnh", kind="office")
    made = {}
    for role in Role:
        unit_for_role = unit if role in {Role.UNIT_HEAD, Role.UNIT_STAFF} else None
        if role == Role.OFFICE:
            unit_for_role = office
        made[role.value] = make_user(
            role.value, unit_for_role, email=f"{role.value}@test.local", password_hash=password_hash
        )
    db.session.commit()
    return made


@pytest.fixture
def task(app, users):
    """An open task of STTTT (the unit roles' unit), due in 30 days, assigned by the
    leader and monitored by the Office user. Modules may define their own."""
    unit = db.session.scalar(select(Unit).filter_by(code="STTTT"))
    task = make_task(
        make_directive("45/TB-UBND"),
        unit,
        title="Hoàn thiện mạng lưới truyền thanh cơ sở",
        due_on=local_today() + timedelta(days=30),
        assigned_by=users["leader"],
        monitor=users["office"],
    )
    db.session.commit()
    return task


def post_form(client, page_url: str, url: str, data: dict, **kw):
    """POST ``data`` to ``url`` with the CSRF token of the form page ``page_url``."""
    token = csrf_token_from(client.get(page_url).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token}, **kw)


def csrf_token_from(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


@pytest.fixture
def login_as(client, users):
    """Sign in through the real form (CSRF included) as the user of a role."""

    def login(role: str):
        page = client.get("/login")
        response = client.post(
            "/login",
            data={
                "email": users[role].email,
                "password": PASSWORD,
                "csrf_token": csrf_token_from(page.get_data(as_text=True)),
            },
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        return users[role]

    return login


# --- a real server and a real browser -------------------------------------------------

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture
def live_server(app):
    """The app served over real HTTP on 127.0.0.1 in a thread (its own app object, so each
    request has its own context); yields the base URL."""
    from werkzeug.serving import make_server

    web_app = create_app(
        _test_config(app.config["SQLALCHEMY_DATABASE_URI"]), instance_path=app.instance_path
    )
    db.session.commit()  # the server is another connection: let it see the test's data
    server = make_server("127.0.0.1", 0, web_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with web_app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def chromium():
    """Debian's chromium driven by Playwright. Missing browser: a failure in CI, a skip
    elsewhere."""
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is not installed (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--headless",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server):
    """A fresh browser page (own cookies) whose relative URLs go to the live server."""
    context = chromium.new_context(
        base_url=live_server, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh"
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under tests/artifacts/ (ignored by git)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


@pytest.fixture
def scratch_database_url(tmp_path):
    """An empty database of the kind under test, for a migration's round trip."""
    url = os.environ.get("TRACKER_TEST_DATABASE_URL")
    if not url or make_url(url).get_backend_name() != "postgresql":
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
    else:
        yield from fresh_postgres_database(url, "tracker_mig")


# --- mail: a real SMTP server, and apps as the scheduler runs them ----------------------


@pytest.fixture
def smtp():
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def smtp_down():
    """A port where nothing listens yet; ``.start()`` brings the server up."""
    server = SmtpServer()
    yield server
    server.stop()


@pytest.fixture
def worker_apps(app):
    """Apps as the scheduler or ``tracker reminders`` would run them: their own engine
    and sessions (on SQLite with BEGIN IMMEDIATE), mail to the given SMTP port."""
    made = []

    def make(port: int | None, **settings):
        config = _test_config(app.config["SQLALCHEMY_DATABASE_URI"]) | {
            "SMTP_HOST": "127.0.0.1" if port else "",
            "SMTP_PORT": port or 25,
            "SMTP_TIMEOUT": 5,
            "MAIL_FROM": "nhacviec@tracker.test",
            "BASE_URL": "https://tracker.test",
            **settings,
        }
        worker = create_app(config, instance_path=app.instance_path)
        made.append(worker)
        return worker

    yield make
    for worker in made:
        with worker.app_context():
            db.engine.dispose()
