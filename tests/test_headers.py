"""Security headers on every kind of response, and templates without inline script or style."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tracker import create_app
from tracker.extensions import db
from tracker.headers import CONTENT_SECURITY_POLICY

from .conftest import _test_config

TEMPLATES = Path(__file__).resolve().parent.parent / "tracker" / "templates"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def assert_security_headers(response) -> None:
    headers = response.headers
    assert headers["Content-Security-Policy"] == CSP
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "camera=()" in headers["Permissions-Policy"]
    assert "Strict-Transport-Security" not in headers  # plain HTTP


def assert_not_stored(response) -> None:
    assert response.headers["Cache-Control"] == "no-store"
    assert "Pragma" not in response.headers


def test_the_policy_is_the_one_the_issue_asks_for():
    assert CONTENT_SECURITY_POLICY == CSP


def test_a_signed_in_page(client, login_as):
    login_as("office")
    response = client.get("/tasks")
    assert response.status_code == 200
    assert_security_headers(response)
    assert_not_stored(response)


def test_the_sign_in_page_with_its_csrf_token_is_not_stored(client, users):
    response = client.get("/login")
    assert response.status_code == 200
    assert_security_headers(response)
    assert_not_stored(response)


def test_a_static_file_keeps_its_caching(client):
    response = client.get("/static/css/tracker.css")
    assert response.status_code == 200
    assert_security_headers(response)
    assert "no-store" not in response.headers.get("Cache-Control", "")
    assert response.headers.get("ETag")  # conditional requests still work
    etag = response.headers["ETag"]
    response.close()
    again = client.get("/static/css/tracker.css", headers={"If-None-Match": etag})
    assert again.status_code == 304
    again.close()


def test_the_svg_chart(client, login_as):
    login_as("leader")
    response = client.get("/dashboard/trend.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert_security_headers(response)
    assert_not_stored(response)
    assert "style=" not in response.get_data(as_text=True)  # would be blocked by style-src


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exports_are_not_stored(client, login_as, fmt):
    login_as("leader")
    response = client.get(f"/reports/export.{fmt}?period=2021")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert_security_headers(response)
    assert_not_stored(response)  # was "no-cache"


def test_an_error_page(client, users):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert_security_headers(response)
    assert_not_stored(response)


def test_a_json_answer(client, users):
    response = client.get("/api/v1/nothing")
    assert response.status_code == 404 and response.is_json
    assert_security_headers(response)
    assert_not_stored(response)


def test_a_plain_text_answer(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert_security_headers(response)


def test_hsts_only_over_https(client, users):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")
    # X-Forwarded-Proto is not believed without PROXY_COUNT.
    forwarded = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in forwarded.headers


def test_hsts_behind_a_proxy_that_says_https(app, users):
    proxied = create_app(
        {**_test_config(app.config["SQLALCHEMY_DATABASE_URI"]), "PROXY_COUNT": 1},
        instance_path=app.instance_path,
    )
    db.session.commit()
    try:
        client = proxied.test_client()
        response = client.get("/login", headers={"X-Forwarded-Proto": "https"})
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")
        assert "Strict-Transport-Security" not in client.get("/login").headers
    finally:
        with proxied.app_context():
            db.engine.dispose()


INLINE = re.compile(r"style=|<style|<script(?![^>]*\ssrc=)|\son[a-z]+=|javascript:", re.I)


def test_no_inline_script_or_style_in_the_web_templates():
    """The CSP blocks them; email templates are not web pages."""
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        if path.relative_to(TEMPLATES).parts[0] == "email":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if INLINE.search(line):
                found.append(f"{path.relative_to(TEMPLATES)}:{number}: {line.strip()}")
    assert found == []
