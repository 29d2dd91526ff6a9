"""Reading an uploaded CSV or Excel file: what it is (by name *and* content), how its text
is encoded, its rows as a stream, and reading ahead of the code that writes them.

`FileRefused` carries a message for the user; everything here raises it, or nothing.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import gc
import io
import os
import queue
import sys
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from xml.parsers import expat

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
# What the parts of a workbook may hold, so that reading one keeps a process's memory
# bounded whatever the file (a 300 KB file whose sheet is 300 MB of blanks made the
# XML reader build a 300 MB string). A cell holds at most 32,767 characters (Excel's
# limit), about 200 KB of XML at the very worst; no text between two tags, and no tag,
# may be longer than XLSX_MAX_XML_RUN bytes. The shared strings (every distinct text of
# the workbook, held in memory while it is read) may take XLSX_MAX_SHARED_STRINGS_BYTES
# (about 300,000 short texts: a 100,000-row lead list with three columns of distinct
# texts); more is refused with a hint to save the sheet as CSV.
XLSX_MAX_XML_RUN = 512 * 1024
XLSX_MAX_SHARED_STRINGS_BYTES = 40 * 1024 * 1024
# A CSV record (one line, or a quoted cell's lines) may hold this many characters; the
# csv module already refuses one cell over 131,072.
CSV_MAX_RECORD_CHARS = 256 * 1024
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
    try:
        with zipfile.ZipFile(fileobj) as archive:
            # Every member, whatever its name: the workbook's relationships may point the
            # reader at a part with any name. A binary part (an image) stops at its first
            # bytes, which are not XML.
            for member in members:
                if member.file_size:
                    with archive.open(member) as stream:
                        _check_xml_part(stream)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise FileRefused(_("This Excel file is damaged and cannot be read.")) from error


def _refused_xml() -> FileRefused:
    return FileRefused(
        _(
            "This Excel file holds a text or a tag longer than any cell can be, or XML that "
            "Excel does not write (comments, CDATA, a document type); it cannot be "
            "imported. Open it in Excel or WPS and save it again, or save it as CSV."
        )
    )


def _check_xml_part(stream) -> None:
    """Read one XML part of a workbook in blocks and refuse what would make the workbook
    reader hold more than a block or two in memory, before that reader sees it.

    Bounded by construction: expat keeps no more than an unfinished token, and the part
    is dropped as soon as one grows past `XLSX_MAX_XML_RUN`. What is checked:
    - no run of bytes between two `<` longer than `XLSX_MAX_XML_RUN` (text, blanks);
    - no tag, comment or other token longer than that (what expat holds unfinished);
    - no document type, comment, CDATA section or processing instruction: Excel, WPS and
      LibreOffice write none, and each would let text pile up across it unseen.
    The runs are found with `bytes.find` and expat reports only the rare constructs, so
    the 40 MB sheet of a 100,000-row workbook is checked in about a second.
    """
    parser = expat.ParserCreate()

    def refuse(*_args) -> None:
        raise _refused_xml()

    parser.StartDoctypeDeclHandler = refuse
    parser.CommentHandler = refuse
    parser.StartCdataSectionHandler = refuse
    parser.ProcessingInstructionHandler = refuse
    parser.EntityDeclHandler = refuse
    run = fed = 0
    try:
        while block := stream.read(READ_BLOCK):
            parser.Parse(block, False)
            fed += len(block)
            if fed - parser.CurrentByteIndex > XLSX_MAX_XML_RUN:
                raise _refused_xml()
            first = block.find(b"<")
            if first < 0:
                run += len(block)
            else:
                if run + first > XLSX_MAX_XML_RUN:
                    raise _refused_xml()
                run = len(block) - block.rfind(b"<") - 1
            if run > XLSX_MAX_XML_RUN:
                raise _refused_xml()
        parser.Parse(b"", True)
    except expat.ExpatError:
        # Broken XML: the workbook reader stops at the same place (it is expat too), having
        # read only what was checked, and says after which row (`_open_xlsx`).
        return


def _read_shared_strings(stream) -> list[str]:
    """The workbook's shared strings, as openpyxl's `read_string_table` reads them (the
    text of each `si`, rich-text runs joined, phonetic guides left out), with two
    differences: nothing but the strings is kept (openpyxl also keeps an element per
    string), and reading stops with FileRefused once they take more than
    `XLSX_MAX_SHARED_STRINGS_BYTES`."""
    strings: list[str] = []
    parts: list[str] = []
    state = {"in_text": False, "phonetic": 0, "used": 0}
    parser = expat.ParserCreate()
    parser.buffer_text = True

    def local(name: str) -> str:
        return name.rpartition(":")[2]

    def start(name, _attributes) -> None:
        tag = local(name)
        if tag == "si":
            parts.clear()
        elif tag == "rPh":
            state["phonetic"] += 1
        elif tag == "t" and not state["phonetic"]:
            state["in_text"] = True

    def end(name) -> None:
        tag = local(name)
        if tag == "t":
            state["in_text"] = False
        elif tag == "rPh":
            state["phonetic"] -= 1
        elif tag == "si":
            text = "".join(parts).replace("x005F_", "")
            strings.append(text)
            state["used"] += sys.getsizeof(text) + 8
            if state["used"] > XLSX_MAX_SHARED_STRINGS_BYTES:
                raise FileRefused(
                    _(
                        "This Excel file holds too many different texts to be read at "
                        "once (more than %(limit)d MB); save it as CSV or split it into "
                        "smaller files."
                    )
                    % {"limit": XLSX_MAX_SHARED_STRINGS_BYTES // (1024 * 1024)}
                )

    def text(data: str) -> None:
        if state["in_text"]:
            parts.append(data)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.ParseFile(stream)
    return strings


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
def open_table(fileobj, name: str, *, texts: bool = True) -> Iterator[Table]:
    """Open a stored CSV or XLSX for streaming; raise FileRefused if it cannot be read.

    With `texts=False` a workbook's shared strings are not read (every text cell reads
    as "·"): enough to count rows, for a fraction of the memory and time.
    """
    fileobj.seek(0)
    kind = sniff_kind(name, fileobj.read(8))
    fileobj.seek(0)
    if kind == "xlsx":
        with _open_xlsx(fileobj, texts=texts) as table:
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
        record = {"left": CSV_MAX_RECORD_CHARS}

        def lines() -> Iterator[str]:
            # Never more than one record's worth of text at once: one gigantic line (or
            # a quoted cell running over many) is refused, not read whole.
            while line := text.readline(CSV_MAX_RECORD_CHARS + 1):
                record["left"] -= len(line)
                if record["left"] < 0:
                    raise FileRefused(
                        _(
                            "Row %(row)d of this CSV file is longer than %(limit)d "
                            "characters; a row holds one customer. Check that the file "
                            "is a list with one customer per line."
                        )
                        % {"row": reader.line_num + 1, "limit": CSV_MAX_RECORD_CHARS}
                    )
                yield line

        reader = csv.reader(lines(), csv.excel, delimiter=delimiter)
        try:
            header = next(reader, [])
        except csv.Error as error:
            raise FileRefused(
                _("This CSV file cannot be read: %(error)s") % {"error": error}
            ) from error
        record["left"] = CSV_MAX_RECORD_CHARS

        def rows() -> Iterator[tuple[int, list[str]]]:
            try:
                for number, cells in enumerate(reader, start=2):
                    record["left"] = CSV_MAX_RECORD_CHARS
                    yield number, cells
            except csv.Error as error:
                raise FileRefused(
                    _("This CSV file cannot be read: %(error)s") % {"error": error}
                ) from error

        yield Table(header=[h.strip() for h in header], rows=rows())
    finally:
        text.detach()


def count_rows(fileobj, name: str) -> int:
    """The data rows of a stored file (blank rows are not data)."""
    with open_table(fileobj, name, texts=False) as table:
        return table.count_rows()


@contextlib.contextmanager
def _open_xlsx(fileobj, *, texts: bool = True) -> Iterator[Table]:
    _check_xlsx(fileobj)
    fileobj.seek(0)
    try:
        workbook = _load_workbook(fileobj, texts=texts)
    except FileRefused:
        raise
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


class _AnyText:
    """Shared strings that are not read: every index is a text that is not blank."""

    def __getitem__(self, index) -> str:
        return "·"


def _load_workbook(fileobj, *, texts: bool = True):
    """openpyxl's `load_workbook(fileobj, read_only=True, data_only=True)`, with the shared
    strings read by `_read_shared_strings`: bounded, without openpyxl's element per
    string (openpyxl is imported when an Excel file is first read); not at all without
    `texts`."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.xml.constants import SHARED_STRINGS

    class Reader(ExcelReader):
        def read_strings(self):
            content_type = self.package.find(SHARED_STRINGS)
            if not texts:
                self.shared_strings = _AnyText()
            elif content_type is not None:
                with self.archive.open(content_type.PartName[1:]) as source:
                    self.shared_strings = _read_shared_strings(source)

    reader = Reader(fileobj, read_only=True, data_only=True)
    reader.read()
    return reader.wb


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
SWITCH_SECONDS = 0.0001


@contextlib.contextmanager
def read_ahead(items: Iterator, *, depth: int = 2):
    """Iterate `items` in a thread of its own, up to `depth` items ahead.

    Reading and cleaning the next chunk is pure Python; writing a chunk is mostly waiting
    for PostgreSQL (which releases the GIL). Done side by side, the import takes about
    the longer of the two instead of their sum. The thread touches no database and uses
    the caller's language; an error it meets is raised in the caller, and the caller
    leaving early (an error of its own) stops it before the file is closed.

    Meanwhile the GIL changes hands every `SWITCH_SECONDS` rather than every 5 ms:
    each time a query returns, the caller waits for the thread to let go of the GIL, and
    at 5 ms a turn that cost over half a second per 100,000 rows. And the cyclic garbage
    collector waits: the chunks in flight are hundreds of thousands of small objects, and
    the collections their allocations set off walked them and the worker's whole heap,
    holding the GIL (1.4 s of a 100,000-row import). Rows make no reference cycles; any
    other cycle made meanwhile is collected once the collector is back on.
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
    interval = sys.getswitchinterval()
    sys.setswitchinterval(min(interval, SWITCH_SECONDS))
    collecting = gc.isenabled()
    gc.disable()
    reader.start()
    try:
        yield consume()
    finally:
        stop.set()
        reader.join()
        sys.setswitchinterval(interval)
        if collecting:
            gc.enable()
