"""Locale choice and the date formats of the interface (dd/mm/yyyy in both languages)."""

from __future__ import annotations

from datetime import date, datetime

from flask import current_app, has_request_context, request, session
from flask_login import current_user

from .calendar import local_zone


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if has_request_context():
        # Only a known language is taken from the URL; anything else there leaves the
        # choice already made in the session as it was.
        chosen = request.args.get("lang")
        if chosen in languages:
            session["lang"] = chosen
            return chosen
        if session.get("lang") in languages:
            return session["lang"]
        if current_user and getattr(current_user, "locale", None) in languages:
            return current_user.locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def current_locale() -> str:
    return select_locale()


# Babel's default Vietnamese date format is not dd/mm/yyyy, so format explicitly.
def format_day(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value else ""


def format_moment(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(local_zone()).strftime("%d/%m/%Y %H:%M")


def format_size(size: int) -> str:
    """A size in bytes for people: "12 MB", "512 KB" (a decimal comma in Vietnamese)."""
    from flask_babel import format_decimal

    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= factor:
            return f"{format_decimal(size / factor, format='#,##0.#')} {unit}"
    return f"{size} B"


def bilingual(labels: dict, key) -> str:
    """The label of ``key`` from a {key: (English, Tiếng Việt)} table, in the current locale
    (for enum values whose labels live beside the enum rather than in the catalog)."""
    en, vi = labels.get(key, (key, key))
    return en if current_locale() == "en" else vi
