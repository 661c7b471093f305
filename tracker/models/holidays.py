"""``Holiday``: the public holidays and compensating working days that tracker.calendar counts
working days with."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import (
    Boolean,
    Date,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db

if TYPE_CHECKING:
    pass


class Holiday(db.Model):
    """A public holiday (no work), or a compensating working day on a weekend (làm bù)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    name: Mapped[str] = mapped_column(String(255))
    is_working_day: Mapped[bool] = mapped_column(Boolean, default=False)
