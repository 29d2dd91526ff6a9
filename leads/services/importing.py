"""Bulk import of leads (or do-not-call numbers) from CSV and Excel files.

The upload is checked at the door (`import_job_create`: size, extension *and* content, a
row-count estimate) so a wrong file is refused at once with a clear message; the work runs
in a worker (`import_job_run`), streaming the file in chunks of `CHUNK_ROWS` rows. Each
chunk is one transaction that also advances the job's counters, so the progress bar moves
and a worker killed mid-way loses nothing: the next run skips the rows already counted.

Every data row ends up in exactly one of three places: a new lead (a `LeadSource` with
this job, the row number in its payload), a duplicate or a rejection (an `ImportRow` with
the row number as the user sees it in the file, header = row 1). Blank rows are ignored
and not counted. Per chunk there is one query for the known phones, one for the
do-not-call list and a handful of bulk writes, which is what makes 100,000 rows take
seconds rather than minutes.

Decisions: a file over `LeadPolicy.import_max_rows` is refused whole (at upload when the
count is certain, else when the run starts), because half an import is harder to reason
about than none. A row with any unreadable value (phone, email, budget, intent, a value
too long) is rejected with that field, never half-imported; fixing and re-importing the
file then creates only the rows that were rejected, since the others are now duplicates.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import io
import logging
import os
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg.types.json import Jsonb

from crm import access
from crm.services import notify

from ..models import (
    Channel,
    DoNotCall,
    ImportJob,
    ImportRow,
    Intent,
    Lead,
    LeadPolicy,
    LeadSource,
)
from ..phones import InvalidPhone
from .capture import (
    Scorer,
    close_leads_for_do_not_call,
    lead_fields_clean,
    lead_fill_empty,
    phone_normalize,
)

logger = logging.getLogger(__name__)

CHUNK_ROWS = 2000
KINDS = tuple(ImportJob.Kind.values)
ALLOWED_EXTENSIONS = (".csv", ".xlsx")
# Text encodings a CSV may come in: UTF-8 (with or without BOM) from most tools, GB18030
# (a superset of GBK and GB2312) from Chinese Excel's "Save as CSV".
CSV_ENCODINGS = ("utf-8-sig", "gb18030")
XLSX_REQUIRED_PARTS = ("[Content_Types].xml", "xl/workbook.xml")
_READ_BLOCK = 1 << 16

#: Header synonyms per field, Chinese and English, compared after `_header_key()`.
# fmt: off
LEAD_COLUMN_SYNONYMS: dict[str, tuple[str, ...]] = {
    "phone": ("手机", "手机号", "手机号码", "电话", "联系电话", "电话号码", "联系方式", "移动电话",
              "客户电话", "客户手机", "号码", "phone", "mobile", "tel", "telephone",
              "phonenumber", "mobilephone", "cellphone", "cell", "mobileno", "phoneno"),
    "name": ("姓名", "客户姓名", "客户名称", "客户", "联系人", "名字", "称呼", "name", "fullname",
             "customer", "customername", "contact", "contactname"),
    "company": ("公司", "单位", "公司名称", "企业", "企业名称", "工作单位", "company",
                "companyname", "organization", "organisation", "employer"),
    "region": ("地区", "省份", "城市", "区域", "所在地", "所在地区", "省市", "地址", "region",
               "city", "province", "area", "location", "address"),
    "source": ("来源", "渠道", "线索来源", "客户来源", "source", "channel", "leadsource"),
    "notes": ("备注", "说明", "描述", "notes", "note", "remark", "remarks", "comment", "comments"),
    "email": ("邮箱", "电子邮箱", "电子邮件", "邮件", "email", "e-mail", "mail", "emailaddress"),
    "wechat": ("微信", "微信号", "wechat", "weixin", "wechatid"),
    "product": ("产品", "意向产品", "感兴趣产品", "product", "interest", "productofinterest"),
    "budget": ("预算", "预算金额", "budget"),
    "intent": ("意向", "意向度", "意向程度", "意向等级", "intent", "intention"),
    "timeline": ("时间", "购买时间", "计划时间", "预计时间", "时间计划", "timeline", "timeframe"),
}
# fmt: on
DNC_COLUMN_SYNONYMS: dict[str, tuple[str, ...]] = {
    "phone": LEAD_COLUMN_SYNONYMS["phone"],
    "reason": ("原因", "理由", "备注", "说明", "reason", "note", "notes", "remark", "comment"),
}


def column_fields(kind: str) -> tuple[str, ...]:
    """The fields a column of this kind of import may be mapped to."""
    return tuple((DNC_COLUMN_SYNONYMS if kind == "dnc" else LEAD_COLUMN_SYNONYMS).keys())


def _header_key(text: Any) -> str:
    text = unicodedata.normalize("NFKC", str(text or "")).casefold()
    for noise in ("(必填)", "(选填)", "(required)", "(optional)", "*", ":"):
        text = text.replace(noise, "")
    return "".join(ch for ch in text if ch.isalnum())


def detect_columns(header: list[str], *, kind: str = "leads") -> dict[int, str]:
    """Map header cells to fields by their usual Chinese/English names; each field once.

    An exact synonym wins; otherwise a Chinese synonym contained in the cell ("客户手机号"),
    the longest first, phone before the rest. Unrecognized columns are left out, for the
    user to map or ignore.
    """
    synonyms = DNC_COLUMN_SYNONYMS if kind == "dnc" else LEAD_COLUMN_SYNONYMS
    exact = {_header_key(word): name for name, words in synonyms.items() for word in words}
    result: dict[int, str] = {}
    taken: set[str] = set()
    keys = [_header_key(cell) for cell in header]
    for index, key in enumerate(keys):
        name = exact.get(key)
        if name and name not in taken:
            result[index] = name
            taken.add(name)
    for index, key in enumerate(keys):
        if index in result or not key:
            continue
        best: tuple[int, str] | None = None
        for name, words in synonyms.items():
            for word in words:
                word_key = _header_key(word)
                if word_key.isascii() or word_key not in key:
                    continue
                rank = (len(word_key) + (100 if name == "phone" else 0), name)
                if best is None or rank > best:
                    best = rank
        # The best reading only: "客户手机号" is a second phone column, not a name.
        if best and best[1] not in taken:
            result[index] = best[1]
            taken.add(best[1])
    return result


def columns_resolve(header: list[str], mapping: dict | None, *, kind: str) -> dict[int, str]:
    """Detected columns with the user's mapping applied on top.

    `mapping` keys are column numbers (0-based, as text or int) or header texts; a value is
    a field name, or "" to ignore that column. A field the user placed moves off the
    column it was detected on.
    """
    columns = detect_columns(header, kind=kind)
    allowed = column_fields(kind)
    keys = [_header_key(cell) for cell in header]
    for key, name in (mapping or {}).items():
        index = _mapping_index(key, keys)
        if index is None:
            continue
        if name:
            if name not in allowed:
                continue
            for other, other_name in list(columns.items()):
                if other_name == name and other != index:
                    del columns[other]
            columns[index] = name
        else:
            columns.pop(index, None)
    return columns


def _mapping_index(key: Any, header_keys: list[str]) -> int | None:
    text = str(key).strip()
    if text.isdigit():
        index = int(text)
        return index if index < len(header_keys) else None
    wanted = _header_key(text)
    return header_keys.index(wanted) if wanted in header_keys else None


def mapping_clean(mapping: Any, *, kind: str) -> dict[str, str]:
    """Validate a user's mapping (from a form or the API); raise ValidationError on "mapping"."""
    if mapping in (None, ""):
        return {}
    if not isinstance(mapping, dict):
        raise ValidationError({"mapping": [_("The column mapping must be an object.")]})
    allowed = column_fields(kind)
    cleaned = {}
    for key, name in mapping.items():
        name = "" if name is None else str(name)
        if name and name not in allowed:
            raise ValidationError(
                {
                    "mapping": [
                        _("“%(field)s” is not a field; use one of: %(fields)s.")
                        % {"field": name[:50], "fields": ", ".join(allowed)}
                    ]
                }
            )
        cleaned[str(key)[:200]] = name
    targets = [name for name in cleaned.values() if name]
    if len(targets) != len(set(targets)):
        raise ValidationError({"mapping": [_("Each field may be given to one column only.")]})
    return cleaned


# --- reading files --------------------------------------------------------------------------


class FileRefused(Exception):
    """The file cannot be imported; the message says why, for the user."""


def _binary_csv() -> str:
    return _("This file is named .csv but is not a CSV text file (it holds binary data).")


def _sniff_kind(name: str, head: bytes) -> str:
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
    if b"\x00" in head:
        raise FileRefused(_binary_csv())
    return "csv"


def _check_xlsx(fileobj) -> None:
    try:
        with zipfile.ZipFile(fileobj) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile as error:
        raise FileRefused(_("This Excel file is damaged and cannot be read.")) from error
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
            while block := fileobj.read(_READ_BLOCK):
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
        return sum(1 for _number, cells in self.rows if not _is_blank(cells))


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a phone typed into Excel as a number: 13800138000.0
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _is_blank(cells: list[str]) -> bool:
    return not any(cell.strip() for cell in cells)


@contextlib.contextmanager
def open_table(fileobj, name: str) -> Iterator[Table]:
    """Open a stored CSV or XLSX for streaming; raise FileRefused if it cannot be read."""
    fileobj.seek(0)
    kind = _sniff_kind(name, fileobj.read(8))
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
            dialect = csv.Sniffer().sniff(sample.split("\n", 1)[0], delimiters=",;\t|")
        except csv.Error:
            dialect = csv.excel
        reader = csv.reader(text, dialect)
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
        first = next(iterator, None)
        header = [h.strip() for h in cells_of(first or ())]

        def rows() -> Iterator[tuple[int, list[str]]]:
            for number, row in enumerate(iterator, start=2):
                yield number, cells_of(row)

        yield Table(header=header, rows=rows())
    finally:
        workbook.close()


def _estimate_rows(fileobj, kind: str) -> int | None:
    """A cheap upper bound of the data rows (lines − 1 for CSV, the sheet's stated size)."""
    fileobj.seek(0)
    if kind == "csv":
        lines = 0
        last = b""
        while block := fileobj.read(_READ_BLOCK):
            lines += block.count(b"\n")
            last = block
        if last and not last.endswith(b"\n"):
            lines += 1
        fileobj.seek(0)
        return max(0, lines - 1)
    return None


# --- creating a job -------------------------------------------------------------------------


def may_import(user, kind: str = "leads") -> bool:
    """Managers, heads and admins import leads (agents get leads assigned, they do not
    bring lists of their own); only admins import the do-not-call list."""
    if kind == "dnc":
        return access.can_configure_leads(user)
    return access.can_manage_leads(user)


@transaction.atomic
def import_job_create(
    *,
    file,
    by,
    kind: str = "leads",
    channel: str = Channel.IMPORT,
    campaign=None,
    mapping: dict | None = None,
    start: bool = True,
) -> ImportJob:
    """Check and store an uploaded file, then queue its import (unless `start` is False,
    when the user still has to confirm the columns; see `import_job_start`).

    Raises ValidationError on "file" (too big, wrong type, unreadable, too many rows),
    "kind", "channel" or "mapping".
    """
    if kind not in KINDS:
        raise ValidationError({"kind": [_("Unknown kind of import.")]})
    if channel not in Channel.values:
        raise ValidationError({"channel": [_("Unknown channel “%(value)s”.") % {"value": channel}]})
    mapping = mapping_clean(mapping, kind=kind)
    policy = LeadPolicy.current()
    name = os.path.basename(getattr(file, "name", "") or "upload")[:255]
    size = file.size
    if not size:
        raise ValidationError({"file": [_("The file is empty.")]})
    limit = policy.import_max_megabytes * 1024 * 1024
    if size > limit:
        raise ValidationError(
            {
                "file": [
                    _(
                        "The file is %(size).1f MB; files up to %(limit)d MB can be imported. "
                        "Split it into smaller files."
                    )
                    % {"size": size / 1024 / 1024, "limit": policy.import_max_megabytes}
                ]
            }
        )
    try:
        file.seek(0)
        file_kind = _sniff_kind(name, file.read(8))
        file.seek(0)
        with open_table(file, name) as table:
            if not any(cell for cell in table.header):
                raise FileRefused(_("The first row must name the columns; it is empty."))
        estimate = _estimate_rows(file, file_kind)
        if estimate is not None and estimate > policy.import_max_rows:
            with open_table(file, name) as table:
                rows = table.count_rows()
            if rows > policy.import_max_rows:
                raise FileRefused(_too_many_rows(rows, policy.import_max_rows))
    except FileRefused as error:
        raise ValidationError({"file": [str(error)]}) from error
    digest = hashlib.sha256()
    file.seek(0)
    for block in iter(lambda: file.read(_READ_BLOCK), b""):
        digest.update(block)
    file.seek(0)
    job = ImportJob(
        original_name=name,
        sha256=digest.hexdigest(),
        kind=kind,
        channel=channel,
        campaign=campaign,
        mapping=mapping,
        created_by=by,
    )
    job.file.save(name, file, save=False)
    job.save(force_insert=True)
    if start:
        _queue_run(job.pk)
    return job


def _too_many_rows(rows: int, limit: int) -> str:
    return _(
        "The file has %(rows)d rows; at most %(limit)d can be imported at once. "
        "Split it into smaller files."
    ) % {"rows": rows, "limit": limit}


def _queue_run(job_id: int) -> None:
    def queue():
        from ..tasks import import_job_run as task

        task.delay(job_id)

    transaction.on_commit(queue)


@transaction.atomic
def import_job_start(*, job: ImportJob, mapping: dict | None = None) -> ImportJob:
    """Confirm the columns of a job created with `start=False` and queue it."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status != ImportJob.Status.PENDING:
        raise ValidationError(_("This import has already started."))
    job.mapping = mapping_clean(mapping, kind=job.kind)
    job.save(update_fields=["mapping"])
    _queue_run(job.pk)
    return job


@dataclass
class ImportPreview:
    header: list[str]
    sample: list[list[str]]
    columns: dict[int, str]


def import_preview(*, job: ImportJob, rows: int = 5) -> ImportPreview:
    """The header, a few rows and the detected columns, for the column-mapping step."""
    with _stored(job) as fileobj, open_table(fileobj, job.original_name) as table:
        sample = []
        for _number, cells in table.rows:
            if not _is_blank(cells):
                sample.append(cells)
            if len(sample) >= rows:
                break
        columns = columns_resolve(table.header, job.mapping, kind=job.kind)
        return ImportPreview(header=table.header, sample=sample, columns=columns)


# --- writing many rows -------------------------------------------------------------------


def _insert(model, rows: list[dict], *, with_ids: bool = False) -> list[int]:
    """Insert rows given as {attname: value} (other columns take the field defaults);
    return their ids when asked. On PostgreSQL with COPY, elsewhere with bulk_create.

    COPY, with rows built as plain lists, is what keeps a 100,000-row import within
    seconds: a model instance per row plus bulk_create's UNNEST arrays (quoted in Python
    under psycopg's client-side binding) cost more than all the rest of the import.
    """
    if not rows:
        return []
    meta = model._meta
    if connection.vendor != "postgresql":
        objects = model.objects.bulk_create([model(**row) for row in rows], batch_size=CHUNK_ROWS)
        return [obj.pk for obj in objects]
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    now = timezone.now()
    defaults = [
        f.get_db_prep_save(now if _is_timestamp(f) else f.get_default(), connection) for f in fields
    ]
    json_columns = {i for i, f in enumerate(fields) if f.get_internal_type() == "JSONField"}
    names = [f.attname for f in fields]
    ids: list[int] = []
    with connection.cursor() as cursor:
        if with_ids:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [meta.db_table, meta.pk.column, len(rows)],
            )
            ids = [pk for (pk,) in cursor.fetchall()]
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        if with_ids:
            columns = f"{connection.ops.quote_name(meta.pk.column)}, {columns}"
        table = connection.ops.quote_name(meta.db_table)
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for position, row in enumerate(rows):
                values = [
                    row.get(name, default) for name, default in zip(names, defaults, strict=True)
                ]
                for index in json_columns:
                    if names[index] in row:
                        values[index] = Jsonb(values[index])
                if with_ids:
                    values.insert(0, ids[position])
                copy.write_row(values)
    return ids


def _is_timestamp(field) -> bool:
    return getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)


def _update_leads(leads: list, fields: list[str]) -> None:
    """Write `fields` of many leads in one statement (UPDATE … FROM VALUES on PostgreSQL)."""
    if not leads:
        return
    if connection.vendor != "postgresql":
        Lead.objects.bulk_update(leads, fields, batch_size=CHUNK_ROWS)
        return
    model_fields = [Lead._meta.get_field(name) for name in fields]
    casts = [f.db_type(connection).split("(")[0] for f in model_fields]
    columns = [f.column for f in model_fields]
    quote = connection.ops.quote_name
    placeholders = ", ".join(
        "(%s::bigint, " + ", ".join(f"%s::{cast}" for cast in casts) + ")" for _lead in leads
    )
    params: list = []
    for lead in leads:
        params.append(lead.pk)
        for model_field in model_fields:
            params.append(
                model_field.get_db_prep_save(getattr(lead, model_field.attname), connection)
            )
    assignments = ", ".join(f"{quote(c)} = v.{quote(c)}" for c in columns)
    sql = (
        f"UPDATE {quote(Lead._meta.db_table)} AS l SET {assignments} "  # noqa: S608 (names only)
        f"FROM (VALUES {placeholders}) AS v(id, {', '.join(quote(c) for c in columns)}) "
        "WHERE l.id = v.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# --- running a job --------------------------------------------------------------------------


@dataclass
class _Run:
    """What one run of a job keeps between chunks."""

    job_id: int
    kind: str
    channel: str
    campaign_id: int | None
    created_by_id: int
    columns: dict[int, str]
    scorer: Scorer | None
    # True when an earlier run may have written rows (then each chunk checks for them).
    resuming: bool
    position: int = 0  # data rows (non-blank) read so far
    chunk: list[tuple[int, int, list[str]]] = field(default_factory=list)


def import_job_run(*, job_id: int) -> dict:
    """Run (or resume) an import; return its counts. Safe to call twice, even at once."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        if job.status in (ImportJob.Status.DONE, ImportJob.Status.FAILED):
            return _summary(job)
        resuming = job.started_at is not None
        job.status = ImportJob.Status.RUNNING
        job.started_at = job.started_at or timezone.now()
        job.save(update_fields=["status", "started_at"])
    try:
        with _stored(job) as fileobj, open_table(fileobj, job.original_name) as table:
            columns = columns_resolve(table.header, job.mapping, kind=job.kind)
            if "phone" not in columns.values():
                raise FileRefused(
                    _("No column holds the phone number; map one of the columns to “phone”.")
                )
            if not job.total_rows:
                with _stored(job) as counting, open_table(counting, job.original_name) as t:
                    total = t.count_rows()
                policy_limit = LeadPolicy.current().import_max_rows
                if total > policy_limit:
                    raise FileRefused(_too_many_rows(total, policy_limit))
                ImportJob.objects.filter(pk=job.pk).update(total_rows=total)
            run = _Run(
                job_id=job.pk,
                kind=job.kind,
                channel=job.channel,
                campaign_id=job.campaign_id,
                created_by_id=job.created_by_id,
                columns=columns,
                scorer=Scorer.load() if job.kind == "leads" else None,
                resuming=resuming,
            )
            skip = job.processed_rows
            for number, cells in table.rows:
                if _is_blank(cells):
                    continue
                run.position += 1
                if run.position <= skip:
                    continue  # counted by an earlier run
                run.chunk.append((run.position, number, cells))
                if len(run.chunk) >= CHUNK_ROWS:
                    _process_chunk(run)
            if run.chunk:
                _process_chunk(run)
    except FileRefused as error:
        return _fail(job_id, str(error))
    except Exception:
        logger.exception("Import %s failed", job_id)
        _fail(job_id, _("The import stopped because of an unexpected error; it can be retried."))
        raise
    return _finish(job_id)


def _stored(job: ImportJob):
    """A fresh handle on the stored file (FieldFile.open() would share one between reads)."""
    return job.file.storage.open(job.file.name, "rb")


def _fail(job_id: int, message: str) -> dict:
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        job.status = ImportJob.Status.FAILED
        job.error = message
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])
        _notify_finished(job)
    return _summary(job)


def _finish(job_id: int) -> dict:
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        if job.status == ImportJob.Status.RUNNING:
            job.status = ImportJob.Status.DONE
            job.finished_at = timezone.now()
            job.total_rows = max(job.total_rows, job.processed_rows)
            job.save(update_fields=["status", "finished_at", "total_rows"])
            if job.kind == "leads" and job.created_count:

                def queue():
                    from ..tasks import assign_pending_leads

                    assign_pending_leads.delay()

                transaction.on_commit(queue)
            _notify_finished(job)
    return _summary(job)


def _notify_finished(job: ImportJob) -> None:
    if job.status == ImportJob.Status.DONE:
        text = _(
            "Import of %(name)s finished: %(created)d created, %(duplicates)d "
            "duplicates, %(rejected)d rejected."
        ) % {
            "name": job.original_name,
            "created": job.created_count,
            "duplicates": job.duplicate_count,
            "rejected": job.rejected_count,
        }
    else:
        text = _("Import of %(name)s failed: %(error)s") % {
            "name": job.original_name,
            "error": job.error,
        }
    notify(
        user_id=job.created_by_id,
        key=f"import-finished:{job.pk}",
        text=text,
        kind="import",
        url=f"/leads/imports/{job.pk}/",
    )


def _summary(job: ImportJob) -> dict:
    return {
        "id": job.pk,
        "status": job.status,
        "total_rows": job.total_rows,
        "processed_rows": job.processed_rows,
        "created": job.created_count,
        "duplicates": job.duplicate_count,
        "rejected": job.rejected_count,
        "error": job.error,
    }


@dataclass
class _Counts:
    created: int = 0
    duplicates: int = 0
    rejected: int = 0


def _process_chunk(run: _Run) -> None:
    """One transaction: the rows of the chunk, and the job's counters moved past them."""
    rows, run.chunk = run.chunk, []
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # The chunk and the job's counters commit together, so a crash that loses the
            # last chunks loses them whole and the next run redoes them: the import need
            # not wait for each commit to reach the disk.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        job = ImportJob.objects.select_for_update().get(pk=run.job_id)
        if job.status != ImportJob.Status.RUNNING:
            return
        # Another run of the same job may have got here first.
        rows = [row for row in rows if row[0] > job.processed_rows]
        if not rows:
            return
        if rows[0][0] != job.processed_rows + 1:
            # Rows are missing between what is counted and this chunk: only possible if
            # the counters were tampered with; re-reading from the start fixes it.
            raise RuntimeError(f"import {job.pk}: chunk does not follow row {job.processed_rows}")
        counts = _dnc_chunk(run, rows) if run.kind == "dnc" else _lead_chunk(run, rows)
        job.processed_rows = rows[-1][0]
        job.created_count += counts.created
        job.duplicate_count += counts.duplicates
        job.rejected_count += counts.rejected
        job.save(
            update_fields=["processed_rows", "created_count", "duplicate_count", "rejected_count"]
        )


def _row_values(run: _Run, cells: list[str]) -> dict[str, str]:
    values = {}
    for index, name in run.columns.items():
        if index < len(cells):
            text = cells[index].strip()
            if text:
                values[name] = text
    return values


def _already_recorded(run: _Run, rows) -> dict[int, str]:
    """Row number → outcome for rows an earlier run wrote (duplicates and rejections)."""
    if not run.resuming:
        return {}
    return dict(
        ImportRow.objects.filter(
            job_id=run.job_id, row_number__gte=rows[0][1], row_number__lte=rows[-1][1]
        ).values_list("row_number", "outcome")
    )


LEAD_TEXT_FIELDS = ("name", "company", "region", "email", "wechat", "notes", "product", "timeline")


class _NewLead:
    """A lead about to be inserted: just what cleaning, scoring and COPY need (a model
    instance per row costs more than the rest of the row's work)."""

    __slots__ = (
        "pk",
        "phone",
        "is_mobile",
        "channel",
        "score",
        "grade",
        "score_details",
        *LEAD_TEXT_FIELDS,
        "budget",
        "intent",
    )

    def __init__(self, *, phone, channel: str, values: dict):
        self.pk = None
        self.phone = phone.e164
        self.is_mobile = phone.is_mobile
        self.channel = channel
        for name in LEAD_TEXT_FIELDS:
            setattr(self, name, values.get(name, ""))
        self.budget = values.get("budget")
        self.intent = values.get("intent", Intent.UNKNOWN)

    def row(self, run: _Run, now) -> dict:
        row = {name: getattr(self, name) for name in self.__slots__ if name != "pk"}
        row.update(
            campaign_id=run.campaign_id,
            created_by_id=run.created_by_id,
            created_at=now,
            updated_at=now,
        )
        return row


def _lead_chunk(run: _Run, rows) -> _Counts:
    counts = _Counts()
    recorded = _already_recorded(run, rows)
    parsed: list[tuple[int, dict, dict, Any]] = []  # (row number, raw, values, phone)
    import_rows: list[dict] = []
    for _position, number, cells in rows:
        outcome = recorded.get(number)
        if outcome is not None:
            if outcome == ImportRow.Outcome.DUPLICATE:
                counts.duplicates += 1
            else:
                counts.rejected += 1
            continue
        raw = _row_values(run, cells)
        values, errors = lead_fields_clean(raw, require_phone=True)
        if errors:
            name, message = next(iter(errors.items()))
            import_rows.append(_rejected(run, number, name, message))
            counts.rejected += 1
            continue
        parsed.append((number, raw, values, values.pop("phone")))
    phones = {phone.e164 for _number, _raw, _values, phone in parsed}
    dnc = dict(DoNotCall.objects.filter(phone__in=phones).values_list("phone", "reason"))
    known = {lead.phone: lead for lead in Lead.objects.filter(phone__in=phones - set(dnc))}
    created_here: dict[int, int] = {}  # lead id → the row an earlier run created it from
    if run.resuming and known:
        created_here = dict(
            LeadSource.objects.filter(
                import_job_id=run.job_id,
                is_duplicate=False,
                lead_id__in=[lead.pk for lead in known.values()],
            ).values_list("lead_id", "payload__row")
        )
    new_leads: dict[str, tuple[_NewLead, int, dict]] = {}
    duplicates: list[tuple[int, Any, dict, int | None]] = []  # (row, lead, raw, first row)
    changed: dict[int, tuple[Lead, set[str]]] = {}
    for number, raw, values, phone in parsed:
        if phone.e164 in dnc:
            reason = _("On the do-not-call list (%(reason)s).") % {"reason": dnc[phone.e164]}
            import_rows.append(_rejected(run, number, "phone", reason))
            counts.rejected += 1
            continue
        if phone.e164 in new_leads:
            lead, first_row, _first_raw = new_leads[phone.e164]
            lead_fill_empty(lead, values)
            duplicates.append((number, lead, raw, first_row))
            counts.duplicates += 1
            continue
        existing = known.get(phone.e164)
        if existing is not None:
            if created_here.get(existing.pk) == number:
                counts.created += 1  # this very row created it, in an earlier run
                continue
            fields = lead_fill_empty(existing, values)
            if fields:
                changed.setdefault(existing.pk, (existing, set()))[1].update(fields)
            duplicates.append((number, existing, raw, None))
            counts.duplicates += 1
            continue
        new_leads[phone.e164] = (
            _NewLead(phone=phone, channel=run.channel, values=values),
            number,
            raw,
        )
        counts.created += 1
    now = timezone.now()
    lead_rows = []
    for lead, _number, _raw in new_leads.values():
        run.scorer.apply(lead)  # after in-file duplicates filled it in
        lead_rows.append(lead.row(run, now))
    ids = _insert(Lead, lead_rows, with_ids=True)
    sources = []
    for (lead, number, raw), pk in zip(new_leads.values(), ids, strict=True):
        lead.pk = pk
        sources.append(_source(run, pk, number, False, now, raw))
    if changed:
        fields: set[str] = set()
        leads = []
        for lead, lead_fields in changed.values():
            run.scorer.apply(lead)
            lead.updated_at = now
            fields |= lead_fields
            leads.append(lead)
        _update_leads(leads, [*sorted(fields), "score", "grade", "score_details", "updated_at"])
    for number, lead, raw, first_row in duplicates:
        sources.append(_source(run, lead.pk, number, True, now, raw))
        if first_row is not None:
            reason = _("Duplicate of lead #%(id)d (row %(row)d of this file).") % {
                "id": lead.pk,
                "row": first_row,
            }
        else:
            reason = _("Duplicate of lead #%(id)d.") % {"id": lead.pk}
        import_rows.append(
            {
                "job_id": run.job_id,
                "row_number": number,
                "outcome": ImportRow.Outcome.DUPLICATE,
                "field": "phone",
                "reason": reason[:300],
                "lead_id": lead.pk,
            }
        )
    _insert(LeadSource, sources)
    _insert(ImportRow, import_rows)
    return counts


def _rejected(run: _Run, number: int, name: str, message: str) -> dict:
    return {
        "job_id": run.job_id,
        "row_number": number,
        "outcome": ImportRow.Outcome.REJECTED,
        "field": name,
        "reason": message[:300],
    }


def _source(run: _Run, lead_id: int, number: int, is_duplicate: bool, now, raw: dict) -> dict:
    """The capture record; `payload["row"]` is how a resumed run knows this row is done."""
    return {
        "lead_id": lead_id,
        "channel": run.channel,
        "campaign_id": run.campaign_id,
        "import_job_id": run.job_id,
        "is_duplicate": is_duplicate,
        "payload": {**raw, "row": number},  # the row as read: all text
        "received_at": now,
        "created_by_id": run.created_by_id,
    }


def _dnc_chunk(run: _Run, rows) -> _Counts:
    """Do-not-call rows: new numbers are added and their open leads closed; numbers
    already on the list are duplicates; unreadable numbers are rejected."""
    counts = _Counts()
    recorded = _already_recorded(run, rows)
    import_rows: list[dict] = []
    parsed: list[tuple[int, str, str]] = []
    default_reason = _("Imported list")
    for _position, number, cells in rows:
        outcome = recorded.get(number)
        if outcome is not None:
            if outcome == ImportRow.Outcome.DUPLICATE:
                counts.duplicates += 1
            else:
                counts.rejected += 1
            continue
        raw = _row_values(run, cells)
        try:
            phone = phone_normalize(raw.get("phone"))
        except InvalidPhone as error:
            import_rows.append(_rejected(run, number, "phone", str(error)))
            counts.rejected += 1
            continue
        reason = raw.get("reason", "").strip()
        if len(reason) > 200:
            import_rows.append(
                _rejected(
                    run,
                    number,
                    "reason",
                    _("Too long: at most %(limit)d characters.") % {"limit": 200},
                )
            )
            counts.rejected += 1
            continue
        parsed.append((number, phone.e164, reason or default_reason))
    listed = set(
        DoNotCall.objects.filter(phone__in={e164 for _n, e164, _r in parsed}).values_list(
            "phone", flat=True
        )
    )
    added: dict[str, str] = {}
    entries = []
    for number, e164, reason in parsed:
        if e164 in listed or e164 in added:
            import_rows.append(
                {
                    "job_id": run.job_id,
                    "row_number": number,
                    "outcome": ImportRow.Outcome.DUPLICATE,
                    "field": "phone",
                    "reason": _("Already on the do-not-call list."),
                }
            )
            counts.duplicates += 1
            continue
        added[e164] = reason
        entries.append(
            DoNotCall(
                phone=e164,
                reason=reason,
                source=DoNotCall.Source.IMPORT,
                added_by_id=run.created_by_id,
            )
        )
        counts.created += 1
    DoNotCall.objects.bulk_create(entries, batch_size=CHUNK_ROWS, ignore_conflicts=True)
    close_leads_for_do_not_call(added)
    _insert(ImportRow, import_rows)
    return counts
