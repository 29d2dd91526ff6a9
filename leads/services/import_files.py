"""Reading an uploaded CSV or Excel file: what it is (by name *and* content), how its text
is encoded, its rows as a stream, and reading ahead of the code that writes them.

`FileRefused` carries a message for the user; everything here raises it, or nothing.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import os
import queue
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

ALLOWED_EXTENSIONS = (".csv", ".xlsx")
# Text encodings a CSV may come in: UTF-8 (with or without BOM) from most tools, GB18030
# (a superset of GBK and GB2312) from Chinese Excel's "Save as CSV".
CSV_ENCODINGS = ("utf-8-sig", "gb18030")
XLSX_REQUIRED_PARTS = ("[Content_Types].xml", "xl/workbook.xml")
# A workbook is a zip: these bound what opening it may unpack (a "zip bomb" is a small
# file that expands to gigabytes). Python's zipfile never inflates a member past the size
# its directory states, so checking the stated sizes before openpyxl reads is enough.
XLSX_MAX_MEMBERS = 2000
# Content that is not a CSV, whatever the name says: HTML/XML pages and programs.
_NOT_CSV_PREFIXES = (b"<!doctyp", b"<html", b"<?xml", b"<head", b"<body")
READ_BLOCK = 1 << 16


class FileRefused(Exception):
    """The file cannot be imported; the message says why, for the user."""


def _binary_csv() -> str:
    return _("This file is named .csv but is not a CSV text file (it holds binary data).")


def sniff_kind(name: str, head: bytes) -> str:
    """'csv' or 'xlsx' from the extension, confirmed by the content; else FileRefused."""
    extension = os.path.splitext(name)[1].lower()
    if extension == ".xls":
        raise FileRefused(
            _("Old Excel files (.xls) cannot be imported; save the sheet as .xlsx or CSV.")
        )
    if extension not in ALLOWED_EXTENSIONS:
        raise FileRefused(_("Only CSV (.csv) and Excel (.xlsx) files can be imported."))
    is_zip = head.startswith(b"PK\x03\x04")
    if extension == ".xlsx":
        if not is_zip:
            raise FileRefused(
                _(
                    "This file is named .xlsx but is not an Excel workbook; if it is a CSV, "
                    "name it .csv."
                )
            )
        return "xlsx"
    if is_zip or head.startswith((b"\xd0\xcf\x11\xe0", b"%PDF")):
        raise FileRefused(
            _(
                "This file is named .csv but is not a CSV (it looks like a workbook or "
                "another binary file); save it as CSV, or upload an Excel file as .xlsx."
            )
        )
    page = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower().startswith(_NOT_CSV_PREFIXES)
    if page or (head.startswith(b"MZ") and b"\x00" in head):  # HTML/XML, a Windows program
        raise FileRefused(
            _(
                "This file is named .csv but is not a CSV (it is a web page or a program); "
                "export the sheet again as CSV."
            )
        )
    if b"\x00" in head:
        raise FileRefused(_binary_csv())
    return "csv"


def _check_xlsx(fileobj) -> None:
    from django.conf import settings

    try:
        with zipfile.ZipFile(fileobj) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise FileRefused(_("This Excel file is damaged and cannot be read.")) from error
    names = {member.filename for member in members}
    unpacked = sum(member.file_size for member in members)
    limit = settings.IMPORT_XLSX_MAX_UNPACKED_BYTES
    if len(members) > XLSX_MAX_MEMBERS or unpacked > limit:
        raise FileRefused(
            _(
                "This Excel file unpacks to %(size)d MB, more than the %(limit)d MB an "
                "import may use; save it as CSV or split it into smaller files."
            )
            % {"size": unpacked // (1024 * 1024), "limit": limit // (1024 * 1024)}
        )
    if not all(part in names for part in XLSX_REQUIRED_PARTS):
        raise FileRefused(
            _(
                "This file is named .xlsx but is not an Excel workbook (it is another kind "
                "of archive)."
            )
        )


def _csv_encoding(fileobj) -> str:
    """The encoding the whole file decodes in: UTF-8 (BOM or not) or GB18030/GBK."""
    for encoding in CSV_ENCODINGS:
        fileobj.seek(0)
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            while block := fileobj.read(READ_BLOCK):
                text = decoder.decode(block)
                if "\x00" in text:
                    raise FileRefused(_binary_csv())
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        else:
            return encoding
        finally:
            fileobj.seek(0)
    raise FileRefused(
        _("This CSV file is neither UTF-8 nor GBK text; save it again as “CSV UTF-8”.")
    )


@dataclass
class Table:
    """A file opened for reading: its header and an iterator of (row number, cells)."""

    header: list[str]
    rows: Iterator[tuple[int, list[str]]]

    def count_rows(self) -> int:
        """Consume the rows, counting the data rows (blank ones are not data)."""
        return sum(1 for _number, cells in self.rows if not is_blank(cells))


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a phone typed into Excel as a number: 13800138000.0
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def is_blank(cells: list[str]) -> bool:
    return not "".join(cells).strip()


@contextlib.contextmanager
def open_table(fileobj, name: str) -> Iterator[Table]:
    """Open a stored CSV or XLSX for streaming; raise FileRefused if it cannot be read."""
    fileobj.seek(0)
    kind = sniff_kind(name, fileobj.read(8))
    fileobj.seek(0)
    if kind == "xlsx":
        with _open_xlsx(fileobj) as table:
            yield table
    else:
        with _open_csv(fileobj) as table:
            yield table


@contextlib.contextmanager
def _open_csv(fileobj) -> Iterator[Table]:
    encoding = _csv_encoding(fileobj)
    text = io.TextIOWrapper(fileobj, encoding=encoding, newline="")
    try:
        sample = text.read(4096)
        text.seek(0)
        try:
            delimiter = csv.Sniffer().sniff(sample.split("\n", 1)[0], delimiters=",;\t|").delimiter
        except csv.Error:
            delimiter = ","
        # Only the delimiter is taken from the header line: its quoting says nothing about
        # the rows' (Excel doubles quotes inside a quoted cell: "=HYPERLINK(""x"")").
        reader = csv.reader(text, csv.excel, delimiter=delimiter)
        try:
            header = next(reader, [])
        except csv.Error as error:
            raise FileRefused(
                _("This CSV file cannot be read: %(error)s") % {"error": error}
            ) from error

        def rows() -> Iterator[tuple[int, list[str]]]:
            try:
                yield from enumerate(reader, start=2)
            except csv.Error as error:
                raise FileRefused(
                    _("This CSV file cannot be read: %(error)s") % {"error": error}
                ) from error

        yield Table(header=[h.strip() for h in header], rows=rows())
    finally:
        text.detach()


@contextlib.contextmanager
def _open_xlsx(fileobj) -> Iterator[Table]:
    from openpyxl import load_workbook

    _check_xlsx(fileobj)
    fileobj.seek(0)
    try:
        workbook = load_workbook(fileobj, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken workbook
        raise FileRefused(_("This Excel file is damaged and cannot be read.")) from error
    try:
        sheet = workbook.worksheets[0]

        def cells_of(row) -> list[str]:
            return [_cell_text(value) for value in row]

        iterator = sheet.iter_rows(values_only=True)
        try:
            first = next(iterator, None)
        except Exception as error:  # the sheet is read lazily: damage shows up here
            raise FileRefused(_("This Excel file is damaged and cannot be read.")) from error
        header = [h.strip() for h in cells_of(first or ())]

        def rows() -> Iterator[tuple[int, list[str]]]:
            number = 1
            try:
                for number, row in enumerate(iterator, start=2):
                    yield number, cells_of(row)
            except Exception as error:  # a bad CRC or cut XML after the rows read so far
                raise FileRefused(
                    _("This Excel file is damaged after row %(row)d and cannot be read.")
                    % {"row": number}
                ) from error

        yield Table(header=header, rows=rows())
    finally:
        workbook.close()


def estimate_rows(fileobj, kind: str) -> int | None:
    """A cheap upper bound of the data rows (lines − 1 for CSV, the sheet's stated size)."""
    fileobj.seek(0)
    if kind == "csv":
        lines = 0
        last = b""
        while block := fileobj.read(READ_BLOCK):
            lines += block.count(b"\n")
            last = block
        if last and not last.endswith(b"\n"):
            lines += 1
        fileobj.seek(0)
        return max(0, lines - 1)
    return None


# --- reading ahead ------------------------------------------------------------------------


_END = object()


@contextlib.contextmanager
def read_ahead(items: Iterator, *, depth: int = 2):
    """Iterate `items` in a thread of its own, up to `depth` items ahead.

    Reading and cleaning the next chunk is pure Python; writing a chunk is mostly waiting
    for PostgreSQL (which releases the GIL). Done side by side, the import takes about
    the longer of the two instead of their sum. The thread touches no database and uses
    the caller's language; an error it meets is raised in the caller, and the caller
    leaving early (an error of its own) stops it before the file is closed.
    """
    language = translation.get_language()
    handoff: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                handoff.put(item, timeout=0.1)
            except queue.Full:
                continue
            return True
        return False

    def produce() -> None:
        try:
            with translation.override(language):
                for item in items:
                    if not put((item, None)):
                        return
        except BaseException as error:  # handed to the caller, raised there
            put((None, error))
        else:
            put((_END, None))

    def consume():
        while True:
            item, error = handoff.get()
            if error is not None:
                raise error
            if item is _END:
                return
            yield item

    reader = threading.Thread(target=produce, name="import-reader", daemon=True)
    reader.start()
    try:
        yield consume()
    finally:
        stop.set()
        reader.join()
