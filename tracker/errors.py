"""Error pages: every 4xx/5xx in the layout (JSON under /api/), after rolling the session back.

A failed statement leaves the SQLAlchemy session unusable (PostgreSQL: PendingRollbackError
on the next query) and the layout itself queries the database (the signed-in user, the count
of pending extensions): without the rollback the 500 page would fail in turn and the server
would answer a bare "Internal Server Error".
"""

from __future__ import annotations

from flask import Flask, current_app, flash, jsonify, redirect, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, ServiceUnavailable

from .extensions import db
from .i18n import format_size

# code: (machine code for the JSON API, page title, sentence)
ERRORS = {
    400: (
        "bad_request",
        _l("Invalid request"),
        _l("The request could not be understood. Go back, check what you typed and try again."),
    ),
    403: ("forbidden", _l("Access denied"), _l("You may not open this page.")),
    404: ("not_found", _l("Page not found"), _l("This page does not exist.")),
    405: (
        "method_not_allowed",
        _l("Action not allowed"),
        _l("This page cannot be used that way. Go back and use the buttons on the page."),
    ),
    413: ("payload_too_large", _l("Too large"), None),  # the sentence names the limit
    414: (
        "uri_too_long",
        _l("Address too long"),
        _l("The address is too long. Shorten the search or the filters and try again."),
    ),
    429: (
        "too_many_requests",
        _l("Too many requests"),
        _l("Too many requests in a short time. Wait a moment and try again."),
    ),
    500: (
        "internal_error",
        _l("System error"),
        _l("Something went wrong on our side. The error has been logged."),
    ),
    503: (
        "too_slow",
        _l("Request took too long"),
        _l(
            "This request took too long and was stopped so that others are not kept waiting."
            " Narrow the filters (a shorter period, one unit) or try again in a moment."
        ),
    ),
}
QUERY_CANCELED = "57014"  # PostgreSQL: canceling statement due to statement timeout
OTHER = ("error", _l("Request not completed"), _l("The request could not be completed."))


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(413, handle_too_large)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(500, handle_http_error)
    app.register_error_handler(OperationalError, handle_database_error)


def rollback() -> None:
    """Make the session usable again whatever the request left in it."""
    try:
        db.session.rollback()
    except Exception:  # the connection itself may be gone: the page must still render
        current_app.logger.exception("rollback before the error page failed")


def wants_json() -> bool:
    return request.path.startswith("/api/")


def size_limit() -> str:
    """MAX_CONTENT_LENGTH for people: "12 MB"."""
    return format_size(current_app.config.get("MAX_CONTENT_LENGTH") or 0)


def too_large_message() -> str:
    return _("The file is too large: at most %(limit)s can be sent at once.", limit=size_limit())


def handle_http_error(error: HTTPException):
    if error.code is None or error.code < 400:
        return error
    rollback()
    code = error.code
    slug, title, message = ERRORS.get(code, OTHER)
    return error_response(code, slug, title, message, error)


def handle_database_error(error: OperationalError):
    """A statement cancelled by WEB_STATEMENT_TIMEOUT_MS: 503 with a sentence, not a 500.
    Anything else goes on as an unhandled error (logged, the 500 page)."""
    if getattr(error.orig, "sqlstate", None) != QUERY_CANCELED:
        raise error
    rollback()
    current_app.logger.warning("statement timeout on %s %s", request.method, request.path)
    slug, title, message = ERRORS[503]
    return error_response(503, slug, title, message, ServiceUnavailable(retry_after=30))


def handle_csrf_error(error: CSRFError):
    rollback()
    message = _("The form has expired. Reload the page and send it again.")
    return error_response(400, "csrf_failed", _l("Form expired"), message, error)


def handle_too_large(error: HTTPException):
    """A form post over MAX_CONTENT_LENGTH goes back to its page with a message naming the
    limit; anything else gets the 413 page."""
    rollback()
    target = request.referrer or ""
    if request.method == "POST" and not wants_json() and target.startswith(request.host_url):
        flash(too_large_message(), "error")
        return redirect(target)
    return error_response(413, ERRORS[413][0], ERRORS[413][1], too_large_message(), error)


def error_response(code: int, slug: str, title, message, error: HTTPException):
    # Keep what the exception says about the answer (Allow for 405, Retry-After for 429).
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    if wants_json():
        body = {"error": {"code": slug, "message": str(message), "fields": {}}}
        return jsonify(body), code, headers
    try:
        page = render_template("errors/error.html", code=code, title=title, message=message)
    except Exception:
        # The layout needs the database; if even that fails, a plain page in our words
        # rather than the server's bare "Internal Server Error".
        current_app.logger.exception("error page %s failed to render", code)
        rollback()
        page = (
            f'<!doctype html><html lang="vi"><meta charset="utf-8"><title>{code}</title>'
            f"<h1>{code} · {escape(str(title))}</h1><p>{escape(str(message))}</p></html>"
        )
    return page, code, headers
