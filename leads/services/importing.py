"""Bulk import of leads (or do-not-call numbers) from CSV and Excel files.

The upload is checked at the door (`import_job_create`: size, extension *and* content, a
row-count estimate) so a wrong file is refused at once with a clear message; the work runs
in a worker (`import_job_run`), streaming the file in chunks of `CHUNK_ROWS` rows. Each
chunk is one transaction that also advances the job's counters, so the progress bar moves
and a worker killed mid-way loses nothing: the next run skips the rows already counted.

Every data row ends up in exactly one of three places: a new lead (a `LeadSource` with
this job, the row number in its payload), a duplicate or a rejection (an `ImportRow` with
the row number as the user sees it in the file, header = row 1). Blank rows are ignored
and not counted.

Who imports (`may_import`): managers, heads and admins import leads for the routing rules
to assign; an agent who takes leads imports their own list, whose new leads are assigned
to them at once (`_import_owner` has the decisions, daily capacity included); only admins
import the do-not-call list. Who sees which import is `leads.access.visible_imports`.

How 100,000 rows take seconds: a reader thread reads and cleans the next chunks (phones
through `crm.phones.normalize_fast`, scoring memoized per look-alike lead) while the
caller writes the current one, which is mostly waiting for PostgreSQL. Per chunk there is
one query for the known phones, one for the do-not-call list, COPY for the new leads, their
capture records and report rows, and one UPDATE for the known leads the file fills in.

Decisions: a file over `LeadPolicy.import_max_rows` is refused whole (at upload when the
count is certain, else when the run starts), because half an import is harder to reason
about than none. A row with any unreadable value (phone, email, budget, intent, a value
too long) is rejected with that field, never half-imported; fixing and re-importing the
file then creates only the rows that were rejected, since the others are now duplicates.
A duplicate fills the empty fields of the lead it repeats (whoever has it), never
overwrites, and leaves its owner as it is.
"""

from __future__ import annotations

import hashlib
import logging
import os
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.phones import InvalidPhone
from crm.services import notify

from ..access import importing_agent
from ..models import (
    Assignment,
    Channel,
    DoNotCall,
    ImportJob,
    ImportRow,
    Intent,
    Lead,
    LeadPolicy,
    LeadSource,
)
from .assignment import CAPACITY_KINDS, day_start
from .bulk_writes import (
    JsonText,
    filter_by_phones,
    insert_rows,
    inserting_rows,
    json_text,
    update_leads,
)
from .capture import (
    Scorer,
    close_leads_for_do_not_call,
    lead_fields_clean,
    lead_fill_empty,
    phone_normalize,
)
from .import_files import (
    READ_BLOCK,
    FileRefused,
    estimate_rows,
    is_blank,
    open_table,
    read_ahead,
    sniff_kind,
)

logger = logging.getLogger(__name__)

CHUNK_ROWS = 2000
KINDS = tuple(ImportJob.Kind.values)

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


# --- creating a job -------------------------------------------------------------------------


@dataclass(frozen=True)
class AgentCapacity:
    """How many leads an agent was given today against their daily capacity."""

    today: int
    capacity: int

    @property
    def over(self) -> bool:
        return self.today > self.capacity


def agent_capacity_today(user) -> AgentCapacity | None:
    """For an agent who takes leads: leads given to them today (their imports included)
    and their daily capacity; None for anyone else. Two small indexed queries."""
    member = importing_agent(user)
    if member is None:
        return None
    today = Assignment.objects.filter(
        to_user_id=user.pk, kind__in=CAPACITY_KINDS, at__gte=day_start()
    ).count()
    return AgentCapacity(today=today, capacity=member.daily_lead_capacity)


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
        file_kind = sniff_kind(name, file.read(8))
        file.seek(0)
        with open_table(file, name) as table:
            if not any(cell for cell in table.header):
                raise FileRefused(_("The first row must name the columns; it is empty."))
        estimate = estimate_rows(file, file_kind)
        if estimate is not None and estimate > policy.import_max_rows:
            with open_table(file, name) as table:
                rows = table.count_rows()
            if rows > policy.import_max_rows:
                raise FileRefused(_too_many_rows(rows, policy.import_max_rows))
    except FileRefused as error:
        raise ValidationError({"file": [str(error)]}) from error
    digest = hashlib.sha256()
    file.seek(0)
    for block in iter(lambda: file.read(READ_BLOCK), b""):
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
            if not is_blank(cells):
                sample.append(cells)
            if len(sample) >= rows:
                break
        columns = columns_resolve(table.header, job.mapping, kind=job.kind)
        return ImportPreview(header=table.header, sample=sample, columns=columns)


# --- running a job --------------------------------------------------------------------------


class _Texts:
    """The report's sentences, translated once per run rather than once per row."""

    def __init__(self) -> None:
        self.do_not_call = _("On the do-not-call list (%(reason)s).")
        self.duplicate_in_file = _("Duplicate of lead #%(id)d (row %(row)d of this file).")
        self.duplicate = _("Duplicate of lead #%(id)d.")
        self.duplicate_yours = _("Duplicate of lead #%(id)d, which is already yours.")
        self.duplicate_owned = _(
            "Duplicate of lead #%(id)d, which stays with the agent who has it."
        )
        self.duplicate_pool = _("Duplicate of lead #%(id)d, which stays in the pool.")

    def duplicate_of(self, lead, owner: _Owner | None) -> str:
        """Why a row is a duplicate of a lead already there; an agent importing is also
        told whose it is (theirs, another agent's, nobody's), since it stays so."""
        if owner is None:
            text = self.duplicate
        elif lead.owner_id == owner.user_id:
            text = self.duplicate_yours
        elif lead.owner_id is None:
            text = self.duplicate_pool
        else:
            text = self.duplicate_owned
        return text % {"id": lead.pk}


@dataclass(frozen=True)
class _Owner:
    """The agent whose own import this is: its new leads are assigned to them."""

    user_id: int
    team_id: int | None
    reason: str  # of the Assignment recorded for each lead


def _import_owner(job: ImportJob) -> _Owner | None:
    """The agent a leads import belongs to, if an agent who takes leads made it.

    Decisions: the new leads are theirs at once (one `Assignment` each, kind manual, by
    them, saying they imported it), so they skip the routing rules and land in their
    worklist, scored like any lead. Daily capacity is a warning, not a limit here: the
    agent brought these customers, so a list longer than the day's capacity is still
    theirs; the assignments count towards today's capacity, so the rules give them no
    more leads that day, and the report and the "import finished" message say so. An
    agent who no longer takes leads when the import runs (on leave, gone) gets nothing:
    the leads go to the rules like a manager's import.
    """
    if job.kind != ImportJob.Kind.LEADS:
        return None
    member = importing_agent(job.created_by)
    if member is None:
        return None
    reason = _("Imported by %(agent)s from %(file)s: leads an agent imports are theirs.") % {
        "agent": member.display_name,
        "file": job.original_name,
    }
    return _Owner(user_id=member.user_id, team_id=member.team_id, reason=reason)


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
    owner: _Owner | None = None  # the agent who imports their own leads
    texts: _Texts = field(default_factory=_Texts)


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
            run = _Run(
                job_id=job.pk,
                kind=job.kind,
                channel=job.channel,
                campaign_id=job.campaign_id,
                created_by_id=job.created_by_id,
                columns=columns,
                scorer=Scorer.load() if job.kind == "leads" else None,
                resuming=resuming,
                owner=_import_owner(job),
            )
            chunks = _chunks(run, table.rows, skip=job.processed_rows)
            with read_ahead(chunks) as prepared:
                if not job.total_rows:  # counted while the first chunks are read
                    with _stored(job) as counting, open_table(counting, job.original_name) as t:
                        total = t.count_rows()
                    policy_limit = LeadPolicy.current().import_max_rows
                    if total > policy_limit:
                        raise FileRefused(_too_many_rows(total, policy_limit))
                    ImportJob.objects.filter(pk=job.pk).update(total_rows=total)
                for rows in prepared:
                    _process_chunk(run, rows)
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
            _audit_finished(job)
            if job.kind == "leads" and job.created_count:

                def queue():
                    from ..tasks import assign_pending_leads

                    assign_pending_leads.delay()

                transaction.on_commit(queue)
            _notify_finished(job)
    return _summary(job)


def _audit_finished(job: ImportJob) -> None:
    """One audit entry per import (its rows are written set-based, without signals)."""
    from risk.audit import acting_as, record_bulk

    model = "leads.donotcall" if job.kind == ImportJob.Kind.DNC else "leads.lead"
    with acting_as(job.created_by):
        record_bulk(
            model_label=model,
            object_id=f"import:{job.pk}",
            summary={
                "import": job.pk,
                "file": job.original_name,
                "created": job.created_count,
                "duplicates": job.duplicate_count,
                "rejected": job.rejected_count,
            },
            description=job.original_name,
        )


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
        capacity = (
            agent_capacity_today(job.created_by)
            if job.kind == ImportJob.Kind.LEADS and job.created_count
            else None
        )
        if capacity is not None:
            text += " " + _(
                "The new leads are yours; you were given %(today)d leads today, your daily "
                "capacity is %(capacity)d."
            ) % {"today": capacity.today, "capacity": capacity.capacity}
            if capacity.over:
                text += " " + _("The routing rules give you no more leads today.")
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
        url=reverse("leads:import_detail", args=[job.pk]),
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


def _process_chunk(run: _Run, rows: list[_Prepared]) -> None:
    """One transaction: the rows of the chunk, and the job's counters moved past them."""
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
        rows = [row for row in rows if row.position > job.processed_rows]
        if not rows:
            return
        if rows[0].position != job.processed_rows + 1:
            # Rows are missing between what is counted and this chunk: only possible if
            # the counters were tampered with; re-reading from the start fixes it.
            raise RuntimeError(f"import {job.pk}: chunk does not follow row {job.processed_rows}")
        counts = _dnc_chunk(run, rows) if run.kind == "dnc" else _lead_chunk(run, rows)
        job.processed_rows = rows[-1].position
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


class _Prepared:
    """A data row as the reader thread leaves it: read, cleaned, ready for its chunk.

    `error` is (field, message) for a row to reject. For leads, `phone`, `values` (the
    cleaned fields), `lead` (the lead it would create, scored) and `payload` (its capture
    record, as JSON) are set otherwise; for the do-not-call list, `phone` and `reason`.
    """

    __slots__ = (
        "error",
        "lead",
        "number",
        "payload",
        "phone",
        "position",
        "raw",
        "reason",
        "values",
    )

    def __init__(self, position: int, number: int, raw: dict[str, str]):
        self.position = position  # among the data rows (blank ones are not counted)
        self.number = number  # in the file as the user sees it (header = 1)
        self.raw = raw
        self.error: tuple[str, str] | None = None


def _prepare_lead(run: _Run, row: _Prepared) -> None:
    values, errors = lead_fields_clean(row.raw, require_phone=True)
    if errors:
        row.error = next(iter(errors.items()))
        return
    row.phone = values.pop("phone")
    row.values = values
    row.lead = _NewLead(phone=row.phone, channel=run.channel, values=values)
    run.scorer.apply_shared(row.lead)  # again if a later row of the file fills it in
    # The row as read (all text), and its number: how a resumed run knows it is done.
    row.payload = JsonText(json_text({**row.raw, "row": row.number}))


def _prepare_do_not_call(run: _Run, row: _Prepared) -> None:
    try:
        row.phone = phone_normalize(row.raw.get("phone"))
    except InvalidPhone as error:
        row.error = ("phone", str(error))
        return
    row.reason = row.raw.get("reason", "").strip()
    if len(row.reason) > 200:
        row.error = ("reason", _("Too long: at most %(limit)d characters.") % {"limit": 200})


def _chunks(run: _Run, rows: Iterator[tuple[int, list[str]]], *, skip: int):
    """The file's data rows after the first `skip`, prepared, `CHUNK_ROWS` at a time."""
    prepare = _prepare_do_not_call if run.kind == ImportJob.Kind.DNC else _prepare_lead
    chunk: list[_Prepared] = []
    position = 0
    for number, cells in rows:
        if is_blank(cells):
            continue
        position += 1
        if position <= skip:
            continue  # counted by an earlier run
        row = _Prepared(position, number, _row_values(run, cells))
        prepare(run, row)
        chunk.append(row)
        if len(chunk) >= CHUNK_ROWS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _already_recorded(run: _Run, rows) -> dict[int, str]:
    """Row number → outcome for rows an earlier run wrote (duplicates and rejections)."""
    if not run.resuming:
        return {}
    return dict(
        ImportRow.objects.filter(
            job_id=run.job_id, row_number__gte=rows[0].number, row_number__lte=rows[-1].number
        ).values_list("row_number", "outcome")
    )


LEAD_TEXT_FIELDS = ("name", "company", "region", "email", "wechat", "notes", "product", "timeline")
# What an import writes of a new lead (the other columns take their defaults).
LEAD_COLUMNS = (
    "phone",
    "is_mobile",
    "channel",
    "score",
    "grade",
    "score_details",
    *LEAD_TEXT_FIELDS,
    "budget",
    "intent",
    "campaign_id",
    "created_by_id",
    "owner_id",
    "team_id",
    "assigned_at",
    "created_at",
    "updated_at",
)
# What a duplicate needs of a lead already there: its owner, and what filling it in and
# scoring it again read.
KNOWN_LEAD_FIELDS = ("pk", "phone", "owner_id", "channel", *LEAD_TEXT_FIELDS, "budget", "intent")
SOURCE_COLUMNS = (
    "lead_id",
    "channel",
    "campaign_id",
    "import_job_id",
    "is_duplicate",
    "payload",
    "received_at",
    "created_by_id",
)
IMPORT_ROW_COLUMNS = ("job_id", "row_number", "outcome", "field", "reason", "lead_id")
ASSIGNMENT_COLUMNS = ("lead_id", "kind", "to_user_id", "team_id", "reason", "by_id", "at")


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
        get = values.get
        self.name, self.company, self.region = (
            get("name", ""),
            get("company", ""),
            get("region", ""),
        )
        self.email, self.wechat, self.notes = get("email", ""), get("wechat", ""), get("notes", "")
        self.product, self.timeline = get("product", ""), get("timeline", "")
        self.budget = values.get("budget")
        self.intent = values.get("intent", Intent.UNKNOWN)

    def values(self, run: _Run, now) -> tuple:
        """The values of `LEAD_COLUMNS`."""
        owner = run.owner
        return (
            self.phone,
            self.is_mobile,
            self.channel,
            self.score,
            self.grade,
            self.score_details,
            self.name,
            self.company,
            self.region,
            self.email,
            self.wechat,
            self.notes,
            self.product,
            self.timeline,
            self.budget,
            self.intent,
            run.campaign_id,
            run.created_by_id,
            owner.user_id if owner else None,
            owner.team_id if owner else None,
            now if owner else None,
            now,
            now,
        )


def _sort_out(
    run: _Run, rows: list[_Prepared], counts: _Counts, import_rows: list[tuple]
) -> list[_Prepared]:
    """Count the rows an earlier run recorded, reject the unreadable ones (added to
    `import_rows`); return the rest, to be imported."""
    recorded = _already_recorded(run, rows)
    valid: list[_Prepared] = []
    for row in rows:
        outcome = recorded.get(row.number)
        if outcome is not None:
            if outcome == ImportRow.Outcome.DUPLICATE:
                counts.duplicates += 1
            else:
                counts.rejected += 1
        elif row.error is not None:
            import_rows.append(_rejected(run, row.number, *row.error))
            counts.rejected += 1
        else:
            valid.append(row)
    return valid


def _lead_chunk(run: _Run, rows: list[_Prepared]) -> _Counts:
    counts = _Counts()
    texts = run.texts
    import_rows: list[tuple] = []
    valid = _sort_out(run, rows, counts, import_rows)
    phones = {row.phone.e164 for row in valid}
    dnc = (
        dict(filter_by_phones(DoNotCall.objects, phones).values_list("phone", "reason"))
        if phones
        else {}
    )
    unlisted = phones - dnc.keys()
    known = (
        {
            lead.phone: lead
            for lead in filter_by_phones(Lead.objects, unlisted).only(*KNOWN_LEAD_FIELDS).order_by()
        }
        if unlisted
        else {}
    )
    created_here: dict[int, int] = {}  # lead id → the row an earlier run created it from
    if run.resuming and known:
        created_here = dict(
            LeadSource.objects.filter(
                import_job_id=run.job_id,
                is_duplicate=False,
                lead_id__in=[lead.pk for lead in known.values()],
            ).values_list("lead_id", "payload__row")
        )
    new_leads: dict[str, _Prepared] = {}
    duplicates: list[tuple[_Prepared, Any, int | None]] = []  # (row, lead, first row)
    changed: dict[int, tuple[Lead, set[str]]] = {}
    filled: list[_NewLead] = []  # new leads a later row of the chunk filled in
    for row in valid:
        e164 = row.phone.e164
        if e164 in dnc:
            reason = texts.do_not_call % {"reason": dnc[e164]}
            import_rows.append(_rejected(run, row.number, "phone", reason))
            counts.rejected += 1
            continue
        first = new_leads.get(e164)
        if first is not None:
            if lead_fill_empty(first.lead, row.values):
                filled.append(first.lead)
            duplicates.append((row, first.lead, first.number))
            counts.duplicates += 1
            continue
        existing = known.get(e164)
        if existing is not None:
            if created_here.get(existing.pk) == row.number:
                counts.created += 1  # this very row created it, in an earlier run
                continue
            fields = lead_fill_empty(existing, row.values)
            if fields:
                changed.setdefault(existing.pk, (existing, set()))[1].update(fields)
            duplicates.append((row, existing, None))
            counts.duplicates += 1
            continue
        new_leads[e164] = row
        counts.created += 1
    now = timezone.now()
    lead_rows = []
    for lead in filled:
        run.scorer.apply_shared(lead)
    for row in new_leads.values():
        lead_rows.append(row.lead.values(run, now))
    with inserting_rows(Lead, LEAD_COLUMNS, lead_rows, with_ids=True) as ids:
        # While the server writes the leads: what to write next.
        sources = []
        for row, pk in zip(new_leads.values(), ids, strict=True):
            row.lead.pk = pk
            sources.append(_source(run, pk, row, False, now))
        for row, lead, first_row in duplicates:
            sources.append(_source(run, lead.pk, row, True, now))
            if first_row is not None:
                reason = texts.duplicate_in_file % {"id": lead.pk, "row": first_row}
            else:
                reason = texts.duplicate_of(lead, run.owner)
            import_rows.append(
                (
                    run.job_id,
                    row.number,
                    ImportRow.Outcome.DUPLICATE,
                    "phone",
                    reason[:300],
                    lead.pk,
                )
            )
        owner = run.owner
        assignments = [
            (pk, Assignment.Kind.MANUAL, owner.user_id, owner.team_id, owner.reason,
             owner.user_id, now)
            for pk in (ids if owner is not None else ())
        ]  # fmt: skip
    insert_rows(Assignment, ASSIGNMENT_COLUMNS, assignments)
    if changed:
        fields: set[str] = set()
        leads = []
        for lead, lead_fields in changed.values():
            run.scorer.apply_shared(lead)
            lead.updated_at = now
            fields |= lead_fields
            leads.append(lead)
        update_leads(leads, [*sorted(fields), "score", "grade", "score_details", "updated_at"])
    insert_rows(LeadSource, SOURCE_COLUMNS, sources)
    insert_rows(ImportRow, IMPORT_ROW_COLUMNS, import_rows)
    refused = sum(1 for row in valid if row.phone.e164 in dnc)
    if refused:
        from django.contrib.auth import get_user_model

        from risk.services import risk_event_record

        risk_event_record(
            kind="dnc_capture",
            user=get_user_model()(pk=run.created_by_id) if run.created_by_id else None,
            channel="import",
            count=refused,
            detail=f"import {run.job_id}",
        )
    return counts


def _rejected(run: _Run, number: int, name: str, message: str) -> tuple:
    """An `ImportRow` (as `IMPORT_ROW_COLUMNS`) for a row that was not imported."""
    return (run.job_id, number, ImportRow.Outcome.REJECTED, name, message[:300], None)


def _source(run: _Run, lead_id: int, row: _Prepared, is_duplicate: bool, now) -> tuple:
    """The capture record, as `SOURCE_COLUMNS`."""
    return (
        lead_id,
        run.channel,
        run.campaign_id,
        run.job_id,
        is_duplicate,
        row.payload,
        now,
        run.created_by_id,
    )


def _dnc_chunk(run: _Run, rows: list[_Prepared]) -> _Counts:
    """Do-not-call rows: new numbers are added and their open leads closed; numbers
    already on the list are duplicates; unreadable numbers are rejected."""
    counts = _Counts()
    import_rows: list[tuple] = []
    default_reason = _("Imported list")
    already_listed = _("Already on the do-not-call list.")
    parsed = [
        (row.number, row.phone.e164, row.reason or default_reason)
        for row in _sort_out(run, rows, counts, import_rows)
    ]
    numbers = {e164 for _n, e164, _r in parsed}
    listed = (
        set(filter_by_phones(DoNotCall.objects, numbers).values_list("phone", flat=True))
        if numbers
        else set()
    )
    added: dict[str, str] = {}
    entries = []
    for number, e164, reason in parsed:
        if e164 in listed or e164 in added:
            import_rows.append(
                (run.job_id, number, ImportRow.Outcome.DUPLICATE, "phone", already_listed, None)
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
    insert_rows(ImportRow, IMPORT_ROW_COLUMNS, import_rows)
    return counts
