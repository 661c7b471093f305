"""Whether a unit has somebody to hear of its tasks (issue 11, item 7).

A task may be given to a lead unit that has no active unit head or unit staff account:
the directive names the unit whatever accounts exist, and the Office must be able to
record it as issued. So such a task is accepted, with a warning: after the save, on the
task page and on the Office's dashboard, each with a link to add a person to the unit.
Refusing it would leave the directive half-entered until an account exists, and the
unit would still not hear of it.

"Has an active account" is the one SQL rule below; every warning and the task list's
``no_account`` filter use it.
"""

from __future__ import annotations

from sqlalchemy import exists, literal, select

from ..extensions import db
from ..models import User
from ..policy import UNIT_ROLES


def has_active_account(unit_id):
    """SQL: the unit ``unit_id`` (a column or a value) has an active unit head or unit
    staff account, the people its task list and its reminders reach. Whether they have
    set a password yet does not matter: reminders reach them by mail."""
    return exists().where(
        User.unit_id == unit_id,
        User.active.is_(True),
        User.role.in_(sorted(role.value for role in UNIT_ROLES)),
    )


def unit_has_active_account(unit_id: int) -> bool:
    return bool(db.session.scalar(select(has_active_account(literal(unit_id)))))
