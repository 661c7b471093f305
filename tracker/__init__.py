"""Tracker: follow a provincial People's Committee's directives through to the end."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

from . import config
from .extensions import babel, csrf, db, migrate

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS_DIR = PROJECT_ROOT / "migrations"


def create_app(test_config: dict | None = None, instance_path: str | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path)
    load_config(app, test_config)
    register_extensions(app)
    register_url_converters(app)
    register_blueprints(app)
    register_template_helpers(app)
    register_error_pages(app)
    register_cli(app)
    register_scheduler(app)
    return app


def load_config(app: Flask, test_config: dict | None) -> None:
    app.config.from_object(config.Defaults)
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("TRACKER")
    if "DATABASE_URL" in app.config:
        app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    if test_config:
        app.config.from_mapping(test_config)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        os.makedirs(app.instance_path, exist_ok=True)
        db_path = Path(app.instance_path) / "tracker.db"
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{db_path}"
    app.config["SCHEDULER"] = str(app.config["SCHEDULER"]).lower() in {"1", "on", "true", "yes"}
    if os.environ.get("TRACKER_ENV") == "production" and (
        app.config["SECRET_KEY"] == config.DEV_SECRET_KEY
    ):
        raise RuntimeError("TRACKER_SECRET_KEY must be set in production")


def register_extensions(app: Flask) -> None:
    from .database import configure_postgresql, configure_sqlite
    from .i18n import select_locale

    db.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine, immediate=app.config["SQLITE_IMMEDIATE_TRANSACTIONS"])
        configure_postgresql(
            db.engine, app.config["POSTGRES_SETTINGS"], app.config["WEB_STATEMENT_TIMEOUT_MS"]
        )
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    from . import security

    security.init_app(app)


def register_url_converters(app: Flask) -> None:
    """Every ``<int:…>`` id within PostgreSQL's integer (out of range: 404); before the
    blueprints, whose rules take the converter in place when they are added."""
    from .params import IdConverter

    app.url_map.converters["int"] = IdConverter


def register_blueprints(app: Flask) -> None:
    from .blueprints import admin, auth, directives, holidays, reminders, reports, tasks, units

    app.register_blueprint(auth.bp)
    app.register_blueprint(tasks.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(reports.bp)
    app.register_blueprint(directives.bp)
    app.register_blueprint(reminders.bp)
    app.register_blueprint(holidays.bp)
    app.register_blueprint(units.bp)


def register_template_helpers(app: Flask) -> None:
    from . import i18n, status

    app.jinja_env.globals["status_label"] = lambda s: status.label(s, i18n.current_locale())
    app.jinja_env.globals["status_colour"] = lambda s: status.COLOURS[status.TimeStatus(s)]
    app.jinja_env.globals["TimeStatus"] = status.TimeStatus
    app.jinja_env.filters["vndate"] = i18n.format_day
    app.jinja_env.filters["vndatetime"] = i18n.format_moment
    app.jinja_env.globals["current_locale"] = i18n.current_locale


def register_error_pages(app: Flask) -> None:
    from . import errors

    errors.init_app(app)


def register_cli(app: Flask) -> None:
    from .cli import register_commands

    register_commands(app)


def register_scheduler(app: Flask) -> None:
    """The reminder scheduler in this process: only with TRACKER_SCHEDULER=on (``make run``),
    never in the reloader's watching parent, never in tests (see tracker/reminders/)."""
    from .reminders.scheduler import start_in_process

    start_in_process(app)
