"""Sign-in throttling counted in the database, so every worker process sees the same
counts: per account, lockouts of increasing length after repeated failures; per address,
a cap on failures in a time window whatever the account."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import LoginThrottle


@dataclass(frozen=True)
class Refusal:
    """Sign-in refused without checking the password, for ``minutes`` more minutes."""

    scope: str  # "account" or "address"
    seconds: int

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.seconds / 60))


def account_key(email: str | None) -> str:
    return f"account:{(email or '').strip().lower()[:280]}"


def address_key(remote_addr: str | None) -> str:
    return f"addr:{remote_addr or 'unknown'}"


def _row(key: str, lock: bool = True) -> LoginThrottle | None:
    query = select(LoginThrottle).where(LoginThrottle.key == key)
    if lock:
        query = query.with_for_update()
    return db.session.scalar(query)


def _row_for_update(key: str) -> LoginThrottle:
    """The row for ``key``, locked for this transaction (created when missing; two workers
    creating it at once is handled by the unique key)."""
    row = _row(key)
    if row is not None:
        return row
    try:
        with db.session.begin_nested():
            row = LoginThrottle(key=key, failures=0, lockouts=0)
            db.session.add(row)
        return row
    except IntegrityError:
        return _row(key)


def check(email: str | None, remote_addr: str | None, now: datetime) -> Refusal | None:
    """Whether a sign-in attempt may go ahead now."""
    config = current_app.config
    address = _row(address_key(remote_addr), lock=False)
    if address is not None and address.window_started_at is not None:
        window_end = address.window_started_at + timedelta(
            minutes=config["LOGIN_ADDRESS_WINDOW_MINUTES"]
        )
        if now < window_end and address.failures >= config["LOGIN_ADDRESS_MAX_FAILURES"]:
            return Refusal("address", int((window_end - now).total_seconds()))
    account = _row(account_key(email), lock=False)
    if account is not None and account.locked_until is not None and now < account.locked_until:
        return Refusal("account", int((account.locked_until - now).total_seconds()))
    return None


def prune(now: datetime) -> None:
    """Forget counts nobody has added to for a day (guessed addresses would pile up)."""
    cutoff = now - timedelta(hours=current_app.config["LOGIN_FAILURE_RESET_HOURS"])
    db.session.execute(
        delete(LoginThrottle).where(
            LoginThrottle.last_failure_at < cutoff,
            or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until < now),
        ),
        execution_options={"synchronize_session": False},
    )


def record_failure(email: str | None, remote_addr: str | None, now: datetime) -> None:
    config = current_app.config
    prune(now)
    account = _row_for_update(account_key(email))
    reset_after = timedelta(hours=config["LOGIN_FAILURE_RESET_HOURS"])
    if account.last_failure_at is not None and now - account.last_failure_at > reset_after:
        account.failures = 0
        account.lockouts = 0
    account.failures += 1
    account.last_failure_at = now
    if account.failures >= config["LOGIN_MAX_FAILURES"]:
        minutes = min(
            config["LOGIN_LOCK_MINUTES"] * 2**account.lockouts, config["LOGIN_LOCK_MAX_MINUTES"]
        )
        account.locked_until = now + timedelta(minutes=minutes)
        account.lockouts += 1
        account.failures = 0

    address = _row_for_update(address_key(remote_addr))
    window = timedelta(minutes=config["LOGIN_ADDRESS_WINDOW_MINUTES"])
    if address.window_started_at is None or now - address.window_started_at >= window:
        address.window_started_at = now
        address.failures = 0
    address.failures += 1
    address.last_failure_at = now


def record_success(email: str | None, now: datetime) -> None:
    account = _row(account_key(email))
    if account is not None:
        account.failures = 0
        account.lockouts = 0
        account.locked_until = None
