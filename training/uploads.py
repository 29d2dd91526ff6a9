"""Checks on uploaded course materials: the type is read from the content, not the name.

A file is accepted when its extension is one of the allowed ones, its content really is
that kind of file and it is not larger than `TRAINING_MATERIAL_MAX_BYTES`. The first bytes
only name the kind; the whole file must then have that kind's structure (`structure_ok`):
a PDF that pypdf reads page by page, PNG chunks with their checksums up to IEND, JPEG
segments up to the end-of-image marker, MP4 boxes that add up to the file, an Office zip
whose every member inflates with the right checksum, text that is UTF-8 throughout. A PDF
header glued to a program (or anything else) is refused.
"""

from __future__ import annotations

import logging
import os
import struct
import zipfile
import zlib

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
# An Office file may inflate to this many times its size before it counts as a zip bomb.
OFFICE_MAX_RATIO = 100

logger = logging.getLogger(__name__)


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


def _read_all(upload) -> bytes:
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    return data


def _pdf_ok(data: bytes) -> bool:
    import io

    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    if b"%%EOF" not in data[-2048:]:
        return False
    try:
        reader = PdfReader(io.BytesIO(data), strict=True)
        return all(page.mediabox is not None for page in reader.pages) and len(reader.pages) > 0
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError, RecursionError):
        return False


def _png_ok(data: bytes) -> bool:
    position = 8
    while position + 12 <= len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind = data[position + 4 : position + 8]
        body_end = position + 8 + length
        if body_end + 4 > len(data):
            return False
        (crc,) = struct.unpack(">I", data[body_end : body_end + 4])
        if zlib.crc32(data[position + 4 : body_end]) != crc:
            return False
        position = body_end + 4
        if kind == b"IEND":
            return position == len(data)
    return False


def _jpg_ok(data: bytes) -> bool:
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            return False
        marker = data[position + 1]
        if marker == 0xD8 or 0xD0 <= marker <= 0xD7 or marker == 0x01:
            position += 2
            continue
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        if marker == 0xDA:  # start of scan: entropy-coded data up to the end-of-image
            return data.rstrip(b"\x00").endswith(b"\xff\xd9") and position + 2 + length < len(data)
        position += 2 + length
    return False


def _mp4_ok(data: bytes) -> bool:
    position, kinds = 0, []
    while position < len(data):
        if position + 8 > len(data):
            return False
        size, kind = struct.unpack(">I4s", data[position : position + 8])
        if size == 1:
            if position + 16 > len(data):
                return False
            (size,) = struct.unpack(">Q", data[position + 8 : position + 16])
        elif size == 0:
            size = len(data) - position
        if size < 8 or position + size > len(data):
            return False
        kinds.append(kind)
        position += size
    return bool(kinds) and kinds[0] == b"ftyp" and b"moov" in kinds


# What zipfile raises for an archive it cannot read whole: damaged or cut short
# (BadZipFile, EOFError, OSError, ValueError), a member behind a password (RuntimeError),
# a compression method it does not know (NotImplementedError).
UNREADABLE_ZIP = (
    zipfile.BadZipFile,
    EOFError,
    OSError,
    ValueError,
    RuntimeError,
    NotImplementedError,
)


def _office_ok(upload, kind: str) -> bool:
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            members = archive.infolist()
            names = {member.filename for member in members}
            if "[Content_Types].xml" not in names or OFFICE_PARTS[kind] not in names:
                return False
            if sum(member.file_size for member in members) > OFFICE_MAX_RATIO * max(
                upload.size or 0, 1
            ):
                return False
            return archive.testzip() is None
    except UNREADABLE_ZIP:
        return False
    finally:
        upload.seek(0)


def _txt_ok(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def structure_ok(upload, kind: str) -> bool:
    """Whether the whole file has the structure of `kind`, not only its first bytes."""
    if kind in OFFICE_PARTS:
        return _office_ok(upload, kind)
    data = _read_all(upload)
    checks = {"pdf": _pdf_ok, "png": _png_ok, "jpg": _jpg_ok, "mp4": _mp4_ok, "txt": _txt_ok}
    return checks[kind](data)


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
    if found != kind or not structure_ok(upload, kind):
        raise ValidationError(
            {
                field: _("The file's content does not match its name: it is not a %(ext)s file.")
                % {"ext": extension.lstrip(".")}
            }
        )
    return name, content_type
