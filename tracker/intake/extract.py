"""Text out of the files an Office receives: pasted text, .txt, .docx, .pdf with a text layer.

pypdf reads the text layer: it is pure Python with no dependencies of its own, and on this
machine reads a 20-page notice well within the reading budget; pdfminer.six gives finer layout
control we do not need (the segmenter joins wrapped lines itself) at several times the cost.
A PDF without a text layer (a scan) is refused with a clear message: OCR is not attempted.
"""

from __future__ import annotations

import io
from pathlib import Path

SUPPORTED = (".txt", ".docx", ".pdf")


class UnreadableFile(ValueError):
    """The file cannot be read as a notice; the message says why, in Vietnamese."""


def extract_text(name: str, data: bytes) -> str:
    """The text of an uploaded file, by its extension."""
    suffix = Path(name).suffix.lower()
    if suffix == ".txt":
        return _text(data)
    if suffix == ".docx":
        return _docx(data)
    if suffix == ".pdf":
        return _pdf(data)
    raise UnreadableFile(
        f"Không đọc được tệp {name}: chỉ nhận .txt, .docx hoặc .pdf có lớp văn bản."
    )


def read_file(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise UnreadableFile(f"Không tìm thấy tệp {path}.") from exc
    except IsADirectoryError as exc:
        raise UnreadableFile(f"{path} là thư mục, không phải tệp.") from exc
    except OSError as exc:
        raise UnreadableFile(f"Không mở được tệp {path}: {exc.strerror}.") from exc
    return extract_text(path.name, data)


def _text(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for encoding in ("utf-8", "utf-16"):
        if encoding == "utf-16" and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
            continue
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile(
        "Tệp .txt không phải UTF-8: hãy lưu lại với bảng mã UTF-8 (Unicode) rồi tải lên lại."
    )


def _docx(data: bytes) -> str:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, OSError) as exc:
        raise UnreadableFile("Tệp .docx bị hỏng hoặc không phải tệp Word (.docx).") from exc
    except Exception as exc:  # zipfile.BadZipFile and lxml errors have no common base
        raise UnreadableFile("Tệp .docx bị hỏng hoặc không phải tệp Word (.docx).") from exc
    lines = [p.text for p in document.paragraphs]
    # The header (Số: …, place and date) sits in a table in most notices.
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                lines.insert(0, cell.text)
    return "\n".join(lines)


def _pdf(data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, OSError) as exc:
        raise UnreadableFile("Tệp .pdf bị hỏng hoặc không đọc được.") from exc
    text = "\n".join(pages)
    if len(text.strip()) < 20:
        raise UnreadableFile(
            "Tệp .pdf không có lớp văn bản (bản quét ảnh): hãy tải bản .docx hoặc bản PDF "
            "xuất từ Word, hoặc dán nội dung văn bản."
        )
    return text
