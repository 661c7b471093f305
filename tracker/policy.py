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


# --- reminders ---


def can_escalate(user: User, task: Task) -> bool:
    """Escalations (nhắc nhở, phê bình, yêu cầu giải trình) come from the Office or a leader."""
    return user.is_authenticated and user.role in {Role.OFFICE, Role.LEADER}


def can_manage_outbox(user: User) -> bool:
    """The outbox page (failed mails, retry, cancel) is the administrator's."""
    return user.is_authenticated and user.role == Role.ADMIN
