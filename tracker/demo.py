"""A reproducible synthetic workload for demos and load tests (``tracker demo``).

Everything comes from ``random.Random(seed)`` and the ``today`` passed in, so the same
arguments give the same units, people, directives and tasks. Units get codes prefixed
``DEMO_`` and people ``@tracker.local`` addresses; those already in the database are reused
rather than duplicated, so the generator may run on a seeded database, or twice.

Speed: rows are written with bulk Core inserts (executemany), never ORM objects, and the ids
are assigned here from each table's current maximum, so a task is linked to its coordinating
units, reports and extensions without reading anything back. Nothing is committed: the
caller commits, so a load is all or nothing.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from itertools import accumulate
from typing import Any

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.orm import Session

from .calendar import WorkingCalendar, load_calendar, local_zone
from .models import (
    Directive,
    DirectiveKind,
    DueDateChange,
    ExtensionRequest,
    ExtensionStatus,
    OriginLevel,
    ProgressReport,
    Role,
    Task,
    TaskState,
    TaskStateChange,
    Unit,
    UnitKind,
    User,
    task_coordinating_unit,
)
from .text import fold

CODE_PREFIX = "DEMO_"
EMAIL_DOMAIN = "tracker.local"
ISSUING_BODY = "UBND tỉnh Quảng Ngãi"
HISTORY_DAYS = 548  # directives are spread over the ~18 months before today
BATCH_TASKS = 5000  # tasks per executemany batch (children follow in the same flush)

# --- reference data ----------------------------------------------------------------------

# Fields (lĩnh vực) and, for each, the objects a task title is built from.
AGRICULTURE = "Nông nghiệp và phát triển nông thôn"
HEALTH = "Y tế"
EDUCATION = "Giáo dục và đào tạo"
CONSTRUCTION = "Xây dựng và đô thị"
TRANSPORT = "Giao thông vận tải"
ENVIRONMENT = "Tài nguyên và môi trường"
LAND = "Đất đai, giải phóng mặt bằng"
FINANCE = "Tài chính, ngân sách"
INVESTMENT = "Đầu tư công"
INDUSTRY = "Công thương, du lịch"
SOCIAL = "Văn hóa - xã hội"
ICT = "Thông tin - Truyền thông"
ADMIN_REFORM = "Cải cách hành chính"
SECURITY = "Quốc phòng, an ninh"

FIELD_OBJECTS: dict[str, tuple[str, ...]] = {
    AGRICULTURE: (
        "công tác phòng, chống thiên tai và tìm kiếm cứu nạn",
        "Chương trình mục tiêu quốc gia xây dựng nông thôn mới",
        "công tác phòng, chống bệnh dịch tả lợn châu Phi",
        "sửa chữa, nâng cấp hồ chứa nước Núi Ngang",
        "chống khai thác hải sản bất hợp pháp, không báo cáo và không theo quy định (IUU)",
        "Chương trình Mỗi xã một sản phẩm (OCOP)",
        "công tác quản lý, bảo vệ và phát triển rừng",
    ),
    HEALTH: (
        "công tác phòng, chống dịch COVID-19",
        "tiêm chủng vắc xin phòng COVID-19",
        "đầu tư, nâng cấp Bệnh viện Đa khoa tỉnh",
        "cung ứng thuốc, vật tư y tế cho các cơ sở khám bệnh, chữa bệnh",
        "nâng cao chất lượng hoạt động của trạm y tế tuyến xã",
        "bảo đảm an toàn thực phẩm",
    ),
    EDUCATION: (
        "sắp xếp, tổ chức lại mạng lưới trường, lớp học",
        "kiên cố hóa trường, lớp học",
        "tổ chức Kỳ thi tốt nghiệp trung học phổ thông",
        "thực hiện Chương trình giáo dục phổ thông 2018",
        "tuyển dụng giáo viên còn thiếu",
        "xây dựng trường học đạt chuẩn quốc gia",
    ),
    CONSTRUCTION: (
        "điều chỉnh quy hoạch chung đô thị Vạn Tường",
        "quản lý trật tự xây dựng",
        "phát triển nhà ở xã hội",
        "lập quy hoạch phân khu xây dựng",
        "chỉnh trang đô thị và chiếu sáng công cộng",
        "thẩm định thiết kế xây dựng công trình",
    ),
    TRANSPORT: (
        "dự án đường ven biển Dung Quất - Sa Huỳnh",
        "dự án đường cao tốc Bắc - Nam đoạn qua tỉnh",
        "công tác bảo đảm trật tự, an toàn giao thông",
        "khắc phục hư hỏng các tuyến đường tỉnh sau mưa lũ",
        "nâng cấp cảng Sa Kỳ",
        "kiểm soát tải trọng phương tiện",
    ),
    ENVIRONMENT: (
        "xử lý ô nhiễm môi trường tại bãi rác Nghĩa Kỳ",
        "cấp giấy chứng nhận quyền sử dụng đất",
        "quản lý hoạt động khai thác cát, sỏi lòng sông",
        "xử lý nước thải các khu dân cư",
        "ứng phó với biến đổi khí hậu và sạt lở bờ biển",
        "kiểm kê đất đai, lập bản đồ hiện trạng sử dụng đất",
    ),
    LAND: (
        "giải phóng mặt bằng dự án Khu công nghiệp VSIP Quảng Ngãi",
        "giải phóng mặt bằng dự án đường ven biển Dung Quất - Sa Huỳnh",
        "giải phóng mặt bằng dự án nâng cấp, mở rộng Nhà máy Lọc dầu Dung Quất",
        "bồi thường, hỗ trợ, tái định cư",
        "xây dựng khu tái định cư",
        "giải quyết vướng mắc về đất đai",
        "bàn giao mặt bằng sạch cho nhà đầu tư",
    ),
    FINANCE: (
        "thu ngân sách nhà nước",
        "quyết toán vốn đầu tư dự án hoàn thành",
        "sắp xếp lại, xử lý nhà, đất công",
        "thực hành tiết kiệm, chống lãng phí",
        "phân bổ dự toán ngân sách",
    ),
    INVESTMENT: (
        "giải ngân vốn đầu tư công",
        "thu hút đầu tư vào Khu kinh tế Dung Quất",
        "cải thiện chỉ số năng lực cạnh tranh cấp tỉnh (PCI)",
        "hỗ trợ doanh nghiệp, nhà đầu tư",
        "xử lý các dự án chậm tiến độ",
    ),
    INDUSTRY: (
        "phát triển du lịch đảo Lý Sơn",
        "bình ổn thị trường hàng hóa dịp Tết",
        "phát triển cụm công nghiệp",
        "xúc tiến thương mại, tiêu thụ nông sản",
        "chống buôn lậu, gian lận thương mại và hàng giả",
    ),
    SOCIAL: (
        "chính sách hỗ trợ người lao động gặp khó khăn",
        "giảm nghèo bền vững",
        "bảo tồn và phát huy giá trị di tích, văn hóa",
        "chăm lo Tết cho gia đình chính sách, hộ nghèo",
        "giải quyết việc làm, đào tạo nghề cho lao động nông thôn",
    ),
    ICT: (
        "chuyển đổi số và xây dựng chính quyền số",
        "nâng cấp Trung tâm dữ liệu tỉnh",
        "hệ thống truyền thanh cơ sở",
        "bảo đảm an toàn, an ninh mạng",
        "xử lý thông tin sai sự thật trên mạng xã hội",
    ),
    ADMIN_REFORM: (
        "cải cách thủ tục hành chính",
        "cung cấp dịch vụ công trực tuyến mức độ 3, 4",
        "nâng cao chỉ số hài lòng của người dân (SIPAS)",
        "sắp xếp tổ chức bộ máy, tinh giản biên chế",
        "chấn chỉnh kỷ luật, kỷ cương hành chính",
    ),
    SECURITY: (
        "bảo đảm an ninh trật tự dịp lễ, Tết",
        "tuyển chọn và gọi công dân nhập ngũ",
        "phòng, chống tội phạm và tệ nạn xã hội",
        "giải quyết khiếu nại, tố cáo kéo dài",
    ),
}
FIELDS = tuple(FIELD_OBJECTS)
# District and commune units mostly lead local work: land, farming, building, roads.
LOCAL_FIELDS = (LAND, AGRICULTURE, CONSTRUCTION, TRANSPORT, ENVIRONMENT, EDUCATION, SOCIAL)

VERBS = (
    "Rà soát, báo cáo tiến độ",
    "Khẩn trương triển khai",
    "Chủ trì, phối hợp thực hiện",
    "Tham mưu UBND tỉnh ban hành kế hoạch thực hiện",
    "Kiểm tra, xử lý dứt điểm tồn tại trong",
    "Đôn đốc, đẩy nhanh tiến độ",
    "Tổng hợp khó khăn, vướng mắc và đề xuất giải pháp về",
    "Đánh giá kết quả",
    "Xây dựng phương án",
    "Hoàn thiện hồ sơ",
    "Tăng cường công tác kiểm tra",
)
INSTRUCTIONS = (
    "chịu trách nhiệm trước UBND tỉnh nếu để chậm trễ",
    "kịp thời đề xuất UBND tỉnh xử lý những vấn đề vượt thẩm quyền",
    "bảo đảm đúng quy định pháp luật, không để phát sinh khiếu kiện",
    "phân công lãnh đạo trực tiếp chỉ đạo, theo dõi",
    "bảo đảm chất lượng, hiệu quả, tránh hình thức",
)
PROVINCE_PLACES = (
    "trên địa bàn tỉnh",
    "tại Khu kinh tế Dung Quất",
    "tại huyện đảo Lý Sơn",
)

# Departments (sở, ban, ngành) of Quảng Ngãi: code suffix, name, short name, field, head.
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

# District-level units: code suffix, "huyện" / "thị xã" / "thành phố", name, and its
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

DIRECTIVE_KINDS = (  # kind, symbol abbreviation, weight
    (DirectiveKind.CONCLUSION_NOTICE, "TB", 35),
    (DirectiveKind.OFFICIAL_LETTER, "CV", 25),
    (DirectiveKind.MEETING_OPINION, "TB", 10),
    (DirectiveKind.PLAN, "KH", 10),
    (DirectiveKind.DECISION, "QĐ", 10),
    (DirectiveKind.INSTRUCTION, "CT", 10),
)

REPORT_TEXTS = (
    "Đã tổ chức triển khai, giao các phòng chuyên môn thực hiện; đến nay đạt khoảng {p}% khối lượng công việc.",
    "Đã hoàn thành khảo sát, lập hồ sơ; đang phối hợp với các đơn vị liên quan hoàn thiện, đạt khoảng {p}%.",
    "Đã làm việc với các đơn vị phối hợp và địa phương; tiến độ chung đạt khoảng {p}%.",
    "Đang tổng hợp số liệu, dự thảo báo cáo; ước đạt {p}% khối lượng công việc.",
)
DIFFICULTIES = (
    "Kinh phí thực hiện chưa được bố trí kịp thời.",
    "Một số hộ dân chưa đồng thuận với phương án bồi thường.",
    "Mưa kéo dài ảnh hưởng đến tiến độ thi công.",
    "Thiếu nhân lực có chuyên môn phù hợp.",
    "Hồ sơ pháp lý về đất đai chưa đầy đủ.",
    "Đang chờ ý kiến của các bộ, ngành Trung ương.",
)
PROPOSALS = (
    "Đề nghị UBND tỉnh bố trí bổ sung kinh phí thực hiện.",
    "Đề nghị Sở Tài chính sớm thẩm định dự toán.",
    "Đề nghị các sở, ngành liên quan phối hợp chặt chẽ hơn.",
    "Kiến nghị UBND tỉnh chỉ đạo tháo gỡ vướng mắc về thủ tục đầu tư.",
)
EXTENSION_REASONS = (
    "Khối lượng công việc lớn, cần thêm thời gian phối hợp với các đơn vị liên quan.",
    "Đang chờ ý kiến của các bộ, ngành Trung ương.",
    "Vướng mắc trong công tác bồi thường, giải phóng mặt bằng.",
    "Mưa lũ kéo dài ảnh hưởng đến tiến độ thực hiện.",
    "Cần thêm thời gian lấy ý kiến các địa phương trước khi trình UBND tỉnh.",
)


# --- public API --------------------------------------------------------------------------


@dataclass
class DemoSummary:
    """What one ``generate`` call added (units and users already present are not counted)."""

    units: int = 0
    users: int = 0
    directives: int = 0
    tasks: int = 0
    reports: int = 0
    extensions: int = 0

    def __str__(self) -> str:
        return (
            f"{self.tasks} tasks in {self.directives} directives, {self.reports} progress "
            f"reports, {self.extensions} extensions, {self.units} new units, "
            f"{self.users} new users"
        )


def is_loaded(session: Session) -> bool:
    """True if demo data is present (any unit whose code starts with ``DEMO_``)."""
    query = select(Unit.id).where(Unit.code.startswith(CODE_PREFIX, autoescape=True)).limit(1)
    return session.scalar(query) is not None


def generate(
    session: Session,
    *,
    tasks: int = 2000,
    units: int = 40,
    seed: int = 2021,
    today: date,
    progress: Callable[[int], None] | None = None,
) -> DemoSummary:
    """Add ``tasks`` tasks spread over ``units`` units (one of them the demo Office) and
    the directives, people, reports and extensions that go with them. Does not commit."""
    if tasks < 0 or units < 2:
        raise ValueError("need tasks >= 0 and units >= 2 (the Office and one other)")
    rng = random.Random(seed)
    summary = DemoSummary()
    clock = _Clock(today, rng)

    unit_specs = _unit_specs(units - 1)
    unit_ids, summary.units = _insert_units(session, [OFFICE, *unit_specs], clock)
    people, summary.users = _insert_people(session, rng, unit_specs, unit_ids, clock)

    writer = _BatchWriter(session, progress)
    builder = _WorkloadBuilder(
        rng=rng,
        seed=seed,
        clock=clock,
        calendar=load_calendar(session),
        people=people,
        units=[
            _DemoUnit(spec, unit_ids[spec.code], people.heads[spec.code], people.staff[spec.code])
            for spec in unit_specs
        ],
        ids=_Ids(session),
        writer=writer,
    )
    remaining = tasks
    while remaining:
        remaining -= builder.directive(min(remaining, rng.randint(1, 15)))
        if writer.pending_tasks >= BATCH_TASKS:
            writer.flush()
    writer.flush()
    _advance_sequences(session, [Unit.__table__, User.__table__, *_BatchWriter.ORDER])

    summary.directives = builder.counts["directives"]
    summary.tasks = builder.counts["tasks"]
    summary.reports = builder.counts["reports"]
    summary.extensions = builder.counts["extensions"]
    return summary


# --- time --------------------------------------------------------------------------------


class _Clock:
    """Local dates relative to ``today`` and aware UTC moments on them."""

    def __init__(self, today: date, rng: random.Random):
        self.today = today
        self.rng = rng
        self.zone = local_zone()
        # Moments on today (or later) are put at local midnight: never in the future when
        # ``today`` is the real local date, whatever time the generator runs.
        self.start_of_today = datetime.combine(today, time(), self.zone).astimezone(UTC)

    def moment(self, day: date) -> datetime:
        """A moment in office hours (07:30-17:00 local) of ``day``, as aware UTC."""
        if day >= self.today:
            return self.start_of_today
        local = datetime.combine(day, time(7, 30), self.zone)
        return (local + timedelta(minutes=self.rng.randrange(570))).astimezone(UTC)


def _next_working_day(day: date, calendar: WorkingCalendar) -> date:
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    return day


def _previous_working_day(day: date, calendar: WorkingCalendar) -> date:
    while not calendar.is_working_day(day):
        day -= timedelta(days=1)
    return day


def _vn(day: date) -> str:
    return day.strftime("%d/%m/%Y")


# --- units and people --------------------------------------------------------------------


@dataclass(frozen=True)
class _UnitSpec:
    suffix: str  # the code after DEMO_
    name: str
    short_name: str
    kind: str
    field: str | None  # the field a department mostly works in
    place: str | None  # "tại xã ..., huyện ..." for local units
    head_position: str
    staff_position: str

    @property
    def code(self) -> str:
        return CODE_PREFIX + self.suffix


# The demo Office: its people monitor the tasks; it leads none.
OFFICE = _UnitSpec(
    suffix="VP",
    name="Văn phòng UBND tỉnh (demo)",
    short_name="VP UBND tỉnh (demo)",
    kind=UnitKind.OFFICE,
    field=None,
    place=None,
    head_position="Chánh Văn phòng UBND tỉnh",
    staff_position="Chuyên viên Văn phòng UBND tỉnh",
)


def _unit_specs(count: int) -> list[_UnitSpec]:
    """``count`` units: departments first, then districts, then communes (numbered once
    the real names run out). Fixed by ``count`` alone, so a code always means the same unit."""
    n_departments = min(len(DEPARTMENTS), math.ceil(count * 0.45))
    n_districts = min(len(DISTRICTS), math.ceil(count * 0.2), count - n_departments)
    n_communes = count - n_departments - n_districts

    specs = [
        _UnitSpec(
            suffix, name, short, UnitKind.DEPARTMENT, field_, None, head, f"Chuyên viên {short}"
        )
        for suffix, name, short, field_, head in DEPARTMENTS[:n_departments]
    ]
    for suffix, level, name, _ in DISTRICTS[:n_districts]:
        short = f"UBND {level} {name}"
        specs.append(
            _UnitSpec(
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
            _UnitSpec(
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


def _insert_units(
    session: Session, specs: Sequence[_UnitSpec], clock: _Clock
) -> tuple[dict[str, int], int]:
    """Insert the units not yet present; return {code: id} for all of them and the number added."""
    existing = dict(
        session.execute(
            select(Unit.code, Unit.id).where(Unit.code.startswith(CODE_PREFIX, autoescape=True))
        ).all()
    )
    next_id = _Ids(session).first(Unit.__table__)
    created_at = clock.moment(clock.today - timedelta(days=HISTORY_DAYS + 30))
    rows = []
    ids = {}
    for spec in specs:
        if spec.code in existing:
            ids[spec.code] = existing[spec.code]
            continue
        ids[spec.code] = next_id
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
            }
        )
        next_id += 1
    if rows:
        session.execute(insert(Unit.__table__), rows)
    return ids, len(rows)


@dataclass
class _Person:
    id: int
    name: str
    position: str | None

    @property
    def title(self) -> str:  # "Phó Chủ tịch UBND tỉnh Nguyễn Văn A"
        return f"{self.position} {self.name}" if self.position else self.name


@dataclass
class _People:
    leaders: list[_Person] = field(default_factory=list)  # the Chairman first
    office: list[_Person] = field(default_factory=list)
    heads: dict[str, _Person] = field(default_factory=dict)  # by unit code
    staff: dict[str, _Person] = field(default_factory=dict)


def _person_name(rng: random.Random) -> str:
    if rng.random() < 0.35:
        return f"{rng.choice(SURNAMES)} {rng.choice(FEMALE_MIDDLES)} {rng.choice(FEMALE_GIVEN)}"
    return f"{rng.choice(SURNAMES)} {rng.choice(MALE_MIDDLES)} {rng.choice(MALE_GIVEN)}"


def _insert_people(
    session: Session,
    rng: random.Random,
    unit_specs: Sequence[_UnitSpec],
    unit_ids: dict[str, int],
    clock: _Clock,
) -> tuple[_People, int]:
    """Leaders, Office specialists and one head and one staff member per unit, without
    passwords (they cannot sign in). Addresses already present are reused as they are
    (with their stored name and position, which directives copy as the signer's)."""
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
        email: _Person(user_id, name, position)
        for email, user_id, name, position in session.execute(
            select(User.email, User.id, User.name, User.position).where(
                User.email.endswith("@" + EMAIL_DOMAIN, autoescape=True)
            )
        )
    }
    next_id = _Ids(session).first(User.__table__)
    created_at = clock.moment(clock.today - timedelta(days=HISTORY_DAYS + 30))
    people = _People()
    rows = []
    for email, name, position, role, unit_code in wanted:
        person = existing.get(email)
        if person is None:
            person = _Person(next_id, name, position)
            next_id += 1
            rows.append(
                {
                    "id": person.id,
                    "email": email,
                    "name": name,
                    "position": position,
                    "role": str(role),
                    "unit_id": unit_ids[unit_code] if unit_code else None,
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


# --- ids and batched writes --------------------------------------------------------------


class _Ids:
    """Hands out explicit primary keys, continuing after each table's current maximum."""

    def __init__(self, session: Session):
        self.session = session
        self.next: dict[str, int] = {}

    def first(self, table: Table) -> int:
        return (self.session.scalar(select(func.max(table.c.id))) or 0) + 1

    def take(self, table: Table) -> int:
        if table.name not in self.next:
            self.next[table.name] = self.first(table)
        value = self.next[table.name]
        self.next[table.name] = value + 1
        return value


class _BatchWriter:
    """Collects rows per table and writes them with one executemany per table, parents
    before children so foreign keys hold at every statement."""

    ORDER: tuple[Table, ...] = (
        Directive.__table__,
        Task.__table__,
        task_coordinating_unit,
        ProgressReport.__table__,
        ExtensionRequest.__table__,
        DueDateChange.__table__,
        TaskStateChange.__table__,
    )

    def __init__(self, session: Session, progress: Callable[[int], None] | None):
        self.session = session
        self.progress = progress
        self.rows: dict[Table, list[dict[str, Any]]] = {table: [] for table in self.ORDER}
        self.pending_tasks = 0

    def add(self, table: Table, row: dict[str, Any]) -> None:
        self.rows[table].append(row)
        if table is Task.__table__:
            self.pending_tasks += 1

    def flush(self) -> None:
        for table in self.ORDER:
            if self.rows[table]:
                self.session.execute(insert(table), self.rows[table])
                self.rows[table] = []
        if self.progress and self.pending_tasks:
            self.progress(self.pending_tasks)
        self.pending_tasks = 0


def _advance_sequences(session: Session, tables: Sequence[Table]) -> None:
    """PostgreSQL: move each id sequence past the ids given explicitly here, or the next
    ORM insert (e.g. the CLI's sign-in accounts) would collide. SQLite needs nothing."""
    if session.connection().dialect.name != "postgresql":
        return
    quote = session.connection().dialect.identifier_preparer.quote
    for table in tables:
        if "id" not in table.c:  # the association table has no sequence
            continue
        top = session.scalar(select(func.max(table.c.id)))
        if top is None:
            continue
        # GREATEST: never move a sequence backwards past values another session took.
        session.execute(
            text(
                "SELECT setval(pg_get_serial_sequence(:t, 'id'), "
                "GREATEST(:top, nextval(pg_get_serial_sequence(:t, 'id'))))"
            ),
            {"t": quote(table.name), "top": top},
        )


# --- directives and tasks ----------------------------------------------------------------


@dataclass(frozen=True)
class _DemoUnit:
    spec: _UnitSpec
    id: int
    head: _Person
    staff: _Person


@dataclass
class _Extension:
    requested_on: date
    decided_on: date
    old_due: date
    new_due: date


@lru_cache(maxsize=65536)
def _folded(fragment: str) -> str:
    return fold(fragment)


class _WorkloadBuilder:
    """Turns the random stream into directive, task, report and extension rows."""

    def __init__(
        self,
        *,
        rng: random.Random,
        seed: int,
        clock: _Clock,
        calendar: WorkingCalendar,
        people: _People,
        units: list[_DemoUnit],
        ids: _Ids,
        writer: _BatchWriter,
    ):
        self.rng = rng
        self.seed = seed
        self.clock = clock
        self.today = clock.today
        self.calendar = calendar
        self.people = people
        self.units = units
        self.ids = ids
        self.writer = writer
        self.counts = {"directives": 0, "tasks": 0, "reports": 0, "extensions": 0}
        self.unit_weights = _unit_weights(units)
        self.kind_weights = list(accumulate(w for _, _, w in DIRECTIVE_KINDS))
        self.district_places = [f"tại {level} {name}" for _, level, name, _ in DISTRICTS]

    # -- directive --

    def directive(self, task_count: int) -> int:
        """Add one directive with ``task_count`` tasks; return ``task_count``."""
        rng = self.rng
        directive_id = self.ids.take(Directive.__table__)
        kind, abbreviation, _ = rng.choices(DIRECTIVE_KINDS, cum_weights=self.kind_weights)[0]
        # Skewed towards recent months, so that about a fifth of the tasks are not yet due,
        # as in a province's published statistics (uniform dates would leave ~10%).
        age = int(HISTORY_DAYS * rng.random() ** 1.4)
        issued_on = _previous_working_day(self.today - timedelta(days=age), self.calendar)
        signer = (
            self.people.leaders[0] if rng.random() < 0.2 else rng.choice(self.people.leaders[1:])
        )
        monitor = rng.choice(self.people.office)
        main_field = rng.choice(FIELDS)
        topic = rng.choice(FIELD_OBJECTS[main_field])
        origin = OriginLevel.CENTRAL if rng.random() < 0.1 else OriginLevel.PROVINCIAL
        meeting = kind in (DirectiveKind.CONCLUSION_NOTICE, DirectiveKind.MEETING_OPINION)
        meeting_title = f"Cuộc họp nghe báo cáo tình hình {topic}" if meeting else None
        self.writer.add(
            Directive.__table__,
            {
                "id": directive_id,
                "symbol": f"{directive_id}/{abbreviation}-UBND-DEMO{self.seed}",
                "kind": str(kind),
                "issued_on": issued_on,
                "signer_id": signer.id,
                "signer_name": signer.name,
                "signer_position": signer.position,
                "issuing_body": ISSUING_BODY,
                "summary": self._summary(kind, origin, signer, topic, issued_on),
                "meeting_title": meeting_title,
                "meeting_on": issued_on - timedelta(days=rng.randint(1, 7)) if meeting else None,
                "meeting_chair": signer.title if meeting else None,
                "origin_level": str(origin),
                "external_id": None,
                "source_url": None,
                "created_at": self.clock.moment(issued_on),
                "created_by_id": monitor.id,
                "version": 1,
            },
        )
        self.counts["directives"] += 1
        for item_no in range(1, task_count + 1):
            self._task(directive_id, item_no, issued_on, signer, monitor, main_field)
        return task_count

    def _summary(self, kind: str, origin: str, signer: _Person, topic: str, issued_on: date) -> str:
        if origin == OriginLevel.CENTRAL:
            return f"Triển khai thực hiện chỉ đạo của Thủ tướng Chính phủ về {topic}"
        by = signer.title
        return {
            DirectiveKind.CONCLUSION_NOTICE: f"Thông báo kết luận của {by} tại cuộc họp nghe báo cáo tình hình {topic}",
            DirectiveKind.MEETING_OPINION: f"Ý kiến chỉ đạo của {by} tại cuộc họp về {topic}",
            DirectiveKind.OFFICIAL_LETTER: f"Về việc triển khai {topic}",
            DirectiveKind.DECISION: f"Quyết định ban hành Kế hoạch thực hiện {topic} năm {issued_on.year}",
            DirectiveKind.INSTRUCTION: f"Chỉ thị về tăng cường {topic}",
            DirectiveKind.PLAN: f"Kế hoạch triển khai {topic} năm {issued_on.year}",
        }[kind]

    # -- task --

    def _task(
        self,
        directive_id: int,
        item_no: int,
        issued_on: date,
        signer: _Person,
        monitor: _Person,
        main_field: str,
    ) -> None:
        rng = self.rng
        task_id = self.ids.take(Task.__table__)
        lead = rng.choices(self.units, cum_weights=self.unit_weights)[0]
        coordinators = self._coordinators(lead)
        field_ = self._field(lead, main_field)
        assigned_by = signer if rng.random() < 0.8 else rng.choice(self.people.leaders)

        assigned_on = min(issued_on + timedelta(days=rng.choice((0, 0, 0, 1, 2, 3))), self.today)
        original_due = None
        if rng.random() >= 0.08:  # ~8% have no deadline
            days = rng.randint(10, 120)
            original_due = _next_working_day(assigned_on + timedelta(days=days), self.calendar)
        extensions = self._extensions(assigned_on, original_due) if original_due else []
        current_due = extensions[-1].new_due if extensions else original_due

        title, content, search_text = self._text(lead, coordinators, field_, current_due)
        outcome = self._outcome(assigned_on, current_due)
        reports = self._reports(task_id, lead, assigned_on, outcome)
        if outcome.state in (TaskState.IN_PROGRESS, TaskState.PAUSED, TaskState.WITHDRAWN):
            # The recorded progress is what the last report said.
            outcome.progress = reports[-1]["progress"] if reports else 0

        created_at = self.clock.moment(assigned_on)
        last_day = max(
            [assigned_on]
            + [r["reported_on"] for r in reports]
            + [d for d in (outcome.submitted_on, outcome.confirmed_on) if d]
            + [e.decided_on for e in extensions]
        )
        doc_number = (
            f"{rng.randint(100, 3999)}/{lead.spec.suffix}-VP" if outcome.submitted_on else None
        )
        task_row = {
                "id": task_id,
                "directive_id": directive_id,
                "item_no": item_no,
                "title": title,
                "content": content,
                "search_text": search_text,
                "field": field_,
                "lead_unit_id": lead.id,
                "focal_person_id": lead.staff.id,
                "assigned_by_id": assigned_by.id,
                "monitor_id": monitor.id,
                "is_priority": rng.random() < 0.15,
                "is_urgent": rng.random() < 0.05,
                "assigned_on": assigned_on,
                "start_on": assigned_on,
                "original_due_on": original_due,
                "current_due_on": current_due,
                "recurrence": None,
                "state": str(outcome.state),
                "progress": outcome.progress,
                "last_report_on": reports[-1]["reported_on"] if reports else None,
                "result_text": (
                    f"Đã hoàn thành nhiệm vụ, báo cáo UBND tỉnh tại Văn bản số {doc_number} "
                    f"ngày {_vn(outcome.submitted_on)}."
                    if doc_number
                    else None
                ),
                "result_doc_number": doc_number,
                "result_doc_on": outcome.submitted_on,
                "result_file": None,
                "submitted_on": outcome.submitted_on,
                "completed_on": outcome.completed_on,
                "confirmed_by_id": monitor.id if outcome.confirmed_on else None,
                "confirmed_at": self.clock.moment(outcome.confirmed_on)
                if outcome.confirmed_on
                else None,
                "confirmed_on": outcome.confirmed_on,
                "confirmation_remark": None,
                "withdrawn_on": last_day if outcome.state == TaskState.WITHDRAWN else None,
                "extension_count": len(extensions),
                "return_count": outcome.return_count,
                "created_at": created_at,
                "updated_at": max(created_at, self.clock.moment(last_day)),
                "version": 1,
        }  # fmt: skip
        self.writer.add(Task.__table__, task_row)
        self._write_states(task_row, monitor.id)
        for unit in coordinators:
            self.writer.add(task_coordinating_unit, {"task_id": task_id, "unit_id": unit.id})
        for report in reports:
            self.writer.add(ProgressReport.__table__, report)
        self._write_extensions(task_id, lead, assigned_by, monitor, extensions)
        self.counts["tasks"] += 1
        self.counts["reports"] += len(reports)
        self.counts["extensions"] += len(extensions)

    def _coordinators(self, lead: _DemoUnit) -> list[_DemoUnit]:
        """0-3 other units, drawn with the same weights as lead units (a draw may repeat a
        unit or hit the lead, so a few more are drawn than needed)."""
        wanted = self.rng.choices((0, 1, 2, 3), weights=(35, 30, 20, 15))[0]
        if not wanted:
            return []
        drawn = self.rng.choices(self.units, cum_weights=self.unit_weights, k=wanted + 3)
        unique = {unit.id: unit for unit in drawn if unit is not lead}
        return list(unique.values())[:wanted]

    def _field(self, lead: _DemoUnit, main_field: str) -> str:
        roll = self.rng.random()
        if lead.spec.field and roll < 0.8:
            return lead.spec.field
        if lead.spec.field is None and roll < 0.6:
            return self.rng.choice(LOCAL_FIELDS)
        return main_field

    def _text(
        self, lead: _DemoUnit, coordinators: list[_DemoUnit], field_: str, due: date | None
    ) -> tuple[str, str, str]:
        """Title, content and the folded search text, from template fragments.

        The search text is the fragments folded one by one (cached: they repeat a lot) and
        joined with spaces, which equals ``fold(title + " " + content)`` — what
        ``Task.refresh_search_text`` stores — at a fraction of the cost.
        """
        rng = self.rng
        verb = rng.choice(VERBS)
        obj = rng.choice(FIELD_OBJECTS[field_])
        place = lead.spec.place or (
            rng.choice(PROVINCE_PLACES) if rng.random() < 0.5 else rng.choice(self.district_places)
        )
        with_whom = (
            ", ".join(u.spec.short_name for u in coordinators) or "các cơ quan, đơn vị liên quan"
        )
        deadline = (
            f"Báo cáo kết quả về UBND tỉnh (qua Văn phòng UBND tỉnh) trước ngày {_vn(due)}."
            if due
            else "Định kỳ hằng quý báo cáo kết quả về UBND tỉnh."
        )
        title_parts = (verb, obj, place)
        content_parts = (
            f"{lead.spec.short_name} chủ trì, phối hợp với {with_whom}",
            verb[0].lower() + verb[1:],
            obj,
            f"{place};",
            f"{rng.choice(INSTRUCTIONS)}.",
            deadline,
        )
        search_text = " ".join(_folded(part) for part in (*title_parts, *content_parts))
        return " ".join(title_parts), " ".join(content_parts), search_text

    def _extensions(self, assigned_on: date, original_due: date) -> list[_Extension]:
        """About 10% of tasks had their due date moved once or twice, each time at the unit's
        request (3-10 days before the due date then in force), approved before that date.
        14% are tried because a recent task's request may not fit before today."""
        rng = self.rng
        if rng.random() >= 0.14:
            return []
        extensions: list[_Extension] = []
        due = original_due
        for _ in range(1 if rng.random() < 0.75 else 2):
            first = max(assigned_on + timedelta(days=1), due - timedelta(days=10))
            last = min(due - timedelta(days=3), self.today - timedelta(days=1))
            if first > last:
                break
            requested_on = first + timedelta(days=rng.randint(0, (last - first).days))
            decided_on = min(requested_on + timedelta(days=rng.randint(1, 3)), due, self.today)
            new_due = _next_working_day(due + timedelta(days=rng.randint(15, 60)), self.calendar)
            extensions.append(_Extension(requested_on, decided_on, due, new_due))
            due = new_due
        return extensions

    def _write_states(self, task: dict[str, Any], monitor_id: int) -> None:
        """The dated state history the outcome implies (the same rows migration 0011
        backfills from a task's dates): submitted, confirmed, withdrawn, paused."""

        def add(day: date, old: str, new: str, action: str, actor=None, at=None) -> None:
            self.writer.add(
                TaskStateChange.__table__,
                {
                    "id": self.ids.take(TaskStateChange.__table__),
                    "task_id": task["id"],
                    "changed_at": at
                    or datetime.combine(day, time(12), local_zone()).astimezone(UTC),
                    "effective_on": day,
                    "old_state": old,
                    "new_state": new,
                    "action": action,
                    "actor_id": actor,
                },
            )

        state, submitted = task["state"], task["submitted_on"]
        if state in (TaskState.AWAITING_CONFIRMATION, TaskState.COMPLETED) and submitted:
            add(submitted, TaskState.IN_PROGRESS, TaskState.AWAITING_CONFIRMATION, "submit")
            if state == TaskState.COMPLETED:
                add(task["confirmed_on"] or submitted, TaskState.AWAITING_CONFIRMATION,
                    TaskState.COMPLETED, "confirm", monitor_id, task["confirmed_at"])  # fmt: skip
        elif state == TaskState.WITHDRAWN and task["withdrawn_on"]:
            add(task["withdrawn_on"], TaskState.IN_PROGRESS, TaskState.WITHDRAWN, "withdraw")
        elif state == TaskState.PAUSED:
            paused_on = task["updated_at"].astimezone(local_zone()).date()
            add(paused_on, TaskState.IN_PROGRESS, TaskState.PAUSED, "pause")

    def _write_extensions(
        self,
        task_id: int,
        lead: _DemoUnit,
        assigned_by: _Person,
        monitor: _Person,
        extensions: list[_Extension],
    ) -> None:
        rng = self.rng
        for ext in extensions:
            request_id = self.ids.take(ExtensionRequest.__table__)
            decider = assigned_by if rng.random() < 0.8 else monitor  # or the Office on delegation
            decided_at = self.clock.moment(ext.decided_on)
            self.writer.add(
                ExtensionRequest.__table__,
                {
                    "id": request_id,
                    "task_id": task_id,
                    "requested_by_id": lead.head.id,
                    "requested_at": self.clock.moment(ext.requested_on),
                    "due_on_before": ext.old_due,
                    "proposed_due_on": ext.new_due,
                    "reason": rng.choice(EXTENSION_REASONS),
                    "letter_number": f"{rng.randint(100, 3999)}/{lead.spec.suffix}-VP",
                    "status": str(ExtensionStatus.APPROVED),
                    "decided_by_id": decider.id,
                    "decided_at": decided_at,
                    "approved_due_on": ext.new_due,
                    "decision_note": f"Đồng ý gia hạn đến ngày {_vn(ext.new_due)}.",
                },
            )
            self.writer.add(
                DueDateChange.__table__,
                {
                    "id": self.ids.take(DueDateChange.__table__),
                    "task_id": task_id,
                    "changed_at": decided_at,
                    "effective_on": ext.decided_on,
                    "old_due_on": ext.old_due,
                    "new_due_on": ext.new_due,
                    "extension_request_id": request_id,
                    "actor_id": decider.id,
                },
            )

    # -- workflow state --

    def _outcome(self, assigned_on: date, due: date | None) -> _Outcome:
        """Where the task stands today. Tasks long past their due date are mostly done;
        tasks not yet due are mostly under way. The probabilities are tuned so that the
        time-status mix looks like a province's published statistics: about half done
        (mostly on time), 10-20% overdue, the rest in time or due soon."""
        rng = self.rng
        today = self.today
        roll = rng.random()
        if roll < 0.01:
            return _Outcome(TaskState.WITHDRAWN)
        if roll < 0.02:
            return _Outcome(TaskState.PAUSED)
        roll = rng.random()
        age = (today - assigned_on).days
        if due is None:  # no deadline: done in proportion to its age
            if age > 7 and roll < min(0.6, age / 365):
                return self._completed(assigned_on, assigned_on + timedelta(days=age))
            return _Outcome(TaskState.IN_PROGRESS if age > 3 else TaskState.ASSIGNED)
        if due < today:
            late_by = (today - due).days
            p_done = 0.82 if late_by > 60 else 0.7 if late_by > 14 else 0.5
            if roll < p_done:
                if rng.random() < 0.3:  # done after the due date
                    done = due + timedelta(days=1 + int(min(late_by - 1, 60) * rng.random() ** 2))
                    return self._completed(assigned_on, done, earliest=done)
                return self._completed(assigned_on, due)
            if roll < p_done + 0.05:
                return self._submitted(assigned_on)
            return _Outcome(TaskState.ASSIGNED if rng.random() < 0.1 else TaskState.IN_PROGRESS)
        # Not yet due: done early in proportion to the time elapsed.
        elapsed = age / max(1, (due - assigned_on).days)
        if age > 3 and roll < 0.3 * elapsed:
            return self._completed(assigned_on, today)
        if age > 1 and roll < 0.38 * elapsed:
            return self._submitted(assigned_on)
        if elapsed < 0.25 and roll > 0.5:
            return _Outcome(TaskState.ASSIGNED)
        return _Outcome(TaskState.IN_PROGRESS)

    def _completed(self, assigned_on: date, latest: date, earliest: date | None = None) -> _Outcome:
        """Completed on a day in [earliest, latest] (by default in the second half of the
        time since assignment), confirmed by the Office one or two days later."""
        rng = self.rng
        if earliest is None:
            span = (latest - assigned_on).days
            earliest = assigned_on + timedelta(days=max(1, span // 2))
        # At the latest yesterday: a result submitted today cannot be confirmed yet.
        latest = min(latest, self.today - timedelta(days=1))
        earliest = min(earliest, latest)
        done = earliest + timedelta(days=rng.randint(0, (latest - earliest).days))
        confirmed = min(done + timedelta(days=rng.randint(1, 2)), self.today)
        returned = 1 if rng.random() < 0.04 else 0
        return _Outcome(
            TaskState.COMPLETED,
            progress=100,
            submitted_on=done,
            completed_on=done,
            confirmed_on=confirmed,
            return_count=returned,
        )

    def _submitted(self, assigned_on: date) -> _Outcome:
        """Submitted in the last week, waiting for the Office to confirm (one in ten
        was returned once before)."""
        submitted = max(assigned_on, self.today - timedelta(days=self.rng.randint(0, 7)))
        returned = 1 if self.rng.random() < 0.1 else 0
        return _Outcome(
            TaskState.AWAITING_CONFIRMATION,
            progress=100,
            submitted_on=submitted,
            return_count=returned,
        )

    # -- progress reports --

    def _reports(
        self, task_id: int, lead: _DemoUnit, assigned_on: date, outcome: _Outcome
    ) -> list[dict[str, Any]]:
        """0-3 reports of increasing progress between assignment and the submission (or
        today), by the unit's focal person."""
        rng = self.rng
        if outcome.state == TaskState.ASSIGNED:
            return []
        wanted = rng.choices((0, 1, 2, 3), weights=(15, 30, 30, 25))[0]
        end = outcome.submitted_on or self.today
        span = (end - assigned_on).days  # report days: assigned_on + 1 .. end
        count = min(wanted, span)
        if count <= 0:
            return []
        days = sorted(rng.sample(range(1, span + 1), count))
        values = sorted(rng.sample(range(10, 100, 5), count))
        reports = []
        for offset, value in zip(days, values, strict=True):
            reported_on = assigned_on + timedelta(days=offset)
            reports.append(
                {
                    "id": self.ids.take(ProgressReport.__table__),
                    "task_id": task_id,
                    "reported_on": reported_on,
                    "progress": value,
                    "text": rng.choice(REPORT_TEXTS).format(p=value),
                    "difficulties": rng.choice(DIFFICULTIES) if rng.random() < 0.3 else None,
                    "proposals": rng.choice(PROPOSALS) if rng.random() < 0.2 else None,
                    "file_path": None,
                    "author_id": lead.staff.id,
                    "created_at": self.clock.moment(reported_on),
                }
            )
        return reports


@dataclass
class _Outcome:
    state: TaskState
    progress: int = 0
    submitted_on: date | None = None
    completed_on: date | None = None
    confirmed_on: date | None = None
    return_count: int = 0


# The share of tasks each kind of unit leads, whatever the number of units of that kind:
# the province assigns most work to departments and districts, little directly to communes.
LEAD_SHARE = {UnitKind.DEPARTMENT: 0.6, UnitKind.DISTRICT: 0.3, UnitKind.COMMUNE: 0.1}


def _unit_weights(units: Sequence[_DemoUnit]) -> list[float]:
    """Cumulative weights for ``random.choices``: each kind's share split evenly among
    its units."""
    per_kind = Counter(unit.spec.kind for unit in units)
    weights = [LEAD_SHARE[unit.spec.kind] / per_kind[unit.spec.kind] for unit in units]
    return list(accumulate(weights))


# --- the demo sign-in accounts get work of their own ------------------------------------


def give_work_to(
    session: Session, *, leader_id: int, office_id: int, today: date, pending_requests: int = 5
) -> int:
    """Make the demo leader the assigning leader of every fifth demo task and the demo
    Office specialist the monitor of every fourth, and file a few pending extension
    requests on the leader's open tasks, so those sign-ins have something to do.
    Returns the number of pending requests filed."""
    demo_unit_ids = select(Unit.id).where(Unit.code.startswith(CODE_PREFIX, autoescape=True))
    demo_tasks = Task.lead_unit_id.in_(demo_unit_ids)
    session.execute(
        Task.__table__.update().where(demo_tasks, Task.id % 5 == 0).values(assigned_by_id=leader_id)
    )
    session.execute(
        Task.__table__.update().where(demo_tasks, Task.id % 4 == 0).values(monitor_id=office_id)
    )
    open_tasks = session.execute(
        select(Task.id, Task.current_due_on, Task.lead_unit_id)
        .where(
            demo_tasks,
            Task.assigned_by_id == leader_id,
            Task.state.in_([TaskState.ASSIGNED.value, TaskState.IN_PROGRESS.value]),
            Task.current_due_on >= today + timedelta(days=14),
        )
        .order_by(Task.current_due_on, Task.id)
        .limit(pending_requests)
    ).all()
    now = datetime.now(UTC)
    for task_id, due_on, unit_id in open_tasks:
        requester = session.scalar(
            select(User.id).where(User.unit_id == unit_id).order_by(User.id).limit(1)
        )
        session.add(
            ExtensionRequest(
                task_id=task_id,
                requested_by_id=requester,
                requested_at=now,
                due_on_before=due_on,
                proposed_due_on=due_on + timedelta(days=30),
                reason="Cần thêm thời gian hoàn thiện hồ sơ, lấy ý kiến các đơn vị phối hợp.",
                letter_number=f"{100 + task_id % 900}/ĐN-GH",
                status=ExtensionStatus.PENDING.value,
            )
        )
    session.flush()
    return len(open_tasks)
