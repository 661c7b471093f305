"""The demo's people: leaders, Office specialists, and a head and a staff member per unit."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ..models import Role, User
from .clock import HISTORY_DAYS, Clock
from .units import OFFICE, UnitSpec
from .writer import Ids

EMAIL_DOMAIN = "tracker.local"

SURNAMES = (
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Huỳnh",
    "Phan",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Đinh",
    "Trương",
)
MALE_MIDDLES = ("Văn", "Hữu", "Minh", "Đức", "Quang", "Thanh", "Ngọc", "Công", "Tấn")
MALE_GIVEN = (
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Hải",
    "Hùng",
    "Khánh",
    "Long",
    "Nam",
    "Phong",
    "Quân",
    "Sơn",
    "Tâm",
    "Thắng",
    "Trung",
    "Tuấn",
    "Việt",
    "Vinh",
    "Lộc",
    "Phúc",
)
FEMALE_MIDDLES = ("Thị", "Thị Thu", "Thị Minh", "Thị Ngọc", "Thị Thanh")
FEMALE_GIVEN = (
    "Hà",
    "Hoa",
    "Lan",
    "Mai",
    "Ngân",
    "Thảo",
    "Trang",
    "Yến",
    "Hằng",
    "Hương",
    "Linh",
    "Nhung",
    "Phương",
    "Vân",
)


@dataclass
class Person:
    id: int
    name: str
    position: str | None

    @property
    def title(self) -> str:  # "Phó Chủ tịch UBND tỉnh Nguyễn Văn A"
        return f"{self.position} {self.name}" if self.position else self.name


@dataclass
class People:
    leaders: list[Person] = field(default_factory=list)  # the Chairman first
    office: list[Person] = field(default_factory=list)
    heads: dict[str, Person] = field(default_factory=dict)  # by unit code
    staff: dict[str, Person] = field(default_factory=dict)


def _person_name(rng: random.Random) -> str:
    if rng.random() < 0.35:
        return f"{rng.choice(SURNAMES)} {rng.choice(FEMALE_MIDDLES)} {rng.choice(FEMALE_GIVEN)}"
    return f"{rng.choice(SURNAMES)} {rng.choice(MALE_MIDDLES)} {rng.choice(MALE_GIVEN)}"


def insert_people(
    session: Session,
    rng: random.Random,
    unit_specs: Sequence[UnitSpec],
    unit_ids: dict[str, int],
    clock: Clock,
) -> tuple[People, int]:
    """Leaders, Office specialists and one head and one staff member per unit in
    ``unit_ids``, without passwords (they cannot sign in). Addresses already present are
    reused as they are (with their stored name and position, which directives copy as the
    signer's). A spec left out of ``unit_ids`` (its unit is inactive) gets no one."""
    # (email, name, position, role, unit code or None), decided before looking at the
    # database so the random stream (and hence all later data) does not depend on it.
    wanted: list[tuple[str, str, str, str, str | None]] = []
    leader_positions = ["Chủ tịch UBND tỉnh"] + ["Phó Chủ tịch UBND tỉnh"] * rng.choice((3, 4))
    for n, position in enumerate(leader_positions, start=1):
        wanted.append(
            (f"demo.leader{n}@{EMAIL_DOMAIN}", _person_name(rng), position, Role.LEADER, None)
        )
    for n in range(1, rng.choice((2, 3)) + 1):
        wanted.append(
            (
                f"demo.office{n}@{EMAIL_DOMAIN}",
                _person_name(rng),
                OFFICE.staff_position,
                Role.OFFICE,
                OFFICE.code,
            )
        )
    for spec in unit_specs:
        local = spec.suffix.lower()
        wanted.append(
            (
                f"demo.head.{local}@{EMAIL_DOMAIN}",
                _person_name(rng),
                spec.head_position,
                Role.UNIT_HEAD,
                spec.code,
            )
        )
        wanted.append(
            (
                f"demo.staff.{local}@{EMAIL_DOMAIN}",
                _person_name(rng),
                spec.staff_position,
                Role.UNIT_STAFF,
                spec.code,
            )
        )

    existing = {
        email: Person(user_id, name, position)
        for email, user_id, name, position in session.execute(
            select(User.email, User.id, User.name, User.position).where(
                User.email.endswith("@" + EMAIL_DOMAIN, autoescape=True)
            )
        )
    }
    next_id = Ids(session).first(User.__table__)
    created_at = clock.moment(clock.today - timedelta(days=HISTORY_DAYS + 30))
    people = People()
    rows = []
    for email, name, position, role, unit_code in wanted:
        if role in (Role.UNIT_HEAD, Role.UNIT_STAFF) and unit_code not in unit_ids:
            continue
        person = existing.get(email)
        if person is None:
            person = Person(next_id, name, position)
            next_id += 1
            rows.append(
                {
                    "id": person.id,
                    "email": email,
                    "name": name,
                    "position": position,
                    "role": str(role),
                    "unit_id": unit_ids.get(unit_code) if unit_code else None,
                    "password_hash": None,
                    "active": True,
                    "locale": None,
                    "wants_digest": True,
                    "created_at": created_at,
                    "last_login_at": None,
                }
            )
        if role == Role.LEADER:
            people.leaders.append(person)
        elif role == Role.OFFICE:
            people.office.append(person)
        elif role == Role.UNIT_HEAD:
            people.heads[unit_code] = person
        else:
            people.staff[unit_code] = person
    if rows:
        session.execute(insert(User.__table__), rows)
    return people, len(rows)
