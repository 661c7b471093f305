"""Reference texts the demo workload is drawn from: fields and what their tasks are about,
the phrases a task's title and content are built of, directive kinds, report texts."""

from __future__ import annotations

from ..models import DirectiveKind

ISSUING_BODY = "UBND tỉnh Quảng Ngãi"
# What marks a demo directive's symbol ("123/TB-UBND-DEMO2025", the year of its issue date):
# ``is_loaded`` and ``give_work_to`` find the demo's work by it.
SYMBOL_TAG = "-UBND-DEMO"


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
