"""Who may see and do what. Every view and service asks here; nowhere else decides.

The foundation answers what the task list needs; the web application issue extends it
to every action.
"""

from __future__ import annotations

from sqlalchemy import exists, or_, select

from .models import Role, Task, User, task_coordinating_unit

SEES_ALL = frozenset({Role.ADMIN, Role.OFFICE, Role.LEADER, Role.VIEWER})
UNIT_ROLES = frozenset({Role.UNIT_HEAD, Role.UNIT_STAFF})


def visible_tasks_clause(user: User):
    """A WHERE clause for the tasks ``user`` may see: all of them, or their unit's tasks
    as lead or coordinating unit."""
    if user.role in SEES_ALL:
        return Task.id.is_not(None)
    if user.role in UNIT_ROLES and user.unit_id is not None:
        coordinates = exists(
            select(task_coordinating_unit.c.task_id).where(
                task_coordinating_unit.c.task_id == Task.id,
                task_coordinating_unit.c.unit_id == user.unit_id,
            )
        )
        return or_(Task.lead_unit_id == user.unit_id, coordinates)
    return Task.id.is_(None)


def can_view_task(user: User, task: Task) -> bool:
    if user.role in SEES_ALL:
        return True
    if user.role in UNIT_ROLES and user.unit_id is not None:
        return task.lead_unit_id == user.unit_id or any(
            unit.id == user.unit_id for unit in task.coordinating_units
        )
    return False


# --- users and administration ---


def can_manage_users(user) -> bool:
    """Create, edit, disable users, reset their passwords and end their sessions."""
    return bool(getattr(user, "is_authenticated", False)) and user.role == Role.ADMIN


def can_change_own_password(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.password_hash is not None


# --- reports: dashboard, period report, calendar feeds ---

DASHBOARD_ROLES = SEES_ALL | {Role.UNIT_HEAD}


def can_view_dashboard(user: User) -> bool:
    """Leaders, the Office, admins and viewers see everything; unit heads their unit."""
    return user.role in DASHBOARD_ROLES and (user.role != Role.UNIT_HEAD or user.unit_id)


def dashboard_scope(user: User) -> int | None:
    """The unit a dashboard is limited to (None: the whole province). The numbers
    themselves always go through ``visible_tasks_clause``."""
    return user.unit_id if user.role == Role.UNIT_HEAD else None


def can_manage_unit_feed(user: User, unit_id: int) -> bool:
    """Who may create or revoke a unit's calendar feed."""
    if user.role in {Role.ADMIN, Role.OFFICE}:
        return True
    return user.role == Role.UNIT_HEAD and user.unit_id == unit_id
