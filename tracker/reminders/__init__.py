"""Reminder emails that are never lost and never sent twice (DESIGN §2).

- ``planner.plan(now)`` finds the reminders due with one query over tasks and inserts them
  into the outbox, where a unique key per (recipient, kind, task or digest, day) makes a
  second planner add nothing;
- ``delivery.deliver(now)`` claims pending rows atomically, sends one mail per recipient
  and day over one SMTP connection, and marks them sent (or retries, or fails them);
- ``escalations`` records nhắc nhở / phê bình / yêu cầu giải trình on a task;
- ``scheduler`` ticks the two jobs, in the web process or in ``tracker scheduler``.
"""

from __future__ import annotations

from enum import StrEnum

from ..models import TaskState


class Kind(StrEnum):
    ASSIGNED = "assigned"
    DUE_SOON = "due_soon"  # n working days before the current due date
    DUE_TODAY = "due_today"
    OVERDUE = "overdue"
    DIGEST = "digest"  # weekly, to the assigning leader
    ESCALATION = "escalation"


class Reason(StrEnum):
    """Why a person receives a reminder; delivery checks it still holds."""

    FOCAL = "focal"  # the lead unit's focal person
    HEAD = "head"  # a head of the lead unit
    COORDINATOR = "coordinator"  # a head of a coordinating unit
    MONITOR = "monitor"  # the Office's monitoring specialist
    LEADER = "leader"  # the assigning leader (digest)


# Completed and withdrawn tasks get no mail; neither do paused ones, nor tasks whose result
# is waiting for the Office's confirmation (the unit has done its part).
REMINDED_STATES = (TaskState.ASSIGNED, TaskState.IN_PROGRESS)


class EndReason(StrEnum):
    """Why an outbox row ended cancelled or failed rather than sent (the admin sees it)."""

    TASK_CLOSED = "task_closed"  # completed, awaiting confirmation, paused or withdrawn
    RECIPIENT_GONE = "recipient_gone"  # inactive, or no longer the person responsible
    OPTED_OUT = "opted_out"  # a leader who turned the weekly digest off
    NO_DEADLINE = "no_deadline"  # the deadline was removed
    DUE_CHANGED = "due_changed"  # the deadline moved: this reminder is no longer true
    DAY_PASSED = "day_passed"  # a due-today notice after its day (overdue notices follow)
    NOTHING_LEFT = "nothing_left"  # a digest whose tasks are all done or no longer due
    COMPOSE_FAILED = "compose_failed"  # the mail could not be built (see the error)
    REFUSED = "refused"  # the server refused this mail or its recipient (5xx)
    GAVE_UP = "gave_up"  # still not accepted REMINDER_GIVE_UP_HOURS after the first try
    ADMIN = "admin"  # cancelled by the administrator
