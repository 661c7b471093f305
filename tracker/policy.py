"""Who may see and do what. Every view and service asks here; nowhere else decides.

The foundation answers what the task list needs; the web application issue extends it
to every action.
"""

from __future__ import annotations

from flask import g, has_request_context
from sqlalchemy import false, select, true, union

from .models import Role, Task, TaskLeadUnitChange, User, task_coordinating_unit

SEES_ALL = frozenset({Role.ADMIN, Role.OFFICE, Role.LEADER, Role.VIEWER})
UNIT_ROLES = frozenset({Role.UNIT_HEAD, Role.UNIT_STAFF})


def involving_unit_clause(unit_id: int, task=Task):
    """The tasks a unit takes part in, as lead or coordinating unit, as one indexed
    predicate: ``id IN (tasks it leads UNION tasks it coordinates)``. Each branch is an
    index scan (ix_task_lead_unit_id_state, ix_task_coordinating_unit_unit_id) whose size the
    planner estimates well; ``lead_unit_id = u OR EXISTS (…)`` read every task instead, and
    its inflated estimate set off PostgreSQL's JIT (issue 12)."""
    return _tasks_of_units([unit_id], task)


def _tasks_of_units(units, task=Task, once_led: bool = False):
    """``id IN (…)`` over the tasks ``units`` lead or coordinate (and, with ``once_led``,
    led before a change of lead unit), each branch an index scan."""
    branches = [
        select(Task.id).where(Task.lead_unit_id.in_(units)),
        select(task_coordinating_unit.c.task_id).where(task_coordinating_unit.c.unit_id.in_(units)),
    ]
    if once_led:
        branches.append(
            select(TaskLeadUnitChange.task_id).where(TaskLeadUnitChange.old_unit_id.in_(units))
        )
    return task.id.in_(union(*branches))


def visibility_unit(user: User) -> int | None:
    """The unit whose tasks are all ``user`` may see, or None when they see every task
    (or none: see ``visible_tasks_clause``)."""
    if user.role in UNIT_ROLES:
        return user.unit_id
    return None


def readable_units(user: User) -> frozenset[int]:
    """The units whose work ``user`` may read: their unit and every unit it took over
    from (succession events), so the people of a merged department keep reading what
    they did before the merger. Looked up once per request."""
    from .services.units import lineage

    if user.unit_id is None:
        return frozenset()
    if not has_request_context():
        return lineage(user.unit_id)
    cache = g.setdefault("readable_units", {})
    if user.unit_id not in cache:
        cache[user.unit_id] = lineage(user.unit_id)
    return cache[user.unit_id]


def visible_tasks_clause(user: User, task=Task):
    """A WHERE clause for the tasks ``user`` may see: all of them, or the tasks their unit
    (or a unit it took over from) leads, coordinates or once led, as one indexed
    ``id IN (… UNION …)``."""
    if user.role in SEES_ALL:
        return true()
    if user.role in UNIT_ROLES and user.unit_id is not None:
        return _tasks_of_units(sorted(readable_units(user)), task, once_led=True)
    return false()


def can_view_task(user: User, task: Task) -> bool:
    if user.role in SEES_ALL:
        return True
    if user.role in UNIT_ROLES and user.unit_id is not None:
        units = readable_units(user)
        return (
            task.lead_unit_id in units
            or any(unit.id in units for unit in task.coordinating_units)
            or any(change.old_unit_id in units for change in task.lead_unit_changes)
        )
    return False


# --- users and administration ---


def can_manage_users(user) -> bool:
    """Every account, of every role: the administrator's."""
    return bool(getattr(user, "is_authenticated", False)) and user.role == Role.ADMIN


# The Office adds the people of the units (issue 11): it creates, edits, disables and
# re-enables unit heads, unit staff and viewers, resets their passwords and ends their
# sessions, but never an admin, Office or leader account, and never makes one. Those stay
# with the administrator, who could otherwise be locked out by the Office, and an Office
# user could otherwise give itself the admin role.
PEOPLE_MANAGERS = frozenset({Role.ADMIN, Role.OFFICE})
OFFICE_MANAGED_ROLES = frozenset({Role.UNIT_HEAD, Role.UNIT_STAFF, Role.VIEWER})


def can_manage_people(user) -> bool:
    """May open the people pages (list, new account); which accounts and roles: below."""
    return (
        bool(getattr(user, "is_authenticated", False))
        and user.active
        and user.role in PEOPLE_MANAGERS
    )


def assignable_roles(actor) -> frozenset:
    """The roles ``actor`` may give to an account (on creation or by an edit)."""
    if not can_manage_people(actor):
        return frozenset()
    if actor.role == Role.ADMIN:
        return frozenset(Role)
    return OFFICE_MANAGED_ROLES


def can_manage_account(actor, target) -> bool:
    """May ``actor`` edit, disable, re-enable, reset the password of or end the sessions of
    the account ``target`` (as it is now)?"""
    return can_manage_people(actor) and target.role in assignable_roles(actor)


def can_edit_own_preferences(user) -> bool:
    """Language, weekly digest, the address for reminders: every signed-in user's own."""
    return bool(getattr(user, "is_authenticated", False)) and user.active


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


# --- the web application: one answer per action ------------------------------------------
#
# Actions on a task or directive. Unit staff who are not involved in a task get 404 rather
# than 403 for it (its existence must not leak); everyone else who may see it but may not
# act gets 403.


class Action:
    VIEW_TASK = "view_task"
    VIEW_TIMELINE = "view_timeline"
    DOWNLOAD_FILE = "download_file"
    VIEW_DIRECTIVE = "view_directive"
    CREATE_DIRECTIVE = "create_directive"
    EDIT_DIRECTIVE = "edit_directive"
    ADD_TASK = "add_task"
    EDIT_TASK = "edit_task"
    WITHDRAW_TASK = "withdraw_task"
    REPORT_PROGRESS = "report_progress"
    SUBMIT_RESULT = "submit_result"
    CONFIRM_RESULT = "confirm_result"  # confirm or return
    REQUEST_EXTENSION = "request_extension"
    DECIDE_EXTENSION = "decide_extension"  # approve, reject, or withdraw the task
    LIST_PENDING_EXTENSIONS = "list_pending_extensions"


DIRECTIVE_ACTIONS = frozenset(
    {Action.VIEW_DIRECTIVE, Action.CREATE_DIRECTIVE, Action.EDIT_DIRECTIVE, Action.ADD_TASK}
)
ALL_ACTIONS = tuple(v for k, v in vars(Action).items() if k.isupper())
TASK_ACTIONS = tuple(
    a for a in ALL_ACTIONS if a not in DIRECTIVE_ACTIONS and a != "list_pending_extensions"
)
OFFICE_ACTIONS = frozenset(
    {
        Action.CREATE_DIRECTIVE,
        Action.EDIT_DIRECTIVE,
        Action.ADD_TASK,
        Action.EDIT_TASK,
        Action.WITHDRAW_TASK,
        Action.CONFIRM_RESULT,
    }
)
LEAD_UNIT_ACTIONS = frozenset(
    {Action.REPORT_PROGRESS, Action.SUBMIT_RESULT, Action.REQUEST_EXTENSION}
)


def is_lead_unit_member(user: User, task: Task) -> bool:
    return (
        user.role in UNIT_ROLES and user.unit_id is not None and task.lead_unit_id == user.unit_id
    )


def can_view_directive(user: User, directive) -> bool:
    if user.role in SEES_ALL:
        return True
    return bool(visible_task_ids(user, directive.id))


def visible_task_ids(user: User, directive_id: int) -> set[int]:
    """The tasks of a directive ``user`` may see, in one query (not one per task)."""
    from .extensions import db

    return set(
        db.session.scalars(
            select(Task.id).where(Task.directive_id == directive_id, visible_tasks_clause(user))
        )
    )


def can_decide_extension(user: User, task: Task) -> bool:
    """The assigning leader of the task, or the Office on the leader's behalf."""
    if user.role == Role.OFFICE:
        return True
    return user.role == Role.LEADER and task.assigned_by_id == user.id


def can(user: User, action: str, obj=None) -> bool:
    """May ``user`` do ``action`` to ``obj`` (a Task, a Directive, or None)? Workflow
    states are the services' business; this answers who, not when."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return False
    if action == Action.CREATE_DIRECTIVE:
        return user.role == Role.OFFICE
    if action == Action.LIST_PENDING_EXTENSIONS:
        return user.role in (Role.OFFICE, Role.LEADER)
    if action == Action.VIEW_DIRECTIVE:
        return can_view_directive(user, obj)
    if action == Action.EDIT_DIRECTIVE or action == Action.ADD_TASK:
        return user.role == Role.OFFICE
    task = obj
    if not can_view_task(user, task):
        return False
    if action in (Action.VIEW_TASK, Action.VIEW_TIMELINE, Action.DOWNLOAD_FILE):
        return True
    if action in OFFICE_ACTIONS:
        return user.role == Role.OFFICE
    if action in LEAD_UNIT_ACTIONS:
        return is_lead_unit_member(user, task)
    if action == Action.DECIDE_EXTENSION:
        return can_decide_extension(user, task)
    raise ValueError(f"unknown action {action!r}")


def hides_existence(user: User, task: Task) -> bool:
    """True when the user must get 404, not 403, for this task."""
    return not can_view_task(user, task)


# --- reminders ---


def can_escalate(user: User, task: Task) -> bool:
    """Escalations (nhắc nhở, phê bình, yêu cầu giải trình) come from the Office or a leader."""
    return user.is_authenticated and user.role in {Role.OFFICE, Role.LEADER}


def can_manage_outbox(user: User) -> bool:
    """The outbox page (failed mails, retry, cancel) is the administrator's."""
    return user.is_authenticated and user.role == Role.ADMIN


# --- the holiday table ---

HOLIDAY_EDITORS = frozenset({Role.ADMIN, Role.OFFICE})
HOLIDAY_READERS = HOLIDAY_EDITORS | {Role.LEADER, Role.VIEWER}


def _active(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and bool(getattr(user, "active", False))


def can_view_holidays(user: User) -> bool:
    """The holiday table: the Office and admins keep it, leaders and viewers may read it;
    unit roles work to the deadlines it gives and need no page of it."""
    return _active(user) and user.role in HOLIDAY_READERS


def can_manage_holidays(user: User) -> bool:
    """Add, edit, delete holidays and add the fixed-date days of a year."""
    return _active(user) and user.role in HOLIDAY_EDITORS


def sees_unstaffed_units(user: User) -> bool:
    """The Office (and admins) are told about tasks whose lead unit has nobody to hear of
    them, since they assign the tasks and add the people."""
    return user.is_authenticated and user.role in {Role.ADMIN, Role.OFFICE}


def sees_holiday_gaps(user: User) -> bool:
    """The Office and admins keep the holiday table: they are warned when a year is missing."""
    return can_manage_holidays(user)


# --- units (issue 11) ---

UNIT_READERS = frozenset({Role.ADMIN, Role.OFFICE, Role.LEADER, Role.VIEWER})
UNIT_KEEPERS = frozenset({Role.ADMIN, Role.OFFICE})


def can_view_units(user) -> bool:
    """The unit list and unit pages: everyone who sees every task; unit roles do not
    (their own unit's people and figures are elsewhere)."""
    return (
        bool(getattr(user, "is_authenticated", False)) and user.active and user.role in UNIT_READERS
    )


def can_manage_units(user) -> bool:
    """Create, edit, deactivate units, record and undo succession events."""
    return (
        bool(getattr(user, "is_authenticated", False)) and user.active and user.role in UNIT_KEEPERS
    )
