"""User accounts: creation and authentication."""

from __future__ import annotations

from ..database import utcnow
from ..extensions import db
from ..models import Role, Unit, User
from ..passwords import hash_password, verify_password
from . import audit

MIN_PASSWORD_LENGTH = 12


class AccountError(ValueError):
    """A request about an account that cannot be carried out; the message says why."""


def create_user(
    email: str,
    name: str,
    role: str,
    password: str | None,
    unit_code: str | None = None,
    position: str | None = None,
    actor=None,
) -> User:
    email = email.strip().lower()
    if role not in {r.value for r in Role}:
        raise AccountError(f"unknown role '{role}' (one of: {', '.join(r.value for r in Role)})")
    if db.session.query(User).filter_by(email=email).first():
        raise AccountError(f"a user with email {email} already exists")
    unit = None
    if unit_code:
        unit = db.session.query(Unit).filter_by(code=unit_code).first()
        if unit is None:
            raise AccountError(f"unknown unit code '{unit_code}'")
    if role in {Role.UNIT_HEAD, Role.UNIT_STAFF} and unit is None:
        raise AccountError(f"role {role} needs a unit (--unit CODE)")
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")
    user = User(
        email=email,
        name=name,
        role=role,
        unit=unit,
        position=position,
        password_hash=hash_password(password) if password else None,
    )
    db.session.add(user)
    db.session.flush()
    audit.record(
        "user.create", actor=actor, obj=user, changes={"email": [None, email], "role": [None, role]}
    )
    return user


def authenticate(email: str, password: str, remote_addr: str | None = None) -> User | None:
    """The active user with these credentials, or None. Both outcomes are audited."""
    user = db.session.query(User).filter_by(email=(email or "").strip().lower()).first()
    if user is None or not user.active or not verify_password(user.password_hash, password):
        audit.record(
            "auth.login_failed",
            obj=user,
            note=(email or "")[:255],
            remote_addr=remote_addr,
        )
        return None
    user.last_login_at = utcnow()
    audit.record("auth.login", actor=user, obj=user, remote_addr=remote_addr)
    return user
