"""Text out of the files an Office receives: pasted text, .txt, .docx, .pdf with a text layer.

pypdf reads the text layer: it is pure Python with no dependencies of its own, and on this
machine reads a 20-page notice well within the reading budget; pdfminer.six gives finer layout
control we do not need (the segmenter joins wrapped lines itself) at several times the cost.
A PDF without a text layer (a scan) is refused with a clear message: OCR is not attempted.
"""

from __future__ import annotations

import io
from pathlib import Path

from flask_babel import gettext as _

SUPPORTED = (".txt", ".docx", ".pdf")


class UnreadableFile(ValueError):
    """The file cannot be read as a notice; the message says why."""


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
        _("Cannot read %(name)s: only .txt, .docx or a .pdf with a text layer.", name=name)
    )


def read_file(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise UnreadableFile(_("No such file: %(path)s.", path=path)) from exc
    except IsADirectoryError as exc:
        raise UnreadableFile(_("%(path)s is a folder, not a file.", path=path)) from exc
    except OSError as exc:
        raise UnreadableFile(
            _("Cannot open %(path)s: %(reason)s.", path=path, reason=exc.strerror)
        ) from exc
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
        _("The .txt file is not UTF-8: save it again as UTF-8 (Unicode) and upload it again.")
    )


def _docx(data: bytes) -> str:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, OSError) as exc:
        raise UnreadableFile(_("The .docx file is damaged or not a Word (.docx) file.")) from exc
    except Exception as exc:  # zipfile.BadZipFile and lxml errors have no common base
        raise UnreadableFile(_("The .docx file is damaged or not a Word (.docx) file.")) from exc
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
        raise UnreadableFile(_("The .pdf file is damaged or cannot be read.")) from exc
    text = "\n".join(pages)
    if len(text.strip()) < 20:
        raise UnreadableFile(
            _(
                "The .pdf file has no text layer (a scanned image): upload the .docx or a PDF "
                "exported from Word, or paste the text."
            )
        )
    return text
