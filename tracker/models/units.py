"""Units (sở, huyện, xã …) and their succession: ``Unit`` with the hook that keeps its folded
search text in step on every ORM write, and ``UnitEvent`` / ``UnitEventUnit``, the renames,
merges, splits and dissolutions with the units each ended or handed to (issue 11)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..database import UTCDateTime, utcnow
from ..extensions import db
from ..text import fold
from .enums import (
    UnitEventKind,
    UnitKind,
    _enum_values,
)

if TYPE_CHECKING:
    from .accounts import User


class Unit(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    short_name: Mapped[str | None] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(20), default=UnitKind.DEPARTMENT)
    email: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Other names and abbreviations people write ("Sở TT&TT", "STTTT"), for search and
    # for reading notices (tracker.intake).
    aliases: Mapped[list[str] | None] = mapped_column(JSON, default=list)
    # Folded code, names and aliases: accent-insensitive unit search (refresh_search_text).
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    head_name: Mapped[str | None] = mapped_column(String(255))  # thủ trưởng đơn vị
    # Set by succession events: the day the unit began, and the day it ceased (its
    # successors took over from then).
    started_on: Mapped[date | None] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    users: Mapped[list[User]] = relationship(back_populates="unit")
    parent: Mapped[Unit | None] = relationship(remote_side=[id])

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (CheckConstraint(f"kind IN ({_enum_values(UnitKind)})", name="kind"),)

    @property
    def label(self) -> str:
        return self.short_name or self.name

    def refresh_search_text(self) -> None:
        names = [self.code, self.name, self.short_name or "", *(self.aliases or [])]
        self.search_text = fold(" | ".join(names))

    def __repr__(self) -> str:
        return f"<Unit {self.code}>"


@event.listens_for(Unit, "before_insert")
@event.listens_for(Unit, "before_update")
def _unit_search_text(_mapper, _connection, unit: Unit) -> None:
    # Every ORM write keeps the folded copy in step (bulk inserts call it themselves).
    unit.refresh_search_text()


class UnitEvent(db.Model):
    """A rename, merge, split or dissolution with its effective date (issue 11). ``details``
    keeps what the event moved (tasks, people, units it ended or created), so that it can
    be undone while nothing has happened since."""

    __tablename__ = "unit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    effective_on: Mapped[date] = mapped_column(Date, index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_on: Mapped[date] = mapped_column(Date)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    note: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    links: Mapped[list[UnitEventUnit]] = relationship(
        back_populates="event", cascade="all, delete-orphan", order_by="UnitEventUnit.position"
    )

    __table_args__ = (CheckConstraint(f"kind IN ({_enum_values(UnitEventKind)})", name="kind"),)

    @property
    def sources(self) -> list[Unit]:
        return [link.unit for link in self.links if link.role == "source"]

    @property
    def targets(self) -> list[Unit]:
        return [link.unit for link in self.links if link.role == "target"]


class UnitEventUnit(db.Model):
    """A unit an event ended or handed over (source) or that took over (target)."""

    __tablename__ = "unit_event_unit"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("unit_event.id", ondelete="CASCADE"), primary_key=True
    )
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(10), primary_key=True)  # source | target
    position: Mapped[int] = mapped_column(Integer, default=0)

    event: Mapped[UnitEvent] = relationship(back_populates="links")
    unit: Mapped[Unit] = relationship()

    __table_args__ = (
        CheckConstraint("role IN ('source', 'target')", name="role"),
        Index("ix_unit_event_unit_unit_id", "unit_id"),
    )
