"""A task's field (lĩnh vực) when its words make it evident, and its flags.

khẩn trương / gấp / khẩn -> urgent; trọng tâm / ưu tiên -> priority (issue 13, item 1).
"""

from __future__ import annotations

import re

from .textutil import fold_same_length

_URGENT = re.compile(
    r"(?<![a-z])(?:khan truong|gap rut|gap|khan|hoa toc|ngay lap tuc|cap bach)(?![a-z])"
)
_PRIORITY = re.compile(r"(?<![a-z])(?:trong tam|uu tien)(?![a-z])")

# (field, words) — the field with most words present wins; none present: no field.
FIELDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "Thông tin - Truyền thông",
        (
            "truyen thong",
            "bao chi",
            "truyen thanh",
            "tin gia",
            "an ninh mang",
            "vien thong",
            "buu chinh",
            "mang xa hoi",
            "tuyen truyen",
        ),
    ),
    (
        "Chuyển đổi số",
        (
            "chuyen doi so",
            "chinh phu dien tu",
            "so hoa",
            "phan mem",
            "cong nghe thong tin",
            "du lieu",
            "thanh pho thong minh",
        ),
    ),
    (
        "Cải cách hành chính",
        ("cai cach hanh chinh", "thu tuc hanh chinh", "mot cua", "dich vu cong"),
    ),
    (
        "Tài nguyên - Môi trường",
        ("dat dai", "moi truong", "khoang san", "tai nguyen", "rac thai", "cat, soi", "cat soi"),
    ),
    (
        "Đầu tư - Xây dựng",
        (
            "dau tu cong",
            "giai ngan",
            "du an",
            "giai phong mat bang",
            "xay dung",
            "quy hoach",
            "do thi",
            "nha o",
        ),
    ),
    ("Tài chính - Ngân sách", ("ngan sach", "thu ngan sach", "tai chinh", "du toan", "thue")),
    (
        "Nông nghiệp",
        ("nong nghiep", "thuy loi", "chan nuoi", "trong trot", "thuy san", "nong thon moi"),
    ),
    ("Y tế", ("y te", "dich benh", "covid", "benh vien", "tiem chung")),
    ("Giáo dục - Đào tạo", ("giao duc", "truong hoc", "hoc sinh", "dao tao")),
    ("Giao thông", ("giao thong", "quoc lo", "duong bo", "cau duong")),
    ("Văn hóa - Du lịch", ("van hoa", "du lich", "le hoi", "the thao", "di tich")),
    ("Tiếp dân - Khiếu nại", ("khieu nai", "to cao", "tiep cong dan", "don thu", "tra loi don")),
    ("Tổ chức - Nội vụ", ("to chuc bo may", "bien che", "can bo", "thi dua", "bau cu", "ton giao")),
    ("Quốc phòng - An ninh", ("quoc phong", "an ninh", "trat tu", "phong chay")),
)


def flags(text: str) -> tuple[bool, bool]:
    """(urgent, priority) of an instruction."""
    folded = fold_same_length(text)
    return bool(_URGENT.search(folded)), bool(_PRIORITY.search(folded))


def field_of(text: str) -> str | None:
    folded = fold_same_length(text)
    best, best_hits = None, 0
    for name, words in FIELDS:
        hits = sum(folded.count(w) for w in words)
        if hits > best_hits:
            best, best_hits = name, hits
    return best
