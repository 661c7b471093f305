"""The app's own PostgreSQL settings (issue 12): JIT off and SSD costs on every connection, and a
statement timeout for web requests only, answered with a 503 page in our words."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.conftest import _test_config
from tracker import create_app
from tracker.extensions import db


@pytest.fixture
def pg_app(app, tmp_path):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL settings")
    config = _test_config(app.config["SQLALCHEMY_DATABASE_URI"]) | {"WEB_STATEMENT_TIMEOUT_MS": 200}
    made = create_app(config, instance_path=str(tmp_path / "pg"))

    @made.route("/slow-for-test")
    def slow():
        db.session.execute(text("SELECT pg_sleep(2)"))
        return "finished"

    @made.route("/settings-for-test")
    def settings():
        jit = db.session.scalar(text("SHOW jit"))
        timeout = db.session.scalar(text("SHOW statement_timeout"))
        cost = db.session.scalar(text("SHOW random_page_cost"))
        return f"{jit} {timeout} {cost}"

    yield made
    with made.app_context():
        db.engine.dispose()


def test_jit_is_off_and_web_statements_are_limited(pg_app):
    client = pg_app.test_client()
    assert client.get("/settings-for-test").get_data(as_text=True) == "off 200ms 1.1"
    with pg_app.app_context():  # the CLI and the scheduler: JIT off, no time limit
        assert db.session.scalar(text("SHOW jit")) == "off"
        assert db.session.scalar(text("SHOW statement_timeout")) == "0"
        db.session.remove()


def test_a_statement_over_the_limit_gets_a_503_page_and_the_worker_goes_on(pg_app):
    client = pg_app.test_client()
    response = client.get("/slow-for-test")
    html = response.get_data(as_text=True)
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    assert "Yêu cầu chạy quá lâu" in html and "pg_sleep" not in html
    # The connection is usable again for the next request.
    assert client.get("/settings-for-test").status_code == 200
