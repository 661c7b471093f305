"""The closed sets of values the model stores as strings (roles, unit kinds, succession
events, task and directive kinds, extension, outbox and escalation states), and the helper
that turns one into the list a CHECK constraint allows."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    ADMIN = "admin"
    OFFICE = "office"
    LEADER = "leader"
    UNIT_HEAD = "unit_head"
    UNIT_STAFF = "unit_staff"
    VIEWER = "viewer"


class UnitKind(enum.StrEnum):
    OFFICE = "office"  # Văn phòng UBND tỉnh
    DEPARTMENT = "department"  # sở, ban, ngành
    DISTRICT = "district"  # UBND huyện, thị xã, thành phố
    COMMUNE = "commune"  # UBND xã, phường, thị trấn
    AGENCY = "agency"  # ban quản lý, trung tâm, đơn vị sự nghiệp
    CENTRAL = "central"  # cơ quan trung ương đóng trên địa bàn (Công an, Thuế, Kho bạc …)
    OTHER = "other"


class UnitEventKind(enum.StrEnum):
    """Succession events (issue 11): each has an effective date, source and target units."""

    RENAME = "rename"  # A → A' (a new record: reports before the date keep the old name)
    MERGE = "merge"  # A, B → C (C new, or one of A, B)
    SPLIT = "split"  # A → B, C (each open task to one of them)
    DISSOLVE = "dissolve"  # A → B (an existing unit takes over)


class TaskState(enum.StrEnum):
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    AWAITING_CONFIRMATION = "awaiting_confirmation"
    COMPLETED = "completed"
    PAUSED = "paused"
    WITHDRAWN = "withdrawn"


class DirectiveKind(enum.StrEnum):
    CONCLUSION_NOTICE = "conclusion_notice"  # thông báo kết luận
    OFFICIAL_LETTER = "official_letter"  # công văn
    DECISION = "decision"  # quyết định
    INSTRUCTION = "instruction"  # chỉ thị
    PLAN = "plan"  # kế hoạch
    MEETING_OPINION = "meeting_opinion"  # ý kiến tại cuộc họp


class OriginLevel(enum.StrEnum):
    CENTRAL = "central"
    PROVINCIAL = "provincial"


class ExtensionStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"  # the task was withdrawn instead


def _enum_values(enum_cls) -> str:
    return ", ".join(f"'{m.value}'" for m in enum_cls)


class OutboxState(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed by a worker until lease_until
    SENT = "sent"
    FAILED = "failed"
    CANCELLED = "cancelled"


class EscalationKind(enum.StrEnum):
    REMINDER = "reminder"  # nhắc nhở
    CRITICISM = "criticism"  # phê bình
    EXPLANATION = "explanation"  # yêu cầu giải trình (by a date)
