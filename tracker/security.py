"""Sign-in sessions kept on the server, and the session cookie's flags.

Flask's cookie holds only a random session token (plus the CSRF secret and the chosen
language); the ``user_session`` row it points to decides whether the user is signed in.
"""

from __future__ import annotations

from datetime import datetime

from flask import Flask, current_app, flash, g, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from .database import utcnow
from .extensions import login_manager

SESSION_TOKEN_KEY = "sid"


def now() -> datetime:
    """The current moment; tests replace ``app.config["CLOCK"]`` to move time."""
    clock = current_app.config.get("CLOCK")
    return clock() if clock else utcnow()


class SessionInterface(SecureCookieSessionInterface):
    """Secure cookie exactly when the request came over HTTPS, unless the setting
    ``SESSION_COOKIE_SECURE`` forces it either way."""

    def get_cookie_secure(self, app: Flask) -> bool:
        forced = app.config.get("SESSION_COOKIE_SECURE")
        if forced is not None:
            return bool(forced)
        return request.is_secure


PASSWORD_CHANGE_ENDPOINTS = frozenset({"auth.change_password", "auth.logout", "static"})


def init_app(app: Flask) -> None:
    from . import headers
    from .services import sessions

    app.session_interface = SessionInterface()
    headers.init_app(app)
    proxies = int(app.config.get("PROXY_COUNT") or 0)
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    # No remember-me cookie is ever set (login_user without remember): even a forged one
    # would still need a live session row, checked below.

    @app.before_request
    def require_own_password():
        """After an admin set the password (new account, reset), nothing but choosing
        one's own password or signing out."""
        if (
            current_user.is_authenticated
            and current_user.must_change_password
            and request.endpoint not in PASSWORD_CHANGE_ENDPOINTS
        ):
            flash(_("Please choose your own password before you continue."), "info")
            return redirect(url_for("auth.change_password"))
        return None

    @login_manager.user_loader
    def load_user(user_id: str):
        row = sessions.resume(session.get(SESSION_TOKEN_KEY), now())
        if row is None or str(row.user_id) != user_id:
            session.pop(SESSION_TOKEN_KEY, None)
            return None
        g.user_session = row
        return row.user


def current_session():
    return g.get("user_session")
