"""The demo's units: which ones (departments, districts, communes of Quảng Ngãi), and how
each is found or created without ever putting a second copy of a unit beside the first."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from ..models import Unit, UnitKind
from ..text import fold
from .clock import HISTORY_DAYS, Clock
from .reference import (
    ADMIN_REFORM,
    AGRICULTURE,
    CONSTRUCTION,
    EDUCATION,
    ENVIRONMENT,
    FINANCE,
    HEALTH,
    ICT,
    INDUSTRY,
    INVESTMENT,
    SECURITY,
    SOCIAL,
    TRANSPORT,
)
from .writer import Ids

CODE_PREFIX = "DEMO_"  # the code of a unit that only the demo has is DEMO_ + its suffix

# Departments (sở, ban, ngành) of Quảng Ngãi: suffix (the code is DEMO_ + suffix, or the
# seed's code: SEEDED_UNITS), name, short name, field, head.
DEPARTMENTS: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "SNNPTNT",
        "Sở Nông nghiệp và Phát triển nông thôn",
        "Sở NN&PTNT",
        AGRICULTURE,
        "Giám đốc Sở NN&PTNT",
    ),
    ("SYT", "Sở Y tế", "Sở Y tế", HEALTH, "Giám đốc Sở Y tế"),
    ("SGDDT", "Sở Giáo dục và Đào tạo", "Sở GD&ĐT", EDUCATION, "Giám đốc Sở GD&ĐT"),
    ("SXD", "Sở Xây dựng", "Sở Xây dựng", CONSTRUCTION, "Giám đốc Sở Xây dựng"),
    ("SGTVT", "Sở Giao thông vận tải", "Sở GTVT", TRANSPORT, "Giám đốc Sở GTVT"),
    ("STNMT", "Sở Tài nguyên và Môi trường", "Sở TN&MT", ENVIRONMENT, "Giám đốc Sở TN&MT"),
    ("SKHDT", "Sở Kế hoạch và Đầu tư", "Sở KH&ĐT", INVESTMENT, "Giám đốc Sở KH&ĐT"),
    ("STC", "Sở Tài chính", "Sở Tài chính", FINANCE, "Giám đốc Sở Tài chính"),
    ("SCT", "Sở Công Thương", "Sở Công Thương", INDUSTRY, "Giám đốc Sở Công Thương"),
    ("STTTT", "Sở Thông tin và Truyền thông", "Sở TT&TT", ICT, "Giám đốc Sở TT&TT"),
    ("SNV", "Sở Nội vụ", "Sở Nội vụ", ADMIN_REFORM, "Giám đốc Sở Nội vụ"),
    ("STP", "Sở Tư pháp", "Sở Tư pháp", ADMIN_REFORM, "Giám đốc Sở Tư pháp"),
    (
        "SLDTBXH",
        "Sở Lao động - Thương binh và Xã hội",
        "Sở LĐ-TB&XH",
        SOCIAL,
        "Giám đốc Sở LĐ-TB&XH",
    ),
    ("SVHTTDL", "Sở Văn hóa, Thể thao và Du lịch", "Sở VH-TT&DL", INDUSTRY, "Giám đốc Sở VH-TT&DL"),
    ("SKHCN", "Sở Khoa học và Công nghệ", "Sở KH&CN", ICT, "Giám đốc Sở KH&CN"),
    ("SNGV", "Sở Ngoại vụ", "Sở Ngoại vụ", INVESTMENT, "Giám đốc Sở Ngoại vụ"),
    ("TTT", "Thanh tra tỉnh", "Thanh tra tỉnh", SECURITY, "Chánh Thanh tra tỉnh"),
    ("BDT", "Ban Dân tộc tỉnh", "Ban Dân tộc", SOCIAL, "Trưởng Ban Dân tộc tỉnh"),
    (
        "BQLKKT",
        "Ban Quản lý Khu kinh tế Dung Quất và các Khu công nghiệp Quảng Ngãi",
        "BQL KKT Dung Quất và các KCN",
        INVESTMENT,
        "Trưởng ban BQL KKT Dung Quất và các KCN",
    ),
    ("CAT", "Công an tỉnh", "Công an tỉnh", SECURITY, "Giám đốc Công an tỉnh"),
    ("BCHQS", "Bộ Chỉ huy Quân sự tỉnh", "Bộ CHQS tỉnh", SECURITY, "Chỉ huy trưởng Bộ CHQS tỉnh"),
)

# District-level units: suffix, "huyện" / "thị xã" / "thành phố", name, and its
# communes ("xã" unless the name says "phường" or "thị trấn").
DISTRICTS: tuple[tuple[str, str, str, str], ...] = (
    (
        "TPQN",
        "thành phố",
        "Quảng Ngãi",
        "phường Lê Hồng Phong, phường Trần Phú, phường Nghĩa Lộ, phường Chánh Lộ, "
        "phường Nghĩa Chánh, phường Trần Hưng Đạo, phường Nguyễn Nghiêm, phường Quảng Phú, "
        "phường Trương Quang Trọng, Tịnh Khê, Tịnh Kỳ, Tịnh Ấn Tây, Tịnh Long, Tịnh An, "
        "Tịnh Châu, Tịnh Thiện, Tịnh Hòa, Nghĩa Hà, Nghĩa Dõng, Nghĩa Dũng, Nghĩa Phú",
    ),
    (
        "TXDP",
        "thị xã",
        "Đức Phổ",
        "phường Phổ Hòa, phường Phổ Minh, phường Phổ Vinh, phường Phổ Ninh, phường Phổ Văn, "
        "phường Phổ Quang, phường Phổ Thạnh, Phổ An, Phổ Phong, Phổ Thuận, Phổ Nhơn, "
        "Phổ Khánh, Phổ Châu, Phổ Cường",
    ),
    (
        "HBS",
        "huyện",
        "Bình Sơn",
        "thị trấn Châu Ổ, Bình Hải, Bình Thạnh, Bình Đông, Bình Trị, Bình Châu, Bình Thuận, "
        "Bình Chánh, Bình Dương, Bình Phước, Bình Long, Bình Hiệp, Bình Minh, Bình An",
    ),
    (
        "HST",
        "huyện",
        "Sơn Tịnh",
        "Tịnh Hà, Tịnh Bình, Tịnh Đông, Tịnh Thọ, Tịnh Trà, Tịnh Sơn, Tịnh Giang, "
        "Tịnh Minh, Tịnh Phong, Tịnh Hiệp, Tịnh Bắc",
    ),
    (
        "HTN",
        "huyện",
        "Tư Nghĩa",
        "thị trấn La Hà, thị trấn Sông Vệ, Nghĩa Kỳ, Nghĩa Hòa, Nghĩa Thắng, Nghĩa Điền, "
        "Nghĩa Thuận, Nghĩa Hiệp, Nghĩa Mỹ, Nghĩa Thương, Nghĩa Lâm, Nghĩa Sơn, Nghĩa Thọ",
    ),
    (
        "HNH",
        "huyện",
        "Nghĩa Hành",
        "thị trấn Chợ Chùa, Hành Thiện, Hành Thịnh, Hành Phước, Hành Tín Đông, "
        "Hành Tín Tây, Hành Nhân, Hành Dũng, Hành Trung, Hành Minh, Hành Đức",
    ),
    (
        "HMD",
        "huyện",
        "Mộ Đức",
        "thị trấn Mộ Đức, Đức Lợi, Đức Thắng, Đức Chánh, Đức Thạnh, Đức Minh, Đức Phong, "
        "Đức Hòa, Đức Phú, Đức Tân, Đức Nhuận, Đức Hiệp, Đức Lân",
    ),
    ("HML", "huyện", "Minh Long", "Long Hiệp, Long Mai, Long Môn, Long Sơn, Thanh An"),
    (
        "HBT",
        "huyện",
        "Ba Tơ",
        "thị trấn Ba Tơ, Ba Điền, Ba Vì, Ba Thành, Ba Động, Ba Cung, Ba Dinh, Ba Liên, "
        "Ba Xa, Ba Tô, Ba Khâm, Ba Trang, Ba Vinh",
    ),
    (
        "HSH",
        "huyện",
        "Sơn Hà",
        "thị trấn Di Lăng, Sơn Hạ, Sơn Thành, Sơn Nham, Sơn Kỳ, Sơn Ba, Sơn Thượng, "
        "Sơn Linh, Sơn Giang, Sơn Bao, Sơn Trung, Sơn Hải, Sơn Cao",
    ),
    (
        "HSTY",
        "huyện",
        "Sơn Tây",
        "Sơn Dung, Sơn Long, Sơn Tinh, Sơn Màu, Sơn Mùa, Sơn Bua, Sơn Tân, Sơn Liên, Sơn Lập",
    ),
    (
        "HTB",
        "huyện",
        "Trà Bồng",
        "thị trấn Trà Xuân, Trà Phú, Trà Bình, Trà Giang, Trà Sơn, Trà Thủy, Trà Hiệp, "
        "Trà Tân, Trà Bùi, Trà Lâm, Trà Phong, Trà Xinh, Trà Thanh",
    ),
    ("HLS", "huyện", "Lý Sơn", "An Vĩnh, An Hải, An Bình"),
)

# The units that the seed (seeds/directives.yaml) has too, by the demo's suffix, with the
# seed's code and names: the demo gives its work to the seeded unit and, when it runs
# before the seed, creates the unit as the seed names it, so there is one "Sở TT&TT"
# whichever comes first. SKHCN is Sở TT&TT's successor in the 2025 reorganisation.
SEEDED_UNITS: dict[str, tuple[str, str, str]] = {
    "VP": ("VP_UBND", "Văn phòng UBND tỉnh Quảng Ngãi", "VP UBND tỉnh"),
    "STNMT": ("STNMT", "Sở Tài nguyên và Môi trường tỉnh Quảng Ngãi", "Sở TN&MT"),
    "SKHDT": ("SKHDT", "Sở Kế hoạch và Đầu tư tỉnh Quảng Ngãi", "Sở KH&ĐT"),
    "STC": ("STC", "Sở Tài chính tỉnh Quảng Ngãi", "Sở Tài chính"),
    "STTTT": ("STTTT", "Sở Thông tin và Truyền thông tỉnh Quảng Ngãi", "Sở TT&TT"),
    "SNV": ("SNV", "Sở Nội vụ tỉnh Quảng Ngãi", "Sở Nội vụ"),
    "SKHCN": ("SKHCN", "Sở Khoa học và Công nghệ tỉnh Quảng Ngãi", "Sở KH&CN"),
    "BQLKKT": (
        "BQL_KKT",
        "Ban Quản lý Khu kinh tế Dung Quất và các Khu công nghiệp Quảng Ngãi",
        "BQL KKT Dung Quất và các KCN",
    ),
    "CAT": ("CA_TINH", "Công an tỉnh Quảng Ngãi", "Công an tỉnh"),
    "HLS": ("LYSON", "UBND huyện Lý Sơn", "UBND huyện Lý Sơn"),
}


@dataclass(frozen=True)
class UnitSpec:
    code: str
    suffix: str  # in the people's addresses and the units' letter numbers
    name: str
    short_name: str
    kind: str
    field: str | None  # the field a department mostly works in
    place: str | None  # "tại xã ..., huyện ..." for local units
    head_position: str
    staff_position: str


def _spec(suffix: str, name: str, short_name: str, *details: str | None) -> UnitSpec:
    """The seed's code and names for a unit the seed has, else DEMO_ + suffix."""
    code, name, short_name = SEEDED_UNITS.get(suffix, (CODE_PREFIX + suffix, name, short_name))
    return UnitSpec(code, suffix, name, short_name, *details)


# The demo Office (the seeded one when there is one): its people monitor the tasks; it
# leads none.
OFFICE = _spec(
    "VP",
    "Văn phòng UBND tỉnh Quảng Ngãi",
    "VP UBND tỉnh",
    UnitKind.OFFICE,
    None,
    None,
    "Chánh Văn phòng UBND tỉnh",
    "Chuyên viên Văn phòng UBND tỉnh",
)


def unit_specs(count: int) -> list[UnitSpec]:
    """``count`` units: departments first, then districts, then communes (numbered once
    the real names run out). Fixed by ``count`` alone, so a code always means the same unit."""
    n_departments = min(len(DEPARTMENTS), math.ceil(count * 0.45))
    n_districts = min(len(DISTRICTS), math.ceil(count * 0.2), count - n_departments)
    n_communes = count - n_departments - n_districts

    specs = [
        _spec(suffix, name, short, UnitKind.DEPARTMENT, field_, None, head, f"Chuyên viên {short}")
        for suffix, name, short, field_, head in DEPARTMENTS[:n_departments]
    ]
    for suffix, level, name, _ in DISTRICTS[:n_districts]:
        short = f"UBND {level} {name}"
        specs.append(
            _spec(
                suffix,
                short,
                short,
                UnitKind.DISTRICT,
                None,
                f"trên địa bàn {level} {name}",
                f"Chủ tịch {short}",
                f"Chuyên viên {short}",
            )
        )
    communes = _all_communes()
    for index in range(n_communes):
        level, name, district_level, district = communes[index % len(communes)]
        lap = index // len(communes)
        if lap:  # more communes asked for than the province has: number the repeats
            name = f"{name} {lap + 1}"
        short = f"UBND {level} {name}"
        specs.append(
            _spec(
                f"X{index + 1:04d}",
                f"{short}, {district_level} {district}",
                short,
                UnitKind.COMMUNE,
                None,
                f"tại {level} {name}, {district_level} {district}",
                f"Chủ tịch {short}",
                f"Công chức {short}",
            )
        )
    return specs


def _all_communes() -> list[tuple[str, str, str, str]]:
    """(level, name, district level, district name), interleaved across districts so the
    first few communes are not all in one district."""
    per_district = []
    for _, district_level, district, names in DISTRICTS:
        rows = []
        for entry in names.split(", "):
            level, name = "xã", entry
            for prefix in ("phường ", "thị trấn "):
                if entry.startswith(prefix):
                    level, name = prefix.strip(), entry.removeprefix(prefix)
            rows.append((level, name, district_level, district))
        per_district.append(rows)
    longest = max(len(rows) for rows in per_district)
    return [rows[i] for i in range(longest) for rows in per_district if i < len(rows)]


def insert_units(
    session: Session, specs: Sequence[UnitSpec], clock: Clock
) -> tuple[dict[str, int], int]:
    """Find or insert the unit of each spec. Returns {spec code: unit id} for the specs
    whose unit may be given demo work and people, and the number of units inserted.

    A spec's unit is the unit with its code, else one with its name or short name (folded:
    case and accents aside), so the demo never adds a second "Sở TT&TT" beside one that an
    admin or the seed created. A spec whose unit is inactive (merged into a successor,
    dissolved) is left out, and so is one whose unit an earlier spec already took.
    """
    by_code: dict[str, tuple[int, bool]] = {}
    by_label: dict[str, tuple[int, bool]] = {}
    for unit_id, code, name, short_name, active in session.execute(
        select(Unit.id, Unit.code, Unit.name, Unit.short_name, Unit.active).order_by(Unit.id)
    ):
        by_code[code] = (unit_id, bool(active))
        for label in (name, short_name):
            if label:
                by_label.setdefault(fold(label), (unit_id, bool(active)))
    next_id = Ids(session).first(Unit.__table__)
    created_at = clock.moment(clock.today - timedelta(days=HISTORY_DAYS + 30))
    rows = []
    ids: dict[str, int] = {}
    taken: set[int] = set()
    for spec in specs:
        found = (
            by_code.get(spec.code)
            or by_label.get(fold(spec.name))
            or by_label.get(fold(spec.short_name))
        )
        if found is None:
            found = (next_id, True)
            by_code[spec.code] = found
            for label in (spec.name, spec.short_name):
                by_label.setdefault(fold(label), found)
            rows.append(
                {
                    "id": next_id,
                    "code": spec.code,
                    "name": spec.name,
                    "short_name": spec.short_name,
                    "kind": str(spec.kind),
                    "email": None,
                    "active": True,
                    "created_at": created_at,
                    "aliases": [],
                    # (A bulk insert passes by Unit's ORM hook: the folded copy for search.)
                    "search_text": fold(" | ".join([spec.code, spec.name, spec.short_name])),
                }
            )
            next_id += 1
        unit_id, active = found
        if active and unit_id not in taken:
            ids[spec.code] = unit_id
            taken.add(unit_id)
    if rows:
        session.execute(insert(Unit.__table__), rows)
    return ids, len(rows)
