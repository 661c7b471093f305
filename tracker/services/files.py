"""Uploaded files: checked, stored under a random name, kept only if the database agrees.

A file arrives with a name the person chose (often Vietnamese, sometimes hostile: very
long, with control characters or path separators). That name is cleaned and kept in the
database for display and download; on disk the file gets a random name under
``instance/uploads/<task id>/``, so nothing the person typed ever reaches the file system.

The file is written after the rows that refer to it are flushed, and removed again when
the outermost transaction ends without a commit (a refused request rolls back, a failed
commit rolls back, an unhandled error closes the session at the end of the request). So a
file on disk always belongs to a committed row. Session events do this, rather than the
views, because the views only commit: every caller of the services gets it for free.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..i18n import format_size

MAX_NAME_CHARS = 200
_PENDING = "tracker.files.pending"
# Before migration 0007 files were stored as "<task>/<12 hex>_<secure_filename>".
_OLD_STORED = re.compile(r"^\d+/[0-9a-f]{12}_(.+)$")


class UploadRefused(Exception):
    """The file cannot be accepted; the message is for the person."""


@dataclass(frozen=True)
class Upload:
    """A checked upload, not yet on disk: its display name and its content."""

    name: str
    extension: str
    data: bytes


def upload_root() -> Path:
    return Path(current_app.instance_path) / "uploads"


def clean_name(raw: str) -> str:
    """The name as it is shown and offered for download: NFC, the last path component,
    without control or format characters (bidi overrides included), at most
    MAX_NAME_CHARS characters with its extension kept."""
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[/\\]", name)[-1]
    name = " ".join(name.split())  # tabs, line breaks, odd spaces: one space
    name = "".join(ch for ch in name if not unicodedata.category(ch).startswith("C"))
    name = " ".join(name.split())
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""
    stem = stem.strip(" .") or "file"
    extension = extension.strip()
    if extension:
        extension = extension[: MAX_NAME_CHARS // 2]
        stem = stem[: MAX_NAME_CHARS - len(extension) - 1].rstrip(" .") or "file"
        return f"{stem}.{extension}"
    return stem[:MAX_NAME_CHARS]


def check_upload(upload) -> Upload | None:
    """Read and check a werkzeug FileStorage (None or an empty file field: no file).
    Raises UploadRefused for a type not accepted or a file over UPLOAD_MAX_BYTES."""
    if upload is None or not getattr(upload, "filename", ""):
        return None
    name = clean_name(upload.filename)
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    accepted = current_app.config["UPLOAD_EXTENSIONS"]
    if extension not in accepted:
        raise UploadRefused(
            _(
                "This file type is not accepted. Accepted types: %(types)s.",
                types=", ".join(sorted(accepted)),
            )
        )
    limit = current_app.config["UPLOAD_MAX_BYTES"]
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise UploadRefused(_("The file is too large: at most %(size)s.", size=format_size(limit)))
    return Upload(name=name, extension=extension, data=data)


def stored_name(task_id: int, upload: Upload | None) -> str | None:
    """A fresh random path, relative to upload_root(), for an upload of a task."""
    if upload is None:
        return None
    return f"{task_id}/{uuid.uuid4().hex}.{upload.extension}"


def write_upload(session: Session, relative: str, upload: Upload) -> None:
    """Write the file at its stored path. Call it once the rows that name it are flushed:
    the file is removed again unless the session's outermost transaction commits."""
    path = upload_root() / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    session.info.setdefault(_PENDING, []).append(path)
    with path.open("xb") as out:
        out.write(upload.data)


def display_name(stored: str | None, original: str | None = None) -> str:
    """The name a person sees for a stored file: its original name, or for files stored
    before the original names were kept, the readable part of the stored name."""
    if original:
        return original
    if not stored:
        return ""
    match = _OLD_STORED.match(stored)
    return match.group(1) if match else stored.rsplit("/", 1)[-1]


def task_files(task) -> dict[str, str]:
    """{stored path: display name} of every file of a task (reports and result)."""
    files = {
        r.file_path: display_name(r.file_path, r.file_name) for r in task.reports if r.file_path
    }
    if task.result_file:
        files[task.result_file] = display_name(task.result_file, task.result_file_name)
    return files


@event.listens_for(Session, "after_commit")
def _keep_written_files(session: Session) -> None:
    # after_commit also fires when a savepoint is released: only the outermost counts.
    if session.get_nested_transaction() is None:
        session.info.pop(_PENDING, None)


@event.listens_for(Session, "after_transaction_end")
def _remove_uncommitted_files(session: Session, transaction) -> None:
    if transaction.parent is None:
        for path in session.info.pop(_PENDING, ()):
            path.unlink(missing_ok=True)
