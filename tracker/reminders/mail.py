"""The reminder mail: Vietnamese subject, plain text and HTML from templates/email/."""

from __future__ import annotations

from datetime import datetime

from flask import current_app

from ..calendar import local_date
from ..i18n import format_day
from . import Kind

SUBJECT_TITLE_LENGTH = 80


def mail_address(user) -> str:
    """The address to mail ``user``: the notification email of their preferences when they
    chose one, else the email they sign in with."""
    return user.notification_email or user.email


def _short(title: str) -> str:
    if len(title) <= SUBJECT_TITLE_LENGTH:
        return title
    return title[: SUBJECT_TITLE_LENGTH - 1].rstrip() + "…"


def when_text(kind: str, days: int | None, task=None) -> str:
    """How many days are left or overdue, in Vietnamese."""
    if kind == Kind.DUE_SOON:
        return f"còn {days} ngày làm việc đến hạn"
    if kind == Kind.DUE_TODAY:
        return "đến hạn hôm nay"
    if kind == Kind.OVERDUE:
        return f"quá hạn {days} ngày"
    if kind == Kind.ASSIGNED:
        if task is not None and task.current_due_on:
            return f"nhiệm vụ mới, hạn {format_day(task.current_due_on)}"
        return "nhiệm vụ mới, không thời hạn"
    return ""


ESCALATION_LABELS = {
    "reminder": "Nhắc nhở",
    "criticism": "Phê bình",
    "explanation": "Yêu cầu giải trình",
}


def subject_for(items: list[dict]) -> str:
    first = items[0]
    if first["kind"] == Kind.DIGEST:
        count = len(first["tasks"])
        head = f"Tổng hợp hằng tuần: {count} nhiệm vụ quá hạn hoặc sắp đến hạn"
    elif first["kind"] == Kind.ESCALATION:
        escalation = first.get("escalation")
        label = ESCALATION_LABELS.get(getattr(escalation, "kind", ""), "Đôn đốc")
        head = f"{label}: «{_short(first['task'].title)}»"
    else:
        head = f"«{_short(first['task'].title)}» {when_text(first['kind'], first['days'], first['task'])}"
    others = len(items) - 1
    if others:
        head += f" và {others} nội dung khác"
    return f"[Nhắc việc] {head}"


def render_mail(recipient, items: list[dict], now: datetime) -> tuple[str, str, str]:
    env = current_app.jinja_env
    base_url = current_app.config["BASE_URL"].rstrip("/")
    context = {
        "recipient": recipient,
        "items": items,
        # The date the mail is written, not the outbox row's key day (an assignment notice
        # is keyed by its assignment day, and may go out a day later).
        "day": local_date(now),
        "base_url": base_url,
        "task_url": lambda task: f"{base_url}/tasks/{task.id}",
        "when_text": when_text,
        "vndate": format_day,
        "Kind": Kind,
        "escalation_labels": ESCALATION_LABELS,
    }
    text = env.get_template("email/reminder.txt").render(context)
    html = env.get_template("email/reminder.html").render(context)
    return subject_for(items), text, html
