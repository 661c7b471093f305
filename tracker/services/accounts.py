"""User accounts: creation, sign-in, passwords, the edits of the admin and the Office (who
may do which: ``policy.assignable_roles`` and ``policy.can_manage_account``), and each
user's own preferences."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app, has_request_context
from flask_babel import force_locale
from flask_babel import gettext as _

from .. import policy
from ..database import utcnow
from ..extensions import db
from ..forms import has_control_chars, is_email_address
from ..models import Role, Unit, User, UserSession
from ..password_policy import MIN_LENGTH, generate_password, password_problems
from ..passwords import hash_password, verify_nothing, verify_password
from . import audit, sessions, throttle

MIN_PASSWORD_LENGTH = MIN_LENGTH
UNIT_ROLES = {Role.UNIT_HEAD, Role.UNIT_STAFF}
# The fields an admin edits; their before/after go to the audit log.
EDITABLE_FIELDS = ("name", "position", "role", "unit_id", "active")


class AccountError(ValueError):
    """A request about an account that cannot be carried out; the message says why."""


class WrongPasswordError(AccountError):
    """The current password given to confirm a change is wrong."""


class NotAllowed(AccountError):
    """The actor may not touch this account or give this role (a forged request: the
    pages offer neither); views answer 403."""


def _require_manage(actor, user: User | None = None, role: str | None = None) -> None:
    """Refuse what ``policy`` does not allow ``actor`` (None: the command line, trusted)."""
    if actor is None:
        return
    if user is not None and not policy.can_manage_account(actor, user):
        raise NotAllowed(_("You may not change this account."))
    if role is not None and role not in policy.assignable_roles(actor):
        raise NotAllowed(_("You may not give this role."))


def check_password(password: str, *, email: str = "", name: str = "", unit=None) -> None:
    """Raise AccountError when ``password`` breaks the password rule (in the interface's
    language on a web page, in English on the command line)."""
    if has_request_context():
        problems = password_problems(password, email=email, name=name, unit=unit)
    else:
        with force_locale("en"):
            problems = password_problems(password, email=email, name=name, unit=unit)
    if problems:
        raise AccountError(problems[0])


def check_identity(email: str, name: str, position: str | None) -> None:
    """Raise AccountError for an address, name or position that cannot be stored or mailed:
    too long for its column, empty, or with a line break or control character (a line
    break in a name would break the headers of every reminder mail to that person)."""
    for label, value, required in (
        ("email", email, True),
        ("name", name, True),
        ("position", position, False),
    ):
        if not value:
            if required:
                raise AccountError(f"the {label} is required")
            continue
        if len(value) > 255:
            raise AccountError(f"the {label} is longer than 255 characters")
        if has_control_chars(value, single_line=True):
            raise AccountError(f"the {label} must be one line without control characters")
    if "@" not in email or any(c.isspace() for c in email):
        raise AccountError(f"'{email}' is not an email address")


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
    name, position = name.strip(), (position or "").strip() or None
    check_identity(email, name, position)
    if role not in {r.value for r in Role}:
        raise AccountError(f"unknown role '{role}' (one of: {', '.join(r.value for r in Role)})")
    _require_manage(actor, role=role)
    if db.session.query(User).filter_by(email=email).first():
        raise AccountError(f"a user with email {email} already exists")
    unit = None
    if unit_code:
        unit = db.session.query(Unit).filter_by(code=unit_code).first()
        if unit is None:
            raise AccountError(f"unknown unit code '{unit_code}'")
    if role in UNIT_ROLES and unit is None:
        raise AccountError(f"role {role} needs a unit (--unit CODE)")
    if password is not None:
        check_password(password, email=email, name=name, unit=unit)
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
        "user.create",
        actor=actor,
        obj=user,
        changes={
            "email": [None, email],
            "name": [None, name],
            "role": [None, role],
            "unit_id": [None, user.unit_id],
            "position": [None, position],
        },
    )
    return user


@dataclass(frozen=True)
class SignIn:
    user: User | None = None
    refusal: throttle.Refusal | None = None


def sign_in(
    email: str, password: str, remote_addr: str | None = None, now: datetime | None = None
) -> SignIn:
    """Check credentials under the throttles. Successes, failures and refusals are audited;
    the caller commits."""
    now = now or utcnow()
    email = (email or "").strip().lower()
    refusal = throttle.check(email, remote_addr, now)
    user = db.session.query(User).filter_by(email=email).first()
    if refusal is not None:
        audit.record(
            "auth.login_refused",
            obj=user,
            note=f"{email[:200]} ({refusal.scope} locked {refusal.seconds}s)",
            remote_addr=remote_addr,
        )
        return SignIn(refusal=refusal)
    if user is not None and user.active and user.password_hash:
        accepted = verify_password(user.password_hash, password)
    else:
        # Unknown, disabled or without a password: the same hash check as a real account,
        # so timing does not tell which accounts exist or are active.
        verify_nothing(password)
        accepted = False
    if not accepted:
        throttle.record_failure(email, remote_addr, now)
        audit.record("auth.login_failed", obj=user, note=email[:255], remote_addr=remote_addr)
        return SignIn()
    throttle.record_success(email, now)
    user.last_login_at = now
    audit.record("auth.login", actor=user, obj=user, remote_addr=remote_addr)
    return SignIn(user=user)


def authenticate(email: str, password: str, remote_addr: str | None = None) -> User | None:
    """The active user with these credentials, or None (throttled and audited)."""
    return sign_in(email, password, remote_addr).user


def change_password(
    user: User, current: str, new: str, now: datetime, keep: UserSession | None = None
) -> None:
    """The user's own change: the current password is required; every other session ends."""
    if not verify_password(user.password_hash, current):
        raise WrongPasswordError(_("The current password is wrong."))
    check_password(new, email=user.email, name=user.name, unit=user.unit)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    ended = sessions.revoke_all(user, now, "password_change", keep=keep)
    audit.record(
        "user.password_change", actor=user, obj=user, note=f"{ended} other session(s) ended"
    )


def reset_password(user: User, actor: User, now: datetime) -> str:
    """An admin's (or the Office's) reset: a generated password (to be shown once); all
    sessions end."""
    _require_manage(actor, user)
    password = generate_password()
    while password_problems(password, email=user.email, name=user.name, unit=user.unit):
        password = generate_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    ended = sessions.revoke_all(user, now, "password_reset")
    audit.record("user.password_reset", actor=actor, obj=user, note=f"{ended} session(s) ended")
    return password


def update_user(user: User, actor: User, now: datetime, **values) -> dict:
    """An admin's (or the Office's) edit of name, position, role, unit and active; returns
    the changes ({field: [before, after]}), audited. Disabling the account ends its
    sessions."""
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise AccountError(f"cannot edit {', '.join(sorted(unknown))}")
    role = values.get("role", user.role)
    _require_manage(actor, user, role if "role" in values else None)
    unit_id = values.get("unit_id", user.unit_id)
    if role not in {r.value for r in Role}:
        raise AccountError(f"unknown role '{role}'")
    check_identity(user.email, values.get("name", user.name), values.get("position"))
    if role in UNIT_ROLES and unit_id is None:
        raise AccountError(_("Unit heads and unit staff need a unit."))
    if unit_id is not None and db.session.get(Unit, unit_id) is None:
        raise AccountError(f"unknown unit {unit_id}")
    if user.id == actor.id and (values.get("active") is False or role != Role.ADMIN):
        raise AccountError(_("You cannot disable your own account or take away your admin role."))
    changes = audit.apply_changes(user, values)
    if not changes:
        return changes
    action = "user.update"
    if changes.keys() == {"active"}:
        action = "user.enable" if user.active else "user.disable"
    audit.record(action, actor=actor, obj=user, changes=changes)
    if "active" in changes and not user.active:
        sessions.revoke_all(user, now, "disabled")
    return changes


def revoke_sessions(user: User, actor: User, now: datetime) -> int:
    _require_manage(actor, user)
    ended = sessions.revoke_all(user, now, "revoked_by_admin")
    audit.record("user.sessions_revoke", actor=actor, obj=user, note=f"{ended} session(s) ended")
    return ended


def revoke_session(row: UserSession, actor: User, now: datetime) -> None:
    _require_manage(actor, row.user)
    sessions.revoke(row, now, "revoked_by_admin")
    audit.record("user.session_revoke", actor=actor, obj=row.user, note=f"session {row.id} ended")


# --- the user's own preferences -----------------------------------------------------------

PREFERENCE_FIELDS = ("locale", "wants_digest", "notification_email")


def update_preferences(user: User, **values) -> dict:
    """The user's own choices: language, the weekly digest, the address reminders go to
    (None: the sign-in email). Returns the changes, audited as ``user.preferences``."""
    unknown = set(values) - set(PREFERENCE_FIELDS)
    if unknown:
        raise AccountError(f"cannot set {', '.join(sorted(unknown))}")
    if "locale" in values and values["locale"] not in current_app.config["LANGUAGES"]:
        raise AccountError(f"unknown language {values['locale']!r}")
    if "notification_email" in values:
        address = (values["notification_email"] or "").strip() or None
        if address is not None and not is_email_address(address):
            raise AccountError(_("Not a valid email address."))
        values["notification_email"] = address
    changes = audit.apply_changes(user, values)
    if changes:
        audit.record("user.preferences", actor=user, obj=user, changes=changes)
    return changes
