"""Erasure of the person from stored import files: rows naming their number or email are
dropped (a CSV in its own encoding, a workbook sheet by sheet)."""

from __future__ import annotations

import csv
import io

from django.core.files.base import ContentFile

from leads.models import (
    ImportJob,
)

from ...person import Person
from .common import BATCH, Erased


def erase_import_files(person: Person, erased: Erased) -> None:
    """Every stored import file loses the rows naming the person's number or email (a CSV
    is rewritten in its own encoding, a workbook sheet by sheet). The job's fingerprint
    (`sha256`) stays the original file's, so importing that file again is still known."""
    if not (person.phones or person.emails):
        return
    for job in ImportJob.objects.exclude(file="").only("pk", "file").iterator(chunk_size=BATCH):
        dropped = _drop_rows(job, person)
        erased.add("import_file_rows", dropped)


def _drop_rows(job: ImportJob, person: Person) -> int:
    storage = job.file.storage
    name = job.file.name
    if not storage.exists(name):
        return 0
    with storage.open(name, "rb") as handle:
        content = handle.read()
    if name.lower().endswith(".xlsx"):
        rewritten, dropped = _drop_xlsx_rows(content, person)
    else:
        rewritten, dropped = _drop_csv_rows(content, person)
    if dropped:
        storage.delete(name)
        saved = storage.save(name, ContentFile(rewritten))
        if saved != name:
            ImportJob.objects.filter(pk=job.pk).update(file=saved)
    return dropped


def _drop_csv_rows(content: bytes, person: Person) -> tuple[bytes, int]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        return content, 0
    if not person.mentions(text):
        return content, 0
    kept = io.StringIO(newline="")
    writer = csv.writer(kept)
    dropped = 0
    for row in csv.reader(io.StringIO(text, newline="")):
        if any(person.mentions(cell) for cell in row):
            dropped += 1
            continue
        writer.writerow(row)
    out_encoding = "utf-8-sig" if content.startswith(b"\xef\xbb\xbf") else encoding
    if encoding == "utf-8-sig" and not content.startswith(b"\xef\xbb\xbf"):
        out_encoding = "utf-8"
    return kept.getvalue().encode(out_encoding), dropped


def _drop_xlsx_rows(content: bytes, person: Person) -> tuple[bytes, int]:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(content))
    dropped = 0
    for sheet in workbook.worksheets:
        doomed = [
            row[0].row
            for row in sheet.iter_rows()
            if row
            and any(cell.value is not None and person.mentions(str(cell.value)) for cell in row)
        ]
        for number in reversed(doomed):
            sheet.delete_rows(number)
        dropped += len(doomed)
    if not dropped:
        return content, 0
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue(), dropped
