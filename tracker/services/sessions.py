"""Server-side sessions: a row per signed-in browser, checked on every request."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, or_, select, update

from ..extensions import db
from ..models import User, UserSession

# last_seen_at is written at most this often, not on every request.
TOUCH_EVERY = timedelta(minutes=1)
# Ended sessions stay this long (the admin sees them in the audit log anyway), then go.
KEEP_ENDED = timedelta(days=30)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def idle_timeout() -> timedelta:
    return timedelta(minutes=current_app.config["SESSION_IDLE_MINUTES"])


def lifetime() -> timedelta:
    return timedelta(hours=current_app.config["SESSION_LIFETIME_HOURS"])


def start(
    user: User, now: datetime, user_agent: str | None = None, remote_addr: str | None = None
) -> tuple[str, UserSession]:
    """A new session for ``user``; returns the raw token (for the cookie only) and the row."""
    prune(user, now)
    token = secrets.token_urlsafe(32)
    row = UserSession(
        token_hash=_hash(token),
        user_id=user.id,
        created_at=now,
        last_seen_at=now,
        expires_at=now + lifetime(),
        user_agent=(user_agent or "")[:255] or None,
        remote_addr=remote_addr,
    )
    db.session.add(row)
    db.session.flush()
    return token, row


def prune(user: User, now: datetime) -> None:
    """Forget this user's sessions that ended long ago."""
    cutoff = now - KEEP_ENDED
    db.session.execute(
        delete(UserSession).where(
            UserSession.user_id == user.id,
            or_(UserSession.revoked_at < cutoff, UserSession.expires_at < cutoff),
        ),
        execution_options={"synchronize_session": False},
    )


def is_live(row: UserSession, now: datetime) -> bool:
    return (
        row.revoked_at is None
        and now < row.expires_at
        and now - row.last_seen_at < idle_timeout()
        and row.user.active
    )


def resume(token: str | None, now: datetime) -> UserSession | None:
    """The live session for this token, its last-seen time refreshed; None when it was
    signed out, revoked, expired, or its user disabled."""
    if not token:
        return None
    row = db.session.scalar(select(UserSession).where(UserSession.token_hash == _hash(token)))
    if row is None or not is_live(row, now):
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
        db.session.commit()
    return row


def revoke(row: UserSession, now: datetime, reason: str) -> None:
    if row.revoked_at is None:
        row.revoked_at = now
        row.revoked_reason = reason


def revoke_all(user: User, now: datetime, reason: str, keep: UserSession | None = None) -> int:
    """End every open session of ``user`` (except ``keep``); returns how many."""
    query = update(UserSession).where(
        UserSession.user_id == user.id, UserSession.revoked_at.is_(None)
    )
    if keep is not None:
        query = query.where(UserSession.id != keep.id)
    result = db.session.execute(
        query.values(revoked_at=now, revoked_reason=reason),
        execution_options={"synchronize_session": False},
    )
    db.session.expire_all()
    return result.rowcount


def open_sessions(user: User, now: datetime) -> list[UserSession]:
    rows = db.session.scalars(
        select(UserSession)
        .where(UserSession.user_id == user.id, UserSession.revoked_at.is_(None))
        .order_by(UserSession.last_seen_at.desc())
    ).all()
    return [row for row in rows if is_live(row, now)]
