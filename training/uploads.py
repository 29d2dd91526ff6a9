"""Checks on uploaded course materials: the type is read from the content, not the name.

A file is accepted when its extension is one of the allowed ones, its content really is
that kind of file (a Word document is a zip holding `word/document.xml`, a PDF starts with
`%PDF-`, ...) and it is not larger than `TRAINING_MATERIAL_MAX_BYTES`.
"""

from __future__ import annotations

import os
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

# extension -> (kind, the content type the file is served with)
ALLOWED = {
    ".pdf": ("pdf", "application/pdf"),
    ".docx": (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    ".xlsx": ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ".pptx": (
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    ".mp4": ("mp4", "video/mp4"),
    ".png": ("png", "image/png"),
    ".jpg": ("jpg", "image/jpeg"),
    ".jpeg": ("jpg", "image/jpeg"),
    ".txt": ("txt", "text/plain; charset=utf-8"),
}
OFFICE_PARTS = {
    "docx": "word/document.xml",
    "xlsx": "xl/workbook.xml",
    "pptx": "ppt/presentation.xml",
}
SNIFF_BYTES = 8192


def allowed_extensions() -> str:
    return ", ".join(sorted({ext.lstrip(".") for ext in ALLOWED}))


def max_bytes() -> int:
    return settings.TRAINING_MATERIAL_MAX_BYTES


def sniff(upload) -> str | None:
    """The kind of file the content is (one of ALLOWED's kinds), or None."""
    upload.seek(0)
    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "mp4"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(upload) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError, EOFError):
            return None
        finally:
            upload.seek(0)
        for kind, part in OFFICE_PARTS.items():
            if part in names:
                return kind
        return None
    if head and b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as error:
            # A multi-byte character cut at the end of the sample is still text.
            if error.start < len(head) - 4:
                return None
        return "txt"
    return None


def check_material(upload, *, field: str = "file") -> tuple[str, str]:
    """(clean original name, content type) of an acceptable upload; else a ValidationError
    naming `field`."""
    if upload is None:
        raise ValidationError({field: _("Choose a file to upload.")})
    name = os.path.basename(str(upload.name or "")).strip()[:200]
    extension = os.path.splitext(name)[1].lower()
    if extension not in ALLOWED:
        raise ValidationError(
            {
                field: _("Files of this type cannot be uploaded. Allowed: %(allowed)s.")
                % {"allowed": allowed_extensions()}
            }
        )
    if upload.size is None or upload.size == 0:
        raise ValidationError({field: _("The file is empty.")})
    if upload.size > max_bytes():
        raise ValidationError(
            {
                field: _("The file is too large (%(size)s); at most %(max)s.")
                % {"size": filesizeformat(upload.size), "max": filesizeformat(max_bytes())}
            }
        )
    kind, content_type = ALLOWED[extension]
    found = sniff(upload)
    if found != kind:
        raise ValidationError(
            {
                field: _("The file's content does not match its name: it is not a %(ext)s file.")
                % {"ext": extension.lstrip(".")}
            }
        )
    return name, content_type
