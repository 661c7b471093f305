"""Unit matching against the catalogue, and the directive header (issue 13, items 1–2)."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.intake import Catalogue, CatalogueUnit, read_notice
from tracker.intake.addressees import find_units
from tracker.intake.header import kind_from_symbol, read_header

UNITS = [
    ("STTTT", "Sở Thông tin và Truyền thông tỉnh Quảng Ngãi", "Sở TT&TT"),
    ("SNN", "Sở Nông nghiệp và Phát triển nông thôn tỉnh Quảng Ngãi", None),
    ("STNMT", "Sở Tài nguyên và Môi trường tỉnh Quảng Ngãi", None),
    ("SVH", "Sở Văn hóa, Thể thao và Du lịch tỉnh Quảng Ngãi", None),
    ("SLD", "Sở Lao động - Thương binh và Xã hội tỉnh Quảng Ngãi", None),
    ("SKHDT", "Sở Kế hoạch và Đầu tư tỉnh Quảng Ngãi", None),
    ("SGTVT", "Sở Giao thông vận tải tỉnh Quảng Ngãi", None),
    ("LYSON", "UBND huyện Lý Sơn", None),
    ("BINHSON", "UBND huyện Bình Sơn", None),
    ("TPQN", "UBND thành phố Quảng Ngãi", None),
    ("BQL", "Ban Quản lý Khu kinh tế Dung Quất và các Khu công nghiệp Quảng Ngãi", None),
    ("TTPVHCC", "Trung tâm Phục vụ hành chính công tỉnh Quảng Ngãi", None),
]
CATALOGUE = Catalogue.of(UNITS)


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("Sở Thông tin và Truyền thông", "STTTT"),
        ("Sở TT&TT", "STTTT"),
        ("Sở TTTT", "STTTT"),
        ("STTTT", "STTTT"),
        ("sở thông tin va truyen thong", "STTTT"),  # diacritics and case do not matter
        ("Sở NN&PTNT", "SNN"),
        ("Sở NNPTNT", "SNN"),
        ("Sở Nông nghiệp và PTNT", "SNN"),  # half-abbreviated
        ("Sở TN&MT", "STNMT"),
        ("Sở Tài nguyên & Môi trường", "STNMT"),
        ("Sở TNMT", "STNMT"),
        ("Sở VHTT&DL", "SVH"),
        ("Sở VH,TT&DL", "SVH"),
        ("Sở LĐTB&XH", "SLD"),
        ("Sở Kế hoạch - Đầu tư", "SKHDT"),
        ("Sở KH&ĐT", "SKHDT"),
        ("Sở GTVT", "SGTVT"),
        ("SGTVT", "SGTVT"),
        ("UBND huyện Lý Sơn", "LYSON"),
        ("Ủy ban nhân dân huyện Lý Sơn", "LYSON"),
        ("UBND TP Quảng Ngãi", "TPQN"),
        ("BQL KKT Dung Quất và các KCN", "BQL"),
        ("Ban Quản lý KKT Dung Quất và các KCN", "BQL"),
        ("Trung tâm hành chính công", "TTPVHCC"),  # words left out: fuzzy
    ],
)
def test_unit_names_as_offices_write_them(written, code):
    found = find_units(f"Giao {written} chủ trì.", CATALOGUE)
    units = [m for m, kind in found if kind == "unit"]
    assert len(units) == 1, found
    assert units[0].unit is not None and units[0].unit.id == code
    assert units[0].written == written


def test_similar_place_names_are_not_confused():
    match = CATALOGUE.match("UBND huyện Sơn Tịnh")
    assert match.unit is None
    assert "UBND huyện Bình Sơn" in match.closest or "UBND huyện Lý Sơn" in match.closest


def test_a_name_not_in_the_catalogue_comes_back_not_found_with_the_closest_names():
    match = CATALOGUE.match("Sở Thông tin Truyền thông và Du lịch")
    assert match.unit is None or match.unit.id in ("STTTT", "SVH")
    missing = CATALOGUE.match("Sở Y tế")
    assert missing.unit is None
    assert missing.name == "Sở Y tế"
    assert len(missing.closest) >= 1


def test_aliases_passed_in_are_recognised():
    catalogue = Catalogue.of(
        [("CA", "Công an tỉnh Quảng Ngãi", "Công an tỉnh", ["PC06", "Công an Quảng Ngãi"])]
    )
    assert catalogue.match("Công an Quảng Ngãi").unit.id == "CA"
    assert catalogue.match("PC06").unit.id == "CA"


def test_succession_leads_an_old_name_to_the_unit_that_replaced_it():
    catalogue = Catalogue(
        [
            CatalogueUnit(
                "STTTT", "Sở Thông tin và Truyền thông", "Sở TT&TT", successor_id="SKHCN"
            ),
            CatalogueUnit("SKHCN", "Sở Khoa học và Công nghệ", "Sở KH&CN"),
        ]
    )
    match = catalogue.match("Sở TT&TT")
    assert match.unit.id == "SKHCN"
    assert match.via.id == "STTTT"
    # the old unit is no longer offered as a closest match
    assert "Sở Thông tin và Truyền thông" not in catalogue.match("Sở Y tế").closest
    (task,) = read_notice("Yêu cầu Sở TT&TT rà soát hạ tầng mạng.", catalogue).tasks
    assert task.lead.name == "Sở Khoa học và Công nghệ"


def test_an_abbreviation_two_units_share_belongs_to_neither():
    catalogue = Catalogue.of([("A", "Sở Tài chính", "Sở TC"), ("B", "Sở Thông tin", "Sở TC")])
    assert catalogue.resolve_exact("Sở TC") is None


# --- The directive header ----------------------------------------------------------------------

NOTICE = """ỦY BAN NHÂN DÂN
TỈNH QUẢNG NGÃI
Số: 45/TB-UBND
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Quảng Ngãi, ngày 08 tháng 3 năm 2021

THÔNG BÁO
Kết luận của Phó Chủ tịch UBND tỉnh Trần Phước Hiền tại buổi làm việc với Sở Thông tin và Truyền thông

Ngày 03/3/2021, Phó Chủ tịch UBND tỉnh Trần Phước Hiền chủ trì buổi làm việc với Sở Thông tin và Truyền thông về nhiệm vụ năm 2021. Phó Chủ tịch UBND tỉnh kết luận như sau:
1. Sở Thông tin và Truyền thông rà soát các chương trình, kế hoạch, hoàn thành trước ngày 31/3/2021.
2. Giao Sở Thông tin và Truyền thông chủ trì, phối hợp với UBND huyện Lý Sơn triển khai thí điểm chuyển đổi số; hoàn thành trong quý II năm 2021.

Nơi nhận:
- Sở TT&TT;
- Lưu: VT.
KT. CHỦ TỊCH
PHÓ CHỦ TỊCH

Trần Phước Hiền
"""


def test_a_formal_notice_header():
    header = read_header(NOTICE)
    assert header.symbol == "45/TB-UBND"
    assert header.kind == "conclusion_notice"
    assert header.issued_on == date(2021, 3, 8)
    assert header.place == "Quảng Ngãi"
    assert header.signer == "Trần Phước Hiền"
    assert header.signer_position == "Phó Chủ Tịch"
    assert header.summary.startswith("Kết luận của Phó Chủ tịch UBND tỉnh Trần Phước Hiền")
    assert header.meeting.date == date(2021, 3, 3)
    assert header.meeting.chair == "Phó Chủ tịch UBND tỉnh Trần Phước Hiền"


def test_the_recipients_list_is_not_read_for_tasks():
    proposal = read_notice(NOTICE, CATALOGUE)
    assert [t.due_on for t in proposal.tasks] == [date(2021, 3, 31), date(2021, 6, 30)]
    assert [u.name for u in proposal.tasks[1].coordinating] == ["UBND huyện Lý Sơn"]


@pytest.mark.parametrize(
    ("symbol", "kind"),
    [
        ("45/TB-UBND", "conclusion_notice"),
        ("123/TB-VPUB", "conclusion_notice"),
        ("1234/UBND-KT", "official_letter"),
        ("404/VPUBND-TCD", "official_letter"),
        ("26/2015/QĐ-UBND", "decision"),
        ("05/CT-UBND", "instruction"),
        ("1576/KH-UBND", "plan"),
    ],
)
def test_kind_from_the_symbol(symbol, kind):
    assert kind_from_symbol(symbol) == kind


@pytest.mark.parametrize(
    ("text", "symbol", "issued_on", "kind"),
    [
        (
            "Ngày 04/12, UBND tỉnh ban hành Công văn số 2221 /UBND-TH về việc giải trình.",
            "2221/UBND-TH",
            None,
            "official_letter",
        ),
        (
            "Giao Sở TN&MT chủ trì nghiên cứu.\n(Theo Công văn số 6202/UBND-KT, ngày 23/11/2023)",
            "6202/UBND-KT",
            date(2023, 11, 23),
            "official_letter",
        ),
        (
            "Thực hiện Công văn số 12/BKHĐT-TH của Bộ, UBND tỉnh có ý kiến như sau.",
            None,  # a cited document is not this one
            None,
            "official_letter",
        ),
        (
            "UBND tỉnh\nSố: 123/TB-VPUB\nĐà Nẵng, ngày 16 tháng 4 năm 2020\nTHÔNG BÁO\n"
            "Ý kiến kết luận của Chủ tịch UBND thành phố tại cuộc họp giao ban\n",
            "123/TB-VPUB",
            date(2020, 4, 16),
            "conclusion_notice",
        ),
    ],
)
def test_symbol_date_and_kind_in_press_reports_and_letters(text, symbol, issued_on, kind):
    header = read_header(text)
    assert (header.symbol, header.issued_on, header.kind) == (symbol, issued_on, kind)


def test_a_press_report_takes_its_dateline_headline_and_chair():
    header = read_header(
        "Phó Chủ tịch UBND tỉnh Trần Phước Hiền làm việc với Sở TT&TT\n\n01:03, 03/03/2021\n"
        "Sáng 3.3, Phó Chủ tịch UBND tỉnh Trần Phước Hiền chủ trì buổi làm việc với Sở TT&TT."
    )
    assert header.issued_on == date(2021, 3, 3)
    assert header.summary == "Phó Chủ tịch UBND tỉnh Trần Phước Hiền làm việc với Sở TT&TT"
    assert header.signer == "Trần Phước Hiền"
    assert header.meeting.date == date(2021, 3, 3)


@pytest.mark.parametrize(
    "dateline",
    ["01:03, 03/03/2021", "Thứ Tư, 03/03/2021 - 01:03", "03/03/2021 07:15 (GMT+7)"],
)
def test_press_datelines(dateline):
    assert read_header(f"Tiêu đề bài báo\n{dateline}\nNội dung.").issued_on == date(2021, 3, 3)
