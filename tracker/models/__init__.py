"""The data model (DESIGN §1). Dates without time (due dates) are ``Date``; moments are UTC.

One module per concept; every one is imported here, so that importing ``tracker.models``
registers every table (Alembic and ``db.create_all`` read ``db.metadata``), runs the
module-level ``Index`` declarations and the unit search hook, and keeps
``from tracker.models import X`` working for every public name."""

from .accounts import FeedToken, LoginThrottle, User, UserSession
from .audit import AuditEvent
from .enums import (
    DirectiveKind,
    EscalationKind,
    ExtensionStatus,
    OriginLevel,
    OutboxState,
    Role,
    TaskState,
    UnitEventKind,
    UnitKind,
)
from .history import (
    DueDateChange,
    TaskCoordinatingUnitChange,
    TaskLeadUnitChange,
    TaskStateChange,
)
from .holidays import Holiday
from .reminders import Escalation, MailHealth, OutboxMessage, PlannerState
from .tasks import Directive, ExtensionRequest, ProgressReport, Task, task_coordinating_unit
from .units import Unit, UnitEvent, UnitEventUnit

__all__ = [
    "AuditEvent",
    "Directive",
    "DirectiveKind",
    "DueDateChange",
    "Escalation",
    "EscalationKind",
    "ExtensionRequest",
    "ExtensionStatus",
    "FeedToken",
    "Holiday",
    "LoginThrottle",
    "MailHealth",
    "OriginLevel",
    "OutboxMessage",
    "OutboxState",
    "PlannerState",
    "ProgressReport",
    "Role",
    "Task",
    "TaskCoordinatingUnitChange",
    "TaskLeadUnitChange",
    "TaskState",
    "TaskStateChange",
    "Unit",
    "UnitEvent",
    "UnitEventKind",
    "UnitEventUnit",
    "UnitKind",
    "User",
    "UserSession",
    "task_coordinating_unit",
]
