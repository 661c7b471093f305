"""The reading rules of issue 13, item 2: one case per rule, in short real-looking sentences."""

from __future__ import annotations

from datetime import date

import pytest

from tracker.calendar import WorkingCalendar
from tracker.intake import Catalogue, CatalogueUnit, read_notice
from tracker.intake.deadlines import choose, find_deadlines

CATALOGUE = Catalogue(
    [
        CatalogueUnit("STTTT", "Sở Thông tin và Truyền thông tỉnh Quảng Ngãi", "Sở TT&TT"),
        CatalogueUnit("STNMT", "Sở Tài nguyên và Môi trường tỉnh Quảng Ngãi", "Sở TN&MT"),
        CatalogueUnit("SNN", "Sở Nông nghiệp và Phát triển nông thôn tỉnh Quảng Ngãi"),
        CatalogueUnit("SVH", "Sở Văn hóa, Thể thao và Du lịch tỉnh Quảng Ngãi"),
        CatalogueUnit("SKHDT", "Sở Kế hoạch và Đầu tư tỉnh Quảng Ngãi", "Sở KH&ĐT"),
        CatalogueUnit("STC", "Sở Tài chính tỉnh Quảng Ngãi", "Sở Tài chính"),
        CatalogueUnit("SXD", "Sở Xây dựng tỉnh Quảng Ngãi"),
        CatalogueUnit("VP", "Văn phòng UBND tỉnh Quảng Ngãi", "VP UBND tỉnh"),
        CatalogueUnit("LYSON", "UBND huyện Lý Sơn"),
        CatalogueUnit("BINHSON", "UBND huyện Bình Sơn"),
        CatalogueUnit("BINHTHANH", "UBND xã Bình Thạnh"),
        CatalogueUnit(
            "BQL",
            "Ban Quản lý Khu kinh tế Dung Quất và các Khu công nghiệp Quảng Ngãi",
            "BQL KKT Dung Quất và các KCN",
        ),
        CatalogueUnit("TTPVHCC", "Trung tâm Phục vụ hành chính công tỉnh Quảng Ngãi"),
    ]
)
ISSUED = "Quảng Ngãi, ngày 08 tháng 3 năm 2021\n"


def read(body: str, catalogue: Catalogue = CATALOGUE, calendar=None):
    return read_notice(ISSUED + body, catalogue, calendar)


def leads(body: str) -> list[str | None]:
    return [t.lead.name if t.lead else None for t in read(body).tasks]


def names(units) -> list[str]:
    return [u.name for u in units]


TTTT = "Sở Thông tin và Truyền thông tỉnh Quảng Ngãi"
TNMT = "Sở Tài nguyên và Môi trường tỉnh Quảng Ngãi"
KHDT = "Sở Kế hoạch và Đầu tư tỉnh Quảng Ngãi"


# --- Splitting: items and sentences -------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "count"),
    [
        # numbered items
        (
            "Chủ tịch UBND tỉnh kết luận như sau:\n"
            "1. Sở Xây dựng rà soát quy hoạch chung đô thị Dung Quất.\n"
            "2. Sở Tài chính cân đối nguồn vốn cho dự án.\n"
            "3. UBND huyện Lý Sơn hoàn thành giải phóng mặt bằng cảng cá.",
            3,
        ),
        # letters nested under a numbered header that names the unit
        (
            "Kết luận như sau:\n1. Giao Sở Xây dựng:\na) Rà soát quy hoạch chung đô thị.\n"
            "b) Thẩm định thiết kế cơ sở các dự án nhà ở xã hội.\n"
            "2. Sở Tài chính cân đối nguồn vốn.",
            3,
        ),
        # dashes, plus signs and bullets
        (
            "Ý kiến chỉ đạo như sau:\n- Sở Xây dựng kiểm tra trật tự xây dựng.\n"
            "+ Sở Tài chính thẩm định dự toán.\n• UBND huyện Bình Sơn báo cáo tiến độ dự án.",
            3,
        ),
        # Roman numerals as section headings, numbered tasks beneath
        (
            "Kết luận như sau:\nI. LĨNH VỰC ĐẦU TƯ\n1. Sở KH&ĐT tổng hợp kế hoạch vốn.\n"
            "II. LĨNH VỰC ĐẤT ĐAI\n2. Sở TN&MT rà soát giá đất cụ thể.",
            2,
        ),
        # run-on prose: each instruction sentence of the conclusion
        (
            "Sáng 3.3, Phó Chủ tịch UBND tỉnh làm việc với Sở TT&TT. Sở đã ban hành 20 văn bản "
            "hướng dẫn. Phát biểu kết luận, Phó Chủ tịch yêu cầu Sở rà soát các chương trình đã "
            "triển khai. Siết chặt quản lý hạ tầng công nghệ thông tin. Chủ động cung cấp thông "
            "tin trên các kênh chính thống.",
            3,
        ),
        # a numbered item of several sentences is one task
        (
            "Kết luận như sau:\n1. Sở Xây dựng rà soát quy hoạch. Việc rà soát bảo đảm đúng "
            "quy định. Báo cáo UBND tỉnh trước ngày 30/6/2021.\n2. Sở Tài chính bố trí vốn.",
            2,
        ),
        # two units, two instructions, one sentence
        (
            "Kết luận như sau: Sở Xây dựng kiểm tra chất lượng công trình trường học vùng lũ; "
            "Sở Tài chính bố trí kinh phí sửa chữa các phòng học bị hư hỏng.",
            2,
        ),
        # a list of addressees is not cut
        (
            "Giao các sở, ngành tỉnh; UBND các huyện, thành phố; Ban Quản lý dự án báo cáo "
            "tình hình giải ngân vốn đầu tư công năm 2021.",
            1,
        ),
        # an agreement is a decision, not a task; the assignment beside it is
        (
            "Kết luận như sau:\n1. Thống nhất chủ trương đầu tư dự án đường ven biển.\n"
            "2. Giao Sở KH&ĐT hoàn thiện hồ sơ chủ trương đầu tư, trình trước ngày 30/6/2021.",
            1,
        ),
        # several instructions in one sentence, each starting with "giao"
        (
            "Chủ tịch chỉ đạo: giao Sở KH&ĐT làm rõ gói thầu số 7; giao UBND huyện Lý Sơn "
            "kiểm tra hiện trạng cảng cá; giao Sở Tài chính thẩm định dự toán.",
            3,
        ),
    ],
)
def test_one_task_per_instruction(body, count):
    assert len(read(body).tasks) == count


@pytest.mark.parametrize(
    "sentence",
    [
        # results
        "Năm 2020, Sở TT&TT đã tham mưu UBND tỉnh ban hành 20 văn bản chỉ đạo.",
        "Tổng doanh thu dịch vụ bưu chính, viễn thông ước đạt hơn 1.100 tỷ đồng.",
        # praise
        "Phó Chủ tịch UBND tỉnh ghi nhận những nỗ lực của ngành trong việc hoàn thành các nhiệm vụ được giao.",
        "Chủ tịch UBND tỉnh biểu dương tinh thần trách nhiệm của Sở Xây dựng.",
        # background and a proposal to the province
        "Hiện còn khoảng 40 đài truyền thanh cơ sở cấp xã đã xuống cấp.",
        "Sở TT&TT kiến nghị UBND tỉnh cho chủ trương nghiên cứu thí điểm chuyển đổi số.",
        # a past assignment being chased
        "Tuy nhiên, đến nay qua kiểm tra, rà soát Sở TN&MT chưa trình nội dung trên.",
        # the journalist's own voice
        "Chúng tôi sẽ tiếp tục thông tin tới bạn đọc.",
        # "giao" inside another word
        "Các hoạt động tín ngưỡng, tôn giáo diễn ra an toàn.",
    ],
)
def test_not_an_instruction(sentence):
    assert read(sentence).tasks == []


RECALLED = (
    "Ngày 08/4/2021, Văn phòng UBND tỉnh ban hành Văn bản số 404/VPUBND giao Sở TN&MT phối hợp "
    "với Sở Xây dựng trả lời đơn công dân; báo cáo UBND tỉnh trong 30 ngày làm việc."
)


def test_an_assignment_reported_as_issued_is_the_task_when_there_is_no_other():
    (task,) = read(RECALLED).tasks
    assert task.lead.name == TNMT


def test_beside_a_fresh_instruction_the_earlier_assignment_is_not_a_task_again():
    (task,) = read(
        RECALLED + "\nTuy nhiên, đến nay Sở TN&MT chưa trình nội dung trên.\n"
        "Văn phòng UBND tỉnh đề nghị Sở TN&MT khẩn trương trình nội dung trên trước ngày "
        "30/8/2021."
    ).tasks
    assert (task.lead.name, task.due_on, task.urgent) == (TNMT, date(2021, 8, 30), True)


def test_a_restated_instruction_is_one_task_keeping_what_the_second_adds():
    tasks = read(
        "Kết luận như sau: Sở Xây dựng khẩn trương rà soát quy hoạch chung đô thị Dung Quất. "
        "Sở Tài chính bố trí vốn cho dự án. Một lần nữa yêu cầu Sở Xây dựng rà soát quy hoạch "
        "chung đô thị Dung Quất, hoàn thành trước ngày 30/6/2021."
    ).tasks
    assert len(tasks) == 2
    assert tasks[0].due_on == date(2021, 6, 30)
    assert tasks[0].urgent


def test_an_instruction_restated_in_other_words_is_one_task():
    tasks = read(
        "Phát biểu kết luận, Chủ tịch yêu cầu UBND huyện Bình Sơn tập trung đẩy nhanh tiến độ "
        "giải ngân vốn đầu tư công, phấn đấu đến ngày 30/9/2021 giải ngân đạt 80% kế hoạch. "
        "Giao Sở KH&ĐT chủ trì, phối hợp với Sở Tài chính xem xét kiến nghị của huyện, tham mưu "
        "UBND tỉnh trước ngày 30/6. Chủ tịch nhấn mạnh, UBND huyện Bình Sơn cần tập trung đẩy "
        "nhanh tiến độ giải ngân vốn đầu tư công để hoàn thành kế hoạch năm."
    ).tasks
    assert [(t.lead.name, t.due_on) for t in tasks] == [
        ("UBND huyện Bình Sơn", date(2021, 9, 30)),
        (KHDT, date(2021, 6, 30)),
    ]


def test_numbered_items_alike_but_for_the_place_stay_two_tasks():
    tasks = read(
        "Kết luận như sau:\n1. Sở Xây dựng kiểm tra trật tự xây dựng tại xã Bình Thạnh.\n"
        "2. Sở Xây dựng kiểm tra trật tự xây dựng tại xã Bình Châu.\n"
    ).tasks
    assert len(tasks) == 2


def test_the_closing_formula_of_a_notice_is_not_a_task():
    tasks = read(
        "Kết luận như sau:\n1. Sở Xây dựng kiểm tra trật tự xây dựng.\n"
        "Văn phòng UBND tỉnh thông báo để các cơ quan, đơn vị biết, thực hiện./.\n"
    ).tasks
    assert len(tasks) == 1


def test_a_closing_sentence_with_no_content_of_its_own_restates_the_task():
    tasks = read(
        "Chủ tịch UBND tỉnh giao Sở KH&ĐT chủ trì xây dựng dự thảo báo cáo thực hành tiết kiệm, "
        "báo cáo UBND tỉnh trước ngày 05/01/2022.\n"
        "Giám đốc Sở KH&ĐT và thủ trưởng các sở, ngành liên quan phối hợp triển khai thực hiện, "
        "gửi báo cáo đúng thời gian quy định."
    ).tasks
    assert len(tasks) == 1


def test_a_press_headline_is_not_a_task_of_its_own():
    tasks = read_notice(
        "Thanh Hóa: Khẩn trương khắc phục tồn tại tại các bãi tập kết cát, sỏi\n"
        "Chủ tịch UBND tỉnh yêu cầu UBND các huyện, thành phố khẩn trương khắc phục các tồn tại.",
        CATALOGUE,
    ).tasks
    assert [t.lead.name for t in tasks] == ["UBND các huyện, thành phố"]


def test_each_task_keeps_its_source_sentence_and_span():
    proposal = read("Kết luận như sau:\n1. Sở Xây dựng rà soát quy hoạch chung.\n")
    task = proposal.tasks[0]
    assert proposal.text[task.start : task.end] == "Sở Xây dựng rà soát quy hoạch chung."
    assert task.text == "Sở Xây dựng rà soát quy hoạch chung."


def test_pdf_wrapped_lines_are_joined_back_into_one_sentence():
    body = (
        "Kết luận như sau:\n"
        "1. Giao Sở Tài nguyên và Môi trường chủ trì, phối hợp với UBND huyện Bình\n"
        "Sơn kiểm tra việc khai thác cát trái phép trên sông Trà Bồng, báo cáo UBND\n"
        "tỉnh trước ngày 30/6/2021.\n"
        "2. Sở Xây dựng thẩm định thiết kế cơ sở dự án nhà ở xã hội tại phường Trương\n"
        "Quang Trọng.\n"
    )
    tasks = read(body).tasks
    assert len(tasks) == 2
    assert names(tasks[0].coordinating) == ["UBND huyện Bình Sơn"]
    assert tasks[0].due_on == date(2021, 6, 30)


# --- Addressees ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "lead", "coordinating"),
    [
        (
            "Giao Sở TN&MT chủ trì, phối hợp với Sở Xây dựng, UBND xã Bình Thạnh kiểm tra hiện trạng.",
            TNMT,
            ["Sở Xây dựng tỉnh Quảng Ngãi", "UBND xã Bình Thạnh"],
        ),
        # jointly addressed: the first named leads
        (
            "Yêu cầu Sở Tài chính và Sở KH&ĐT rà soát nguồn vốn đầu tư công.",
            "Sở Tài chính tỉnh Quảng Ngãi",
            [KHDT],
        ),
        # …unless the text says who chủ trì
        (
            "Sở Tài chính, Sở KH&ĐT (chủ trì) rà soát nguồn vốn đầu tư công.",
            KHDT,
            ["Sở Tài chính tỉnh Quảng Ngãi"],
        ),
        (
            "Đề nghị UBND huyện Lý Sơn phối hợp với Sở TT&TT chủ trì triển khai thí điểm chuyển đổi số.",
            TTTT,
            ["UBND huyện Lý Sơn"],
        ),
        # a unit a report is sent to is not coordinating; nor is the speaker
        (
            "Chủ tịch UBND tỉnh giao Sở Xây dựng kiểm tra, báo cáo UBND tỉnh và gửi Văn phòng UBND tỉnh trước ngày 30/6/2021.",
            "Sở Xây dựng tỉnh Quảng Ngãi",
            [],
        ),
        (
            "Sở Xây dựng có trách nhiệm phối hợp với UBND huyện Bình Sơn kiểm tra tải trọng xe.",
            "Sở Xây dựng tỉnh Quảng Ngãi",
            ["UBND huyện Bình Sơn"],
        ),
        (
            "Sở TT&TT khẩn trương tham mưu cho UBND tỉnh hoàn thiện mạng lưới truyền thanh cơ sở.",
            TTTT,
            [],
        ),
        (
            "Yêu cầu các sở, ngành gửi báo cáo về Sở KH&ĐT trước ngày 23/5/2021.",
            "các sở, ngành",
            [],
        ),
        # generic addressees are kept as written
        (
            "Yêu cầu các sở, ngành, địa phương tập trung chỉ đạo phòng, chống dịch bệnh.",
            "các sở, ngành, địa phương",
            [],
        ),
        (
            "Giao Sở TN&MT chủ trì, phối hợp các đơn vị, địa phương liên quan nghiên cứu, đề xuất.",
            TNMT,
            ["các đơn vị, địa phương liên quan"],
        ),
        (
            "Đề nghị UBND các huyện, thị xã, thành phố triển khai thực hiện kế hoạch.",
            "UBND các huyện, thị xã, thành phố",
            [],
        ),
    ],
)
def test_lead_and_coordinating_units(sentence, lead, coordinating):
    (task,) = read(sentence).tasks
    assert task.lead.name == lead
    assert names(task.coordinating) == coordinating


def test_bare_so_after_the_department_met_is_that_department():
    tasks = read(
        "Phó Chủ tịch UBND tỉnh làm việc với Sở Văn hóa, Thể thao và Du lịch về du lịch biển.\n"
        "Phát biểu kết luận, Phó Chủ tịch yêu cầu Sở xây dựng kế hoạch kích cầu du lịch. "
        "Rà soát các di tích xuống cấp."
    ).tasks
    assert [t.lead.name for t in tasks] == ["Sở Văn hóa, Thể thao và Du lịch tỉnh Quảng Ngãi"] * 2


def test_bare_so_without_a_meeting_takes_the_department_named_last():
    (task,) = read(
        "Sở Xây dựng đã kiểm tra các công trình. Kết luận, Chủ tịch yêu cầu Sở khẩn trương "
        "xử lý dứt điểm các sai phạm."
    ).tasks
    assert task.lead.name == "Sở Xây dựng tỉnh Quảng Ngãi"
    assert task.urgent


def test_a_unit_not_in_the_catalogue_is_shown_as_written_with_the_closest_names():
    (task,) = read("Yêu cầu Sở Y tế chủ trì, phối hợp với Sở Tài chính mua sắm vật tư.").tasks
    assert task.lead.unit is None
    assert task.lead.name == "Sở Y tế"
    assert task.lead.closest
    assert names(task.coordinating) == ["Sở Tài chính tỉnh Quảng Ngãi"]


# --- Deadlines -----------------------------------------------------------------------------

CALENDAR = WorkingCalendar(holidays=frozenset({date(2021, 3, 15)}))


@pytest.mark.parametrize(
    ("phrase", "due"),
    [
        ("báo cáo UBND tỉnh trước ngày 30/6/2021", date(2021, 6, 30)),
        ("hoàn thành trước 30/6", date(2021, 6, 30)),  # the document's year
        ("chậm nhất ngày 15-7-2021", date(2021, 7, 15)),
        ("hoàn thành trước ngày 16.4.2020", date(2020, 4, 16)),
        ("thực hiện đến 30/5/2016", date(2016, 5, 30)),
        ("gửi Văn phòng UBND tỉnh trước 14 giờ, ngày 05/12/2017", date(2017, 12, 5)),
        ("hoàn thành trong tháng 12-2015", date(2015, 12, 31)),
        ("hoàn thành trong quý III năm 2021", date(2021, 9, 30)),
        ("hoàn thành trong quý I/2022", date(2022, 3, 31)),
        ("hoàn thành trong 6 tháng đầu năm", date(2021, 6, 30)),
        ("hoàn thành trong năm 2021", date(2021, 12, 31)),
        ("trước ngày 20 tháng 4 năm 2021", date(2021, 4, 20)),
        # 10 working days from Monday 8 March 2021, the 15th a holiday here: 23 March
        ("báo cáo trong 10 ngày làm việc", date(2021, 3, 23)),
        ("báo cáo trong 30 ngày", date(2021, 4, 7)),
        ("báo cáo kết quả 6 tháng đầu năm trước ngày 15/6/2021", date(2021, 6, 15)),
    ],
)
def test_deadline_forms(phrase, due):
    text = f"Sở Xây dựng kiểm tra các công trình, {phrase}."
    found = choose(find_deadlines(text, 0, len(text), date(2021, 3, 8), CALENDAR))
    assert found is not None and found.due_on == due


@pytest.mark.parametrize(
    "phrase",
    [
        "Sáng 3.3, Phó Chủ tịch làm việc với Sở Xây dựng",  # a meeting date
        "theo Công văn số 123/UBND-KT ngày 05/3/2021 của UBND tỉnh",  # a cited document
        "Ngày 08/4/2021, UBND tỉnh đã có văn bản chỉ đạo",  # a past assignment
        "tổng doanh thu ước đạt 1.100 tỷ đồng",  # a number, not a date
        "trong 6 tháng qua, tiến độ còn chậm",
        "tính đến ngày 30/4/2021, toàn tỉnh mới giải ngân 20%",  # a reckoning date
    ],
)
def test_dates_that_are_not_deadlines(phrase):
    found = find_deadlines(phrase, 0, len(phrase), date(2021, 3, 8), CALENDAR)
    assert found == []


def test_working_days_go_through_the_working_calendar_and_the_task():
    (task,) = read(
        "Giao Sở Xây dựng kiểm tra, báo cáo UBND tỉnh trong 10 ngày làm việc.", calendar=CALENDAR
    ).tasks
    assert task.due_on == date(2021, 3, 23)


def test_no_deadline_found_is_none():
    (task,) = read("Yêu cầu Sở Xây dựng rà soát quy hoạch chung đô thị.").tasks
    assert task.due_on is None and task.deadline_text is None


def test_a_meeting_date_in_the_task_sentence_is_not_its_deadline():
    (task,) = read(
        "Tại cuộc họp ngày 05/3/2021, Chủ tịch UBND tỉnh yêu cầu Sở Xây dựng rà soát quy hoạch."
    ).tasks
    assert task.due_on is None


def test_a_header_deadline_applies_to_the_items_beneath_it():
    tasks = read(
        "Kết luận như sau:\n1. Giao Sở Xây dựng thực hiện các nội dung sau, hoàn thành trước "
        "ngày 30/9/2021:\na) Rà soát quy hoạch.\nb) Thẩm định thiết kế, hoàn thành trước ngày "
        "15/7/2021.\n"
    ).tasks
    assert [t.due_on for t in tasks] == [date(2021, 9, 30), date(2021, 7, 15)]
    assert [t.lead.name for t in tasks] == ["Sở Xây dựng tỉnh Quảng Ngãi"] * 2


# --- Flags and field -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "urgent", "priority"),
    [
        ("Yêu cầu Sở Xây dựng khẩn trương hoàn thành hồ sơ.", True, False),
        ("Yêu cầu Sở Xây dựng gấp rút hoàn thành hồ sơ.", True, False),
        ("Đây là nhiệm vụ trọng tâm, yêu cầu Sở Xây dựng hoàn thành hồ sơ.", False, True),
        ("Yêu cầu Sở Xây dựng hoàn thành hồ sơ.", False, False),
    ],
)
def test_flags(sentence, urgent, priority):
    (task,) = read(sentence).tasks
    assert (task.urgent, task.priority) == (urgent, priority)


def test_field_when_evident():
    (task,) = read("Yêu cầu Sở TN&MT xử lý vi phạm về đất đai, khoáng sản trên địa bàn.").tasks
    assert task.field == "Tài nguyên - Môi trường"


def test_a_notice_with_nested_numbering_and_headings_without_colon():
    """tests/data/intake/nested_notice.txt: '1. Về hạ tầng' heads 1.1 and 1.2; 'Kết luận:'
    opens the conclusion; the closing formula and the recipients are not tasks."""
    from pathlib import Path

    text = (Path(__file__).parent / "data" / "intake" / "nested_notice.txt").read_text("utf-8")
    proposal = read_notice(text, CATALOGUE)
    assert proposal.directive.symbol == "88/TB-VP"
    assert proposal.directive.issued_on == date(2021, 4, 5)
    assert proposal.directive.signer == "Lê Văn Sinh"
    assert [(t.lead.name if t.lead else None, t.due_on) for t in proposal.tasks] == [
        ("UBND huyện Lý Sơn", date(2021, 6, 30)),
        ("Sở Tài chính tỉnh Quảng Ngãi", None),
        ("Sở Văn hóa, Thể thao và Du lịch tỉnh Quảng Ngãi", date(2021, 6, 30)),
        ("Văn phòng UBND tỉnh Quảng Ngãi", None),
    ]
    assert names(proposal.tasks[0].coordinating) == ["Sở Xây dựng tỉnh Quảng Ngãi"]
    assert names(proposal.tasks[2].coordinating) == ["UBND huyện Lý Sơn"]
    # "đôn đốc các đơn vị": whom the Office oversees, not a coordinating unit
    assert proposal.tasks[3].coordinating == ()


def test_run_on_prose_with_several_units_a_restatement_and_dates_that_are_not_deadlines():
    catalogue = Catalogue.of(
        [
            ("SXD", "Sở Xây dựng thành phố Đà Nẵng"),
            ("STC", "Sở Tài chính thành phố Đà Nẵng"),
            ("CA", "Công an thành phố Đà Nẵng", "Công an thành phố"),
        ]
    )
    text = (
        "Đà Nẵng: Khẩn trương xử lý ngập úng tại các tuyến đường trung tâm\n\n"
        "Chiều 20/10, Chủ tịch UBND thành phố chủ trì cuộc họp bàn giải pháp chống ngập úng. "
        "Trước đó, ngày 14/10, mưa lớn đã gây ngập sâu nhiều tuyến đường.\n"
        "Kết luận cuộc họp, Chủ tịch UBND thành phố giao Sở Xây dựng chủ trì, phối hợp với UBND "
        "các quận, huyện rà soát toàn bộ hệ thống thoát nước, báo cáo UBND thành phố trước ngày "
        "15/11/2022. Giao Sở Tài chính bố trí kinh phí nạo vét trong năm 2022; Công an thành phố "
        "phối hợp phân luồng giao thông khi có mưa lớn. Chủ tịch cũng lưu ý UBND các quận, huyện "
        "chủ động khơi thông cống rãnh trước mùa mưa bão. Đồng thời yêu cầu Sở Xây dựng khẩn "
        "trương rà soát hệ thống thoát nước, báo cáo trước ngày 15/11."
    )
    tasks = read_notice(text, catalogue).tasks
    assert [(t.lead.name, t.due_on) for t in tasks] == [
        ("Sở Xây dựng thành phố Đà Nẵng", date(2022, 11, 15)),
        ("Sở Tài chính thành phố Đà Nẵng", date(2022, 12, 31)),
        ("Công an thành phố Đà Nẵng", None),
        ("UBND các quận, huyện", None),
    ]
    assert names(tasks[0].coordinating) == ["UBND các quận, huyện"]
    assert tasks[0].urgent  # the restatement said "khẩn trương"
