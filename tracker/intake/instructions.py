"""Which sentences carry an instruction, and which only report, praise or recall.

A press report of a working session first tells what the department did (results), then what it
asked for (proposals), then the leader's conclusion; only the conclusion assigns tasks. So the
reading starts at the conclusion when the text marks one ("phát biểu kết luận", "kết luận như
sau", "có ý kiến chỉ đạo như sau"). A sentence is an instruction when it holds a directive word
(yêu cầu, giao, đề nghị, chỉ đạo, khẩn trương, rà soát, tham mưu, chủ trì, tập trung, chủ động …);
inside the conclusion or a numbered item an imperative opening verb is enough. A sentence
reporting what was done, praising, or proposing to the province is not a task.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rapidfuzz import fuzz

from .textutil import fold_same_length

_STRONG = re.compile(
    r"(?<![a-z])(?:yeu cau|de nghi|(?<!ton )(?<!ban )(?<!ngoai )(?<!chuyen )(?<!ket )giao(?! thong| duc| dich| dien| luu| nhan| dat| dien)|"
    r"chi dao|khan truong|gap rut|can phai|phai|can(?! bo| thiet| cu| doi| thi)|chu tri|"
    r"tham muu|nhanh chong|chu dong|tap trung|ra soat|nghien cuu|siet chat|day nhanh|"
    r"day manh|tang cuong|kip thoi|tiep tuc|quyet liet|chiu trach nhiem|som (?:hoan|trien|trinh|bao|co)|"
    r"chi dao|luu y|giai trinh|khac phuc|xu ly|phoi hop|co trach nhiem)(?![a-z])"
)
# Verbs an instruction opens with when its addressee was named earlier ("Siết chặt …").
_IMPERATIVE_OPENING = re.compile(
    r"^(?:\W*)(?:(?:dong thoi|ngoai ra|ben canh do|mat khac),?\s*)?(?:hoan thanh|hoan thien|"
    r"xay dung|trien khai|to chuc|kiem tra|thuc hien|nang cao|bao dam|dam bao|theo doi|huong dan|"
    r"don doc|bo tri|lap|cap nhat|tong hop|bao cao|phan cong|tuyen truyen|xem xet|cung co|"
    r"quan ly|nghiem tuc|uu tien|len ke hoach|ra soat|khan truong|chu dong|nhanh chong|siet chat|"
    r"tap trung|nghien cuu|tham muu|tang cuong|day manh|day nhanh|tiep tuc|khac phuc|xu ly|"
    r"giai quyet|cung cap|phoi hop|chi dao|rut kinh nghiem|thong tin|can|phai)(?![a-z])"
)
_UNIT_OPENING = re.compile(
    r"^\W*(?:(?:giam doc|thu truong|chu tich|lanh dao)\s+)?(?:so|ubnd|uy ban nhan dan|"
    r"ban quan ly|bql|cong an|trung tam|cac so|cac co quan|cac don vi|van phong|dai|thanh tra|"
    r"cuc|chi cuc|bo chi huy)\s"
)
_PRAISE = re.compile(
    r"(?<![a-z])(?:ghi nhan|bieu duong|danh gia cao|hoan nghenh|cam on|tri an|chuc mung|"
    r"khen ngoi|danh gia|nhin chung)(?![a-z])"
)
_PROPOSAL = re.compile(
    r"(?<![a-z])(?:kien nghi|de xuat|de nghi|xin)\s+(?:voi\s+)?(?:ubnd tinh|uy ban nhan dan tinh|"
    r"tinh|chu tich|trung uong|chinh phu|thu tuong|cac bo|bo\s)"
)
_RESULT = re.compile(
    r"(?:\bđã\s|\bđến nay\b|\bchưa\b|^\W*tuy nhiên\b|\bđạt\b|\bđược\s|\bước đạt\b|\bkết quả\b|\bhiện (?:có|còn)\b)"
)
_DIRECTIVE_WORD = re.compile(
    r"(?<![a-z])(?:yeu cau|de nghi|(?<!ton )(?<!ban )(?<!ngoai )(?<!chuyen )(?<!ket )giao(?! thong| duc| luu)|chi dao|khan truong|can|phai)(?![a-z])"
)
# What still makes a sentence with "đã", "đạt", "chưa" an order ("văn bản chỉ đạo" does not).
_ASK = re.compile(
    r"(?<![a-z])(?:yeu cau|de nghi|giao cho|giao (?:cac|so|ubnd)|can|phai|khan truong)(?![a-z])"
)
_NEW_ADDRESSEE = re.compile(
    r"^\W*(?:(?:dong thoi|ngoai ra),?\s*)?(?:giao|yeu cau|de nghi|chi dao)(?![a-z])"
)


def names_new_addressee(sentence: str) -> bool:
    """Inside a numbered item, does this sentence open an instruction to someone new?"""
    folded = fold_same_length(sentence)
    return bool(_NEW_ADDRESSEE.search(folded) or _UNIT_OPENING.search(folded))


_CONTINUATION = re.compile(
    r"^(?:\W*)(?:bao cao (?:ket qua )?(?:ve |cho |len )?(?:ubnd|uy ban|chu tich|van phong|"
    r"thuong truc)|thoi (?:gian|han)(?: hoan thanh| thuc hien)?\s*:|hoan thanh truoc|"
    r"truoc ngay|cham nhat|gui (?:bao cao |ket qua )?(?:ve|cho|den)|yeu cau (?:gui|hoan thanh|hoan thien|bao cao)|"
    r"bao cao yeu cau gui|ket qua (?:gui|bao cao))"
)
_CONCLUSION = (
    re.compile(
        r"ket luan(?: va chi dao)?(?: cua [^.:\n]{0,120})? nhu sau|"
        r"(?:y kien )?chi dao(?: cua [^.:\n]{0,120})? nhu sau|co y kien(?: chi dao)?(?: [^.:\n]{0,60})? nhu sau|"
        r"y kien ket luan(?: [^.:\n]{0,120})? nhu sau|"
        r"(?:ket luan|chi dao|y kien chi dao|y kien ket luan)\s*:"
    ),
    re.compile(
        r"phat bieu (?:ket luan|chi dao)|ket luan (?:tai |buoi |cuoc |hoi nghi)|"
        r"ket luan,? chi dao"
    ),
)
# The journalist's own voice ("Chúng tôi sẽ tiếp tục thông tin tới bạn đọc").
_NARRATOR = re.compile(r"(?<![a-z])(?:chung toi|ban doc|phong vien|toa soan)(?![a-z])")
_AGREEMENT = re.compile(
    r"^\W*(?:\d+\W+)?(?:co ban )?(?:thong nhat|dong y|chap thuan|nhat tri|ghi nhan)(?![a-z])"
)
_CLOSING = re.compile(
    r"(?<![a-z])thong bao(?: (?:de|cho|den|toi))\b.{0,100}(?<![a-z])biet(?![a-z])|"
    r"(?<![a-z])(?:thong bao|xin thong bao) (?:y kien|ket luan)[^.]{0,120}(?:de|cho) (?:cac )?"
    r"(?:co quan|don vi|so|nganh)[^.]{0,60}(?:biet|thuc hien)"
)
_PAST_CITATION = re.compile(
    r"^\W*ngay \d{1,2}[/\-.]\d{1,2}(?:[/\-.]\d{4})?,[^.]{0,120}\b(?:ban hanh|co van ban|co cong van)"
)


def conclusion_start(text: str, start: int, end: int) -> int | None:
    """Where the leader's conclusion begins, when the text marks it."""
    folded = fold_same_length(text)
    m = _CONCLUSION[0].search(folded, start, end)
    if m:
        # "… có ý kiến chỉ đạo như sau:" only announces; the instructions follow it.
        after = m.end()
        while after < end and text[after] in ": \n":
            after += 1
        return after
    marks = list(_CONCLUSION[1].finditer(folded, start, end))
    for m in reversed(marks):
        rest = folded[m.end() : end]
        if _STRONG.search(rest[:1500]) or _STRONG.search(_line(folded, m.start())):
            return _sentence_start(text, m.start(), start)
    return None


def _line(folded: str, pos: int) -> str:
    s = folded.rfind("\n", 0, pos) + 1
    e = folded.find("\n", pos)
    return folded[s : e if e >= 0 else len(folded)]


def _sentence_start(text: str, pos: int, floor: int) -> int:
    cut = max(text.rfind("\n", floor, pos), text.rfind(". ", floor, pos))
    return cut + 1 if cut >= floor else floor


def is_instruction(sentence: str, *, in_conclusion: bool, in_item: bool) -> bool:
    """Does this sentence give an instruction (as opposed to report, praise, recall)?"""
    # "nhiệm vụ được giao", "đã giao": what was assigned before is not an order now.
    folded = re.sub(r"(?<![a-z])(?:da duoc|duoc|da) giao(?![a-z])", " ", fold_same_length(sentence))
    if _AGREEMENT.search(folded) and not _ASK.search(folded):
        return False  # "Thống nhất chủ trương …", "Đồng ý với đề xuất …": a decision, no task
    if _CLOSING.search(folded):
        return False  # "Văn phòng UBND tỉnh thông báo để các cơ quan, đơn vị biết, thực hiện"
    if _NARRATOR.search(folded) or sentence.isupper():
        return False  # the journalist's voice, a heading in capitals
    if _PROPOSAL.search(folded) and not re.search(r"(?<![a-z])(?:yeu cau|giao)(?![a-z])", folded):
        return False
    strong = _STRONG.search(folded)
    # In the conclusion or a numbered item, "Sở Tài chính cân đối nguồn vốn." is an order too.
    # An item of a conclusion is an instruction unless it reports or praises.
    opening = (
        (in_item and in_conclusion)
        or _IMPERATIVE_OPENING.search(folded)
        or _UNIT_OPENING.search(folded)
    )
    if not strong and not (opening and (in_conclusion or in_item)):
        return False
    asks = re.search(r"(?<![a-z])(?:yeu cau|de nghi)(?![a-z])", folded)
    if _PRAISE.search(folded) and not _DIRECTIVE_WORD.search(folded) and not asks:
        return False  # "ghi nhận những nỗ lực …": praise, not an order
    lowered = sentence.lower()
    reports = _RESULT.search(lowered) and not _ASK.search(folded)
    return not (
        reports and (not (opening and (in_conclusion or in_item)) or re.search(r"\bđã\s", lowered))
    )


_BOILERPLATE_WORDS = frozenset(
    [
        "phoi",
        "hop",
        "trien",
        "khai",
        "thuc",
        "hien",
        "to",
        "chuc",
        "gui",
        "bao",
        "cao",
        "dam",
        "bao",
        "chat",
        "luong",
        "dung",
        "thoi",
        "gian",
        "quy",
        "dinh",
        "theo",
        "va",
        "cac",
        "lien",
        "quan",
        "nghiem",
        "tuc",
        "kip",
        "thoi",
        "giam",
        "doc",
        "thu",
        "truong",
        "chu",
        "tich",
        "de",
        "nay",
        "noi",
        "dung",
        "tren",
        "yeu",
        "cau",
        "giao",
        "de",
        "nghi",
        "so",
        "nganh",
        "ban",
        "don",
        "vi",
        "dia",
        "phuong",
        "co",
        "quan",
        "voi",
        "hien",
        "hanh",
        "tot",
        "chi",
        "dao",
        "khan",
        "truong",
    ]
)


def is_boilerplate(sentence: str) -> bool:
    """'… phối hợp triển khai thực hiện, gửi báo cáo đúng thời gian quy định': an instruction
    with no content of its own, which restates the one before it to the same units."""
    words = re.findall(r"[a-z0-9]+", fold_same_length(sentence))
    if not re.search(r"(?:trien khai|to chuc|phoi hop) thuc hien", " ".join(words)):
        return False
    rest = [w for w in words if w not in _BOILERPLATE_WORDS and len(w) > 1]
    return len(rest) <= 4


def is_recalled(sentence: str) -> bool:
    """'Ngày 08/4/2021, Văn phòng UBND tỉnh ban hành Văn bản số 404 … giao Sở X …': an
    assignment reported as issued on a date. It is the task when the text gives no other;
    beside a fresh instruction it is the earlier order being chased."""
    return bool(_PAST_CITATION.search(fold_same_length(sentence)))


def is_continuation(sentence: str) -> bool:
    """A sentence that only completes the previous instruction (its report, its deadline)."""
    return bool(_CONTINUATION.search(fold_same_length(sentence)))


_CUE_WORDS = re.compile(
    r"(?<![a-z])(?:pho chu tich|chu tich|ubnd tinh|yeu cau|de nghi|giao|chi dao|khan truong|"
    r"nhanh chong|can phai|can|phai|dong chi|mot lan nua|nhac lai|tiep tuc|dong thoi|cung|"
    r"luu y|nhan manh|ket luan|cuoc hop|thanh pho)(?![a-z])"
)


@lru_cache(maxsize=4096)
def _gist(text: str) -> str:
    return _CUE_WORDS.sub(" ", fold_same_length(text))


def same_instruction(a: str, b: str, paraphrase: bool = True) -> bool:
    """Is ``b`` the instruction ``a`` restated (the leader repeating an order)? With
    ``paraphrase`` off (two items of a numbered list, distinct by design) only a near-verbatim
    repetition counts."""
    fa, fb = _gist(a), _gist(b)
    if not paraphrase:
        return fuzz.ratio(fa, fb) >= 98
    if fuzz.token_sort_ratio(fa, fb) >= 80 or (
        min(len(fa), len(fb)) > 40 and fuzz.partial_ratio(fa, fb) >= 90
    ):
        return True
    # The leader restating an order in other words keeps its content: most word pairs of the
    # shorter statement are in the longer one.
    pa, pb = _pairs(fa), _pairs(fb)
    shorter = min(len(pa), len(pb))
    return shorter >= 5 and len(pa & pb) / shorter >= 0.6


_FILLER = frozenset(
    [
        "va",
        "cac",
        "de",
        "cho",
        "cua",
        "voi",
        "tai",
        "trong",
        "theo",
        "nhung",
        "mot",
        "nay",
        "do",
        "la",
        "thi",
        "se",
        "da",
        "dang",
        "duoc",
        "co",
        "khong",
        "the",
        "nham",
        "ve",
        "tren",
        "hon",
    ]
)


@lru_cache(maxsize=4096)
def _pairs(gist: str) -> frozenset[tuple[str, str]]:
    words = [w for w in re.findall(r"[a-z]+", gist) if w not in _FILLER]
    return frozenset(zip(words, words[1:], strict=False))
