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
caller writes the current one, which is mostly waiting for PostgreSQL. A chunk of leads
goes through the capture pipeline in its batch form (`leads.services.capture.batch`):
one query for the known phones, one for the do-not-call list, COPY for the new leads,
their capture records and report rows, and one UPDATE for the known leads the file fills
in. The columns are read by `leads.services.import_columns`.

Decisions: a file over `LeadPolicy.import_max_rows` is refused whole (at upload when the
count is certain, else when the run starts), because half an import is harder to reason
about than none. A row with any unreadable value (phone, email, budget, intent, a value
too long) is rejected with that field, never half-imported; fixing and re-importing the
file then creates only the rows that were rejected, since the others are now duplicates.
A duplicate fills the empty fields of the lead it repeats when the importer may edit that
lead, never overwrites, and leaves its owner as it is; an importer who may not see that
lead is told only that the customer is already being followed up.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.phones import InvalidPhone
from crm.services import notify
from risk.models import DoNotCall
from risk.services import do_not_call_add_many

from ..access import importing_agent
from ..db.importing import insert_rows
from ..models import Assignment, Channel, ImportJob, ImportRow, LeadPolicy
from .capture import Scorer, batch, phone_normalize
from .capture.basis import data_basis_for
from .capture.batch import (
    IMPORT_ROW_COLUMNS,
    Counts,
    ImportOwner,
    ImportRun,
    PreparedRow,
    prepare_lead,
    sort_out,
)
from .capture.screening import listed_numbers
from .distribution import CAPACITY_KINDS, day_start
from .import_columns import columns_resolve, mapping_clean
from .import_files import (
    READ_BLOCK,
    FileRefused,
    count_rows,
    estimate_rows,
    is_blank,
    open_table,
    read_ahead,
    sniff_kind,
)
from .routing import queue_routing

logger = logging.getLogger(__name__)

# 20 transactions for 100,000 rows: fewer round trips, and the bar still moves every 5%.
CHUNK_ROWS = 5000
KINDS = tuple(ImportJob.Kind.values)


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
    stated_basis: dict | None = None,
) -> ImportJob:
    """Check and store an uploaded file, then queue its import (unless `start` is False,
    when the user still has to confirm the columns; see `import_job_start`).

    The data basis its rows record is settled here: as the uploader stated it
    (`stated_basis`, see `capture.basis.data_basis_for`), else the channel's current
    notice at upload.

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
            rows = count_rows(file, name)
            if rows > policy.import_max_rows:
                raise FileRefused(_too_many_rows(rows, policy.import_max_rows))
    except FileRefused as error:
        raise ValidationError({"file": [str(error)]}) from error
    digest = hashlib.sha256()
    file.seek(0)
    for block in iter(lambda: file.read(READ_BLOCK), b""):
        digest.update(block)
    file.seek(0)
    basis = (
        data_basis_for(channel=channel, **(stated_basis or {}))
        if kind == ImportJob.Kind.LEADS
        else None
    )
    job = ImportJob(
        original_name=name,
        sha256=digest.hexdigest(),
        kind=kind,
        channel=channel,
        campaign=campaign,
        mapping=mapping,
        created_by=by,
        basis=basis.basis if basis else "",
        notice=basis.notice if basis else None,
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


# --- running a job --------------------------------------------------------------------------


def _import_owner(job: ImportJob) -> ImportOwner | None:
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
    return ImportOwner(user_id=member.user_id, team_id=member.team_id, reason=reason)


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
            run = ImportRun(
                job_id=job.pk,
                kind=job.kind,
                channel=job.channel,
                campaign_id=job.campaign_id,
                created_by_id=job.created_by_id,
                columns=columns,
                scorer=Scorer.load() if job.kind == "leads" else None,
                resuming=resuming,
                owner=_import_owner(job),
                created_by=job.created_by,
                basis=job.basis,
                notice_id=job.notice_id,
            )
            chunks = _chunks(run, table.rows, skip=job.processed_rows)
            with read_ahead(chunks) as prepared:
                if not job.total_rows:  # counted while the first chunks are read
                    with _stored(job) as counting:
                        total = count_rows(counting, job.original_name)
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
                queue_routing(lead_ids=None)  # the new leads nobody took yet go to the rules
            _notify_finished(job)
    return _summary(job)


def _audit_finished(job: ImportJob) -> None:
    """One audit entry per import (its rows are written set-based, without signals)."""
    from risk.audit import acting_as, record_bulk

    model = "risk.donotcall" if job.kind == ImportJob.Kind.DNC else "leads.lead"
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


def _process_chunk(run: ImportRun, rows: list[PreparedRow]) -> None:
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
        counts = _dnc_chunk(run, rows) if run.kind == "dnc" else batch.lead_chunk(run, rows)
        job.processed_rows = rows[-1].position
        job.created_count += counts.created
        job.duplicate_count += counts.duplicates
        job.rejected_count += counts.rejected
        job.save(
            update_fields=["processed_rows", "created_count", "duplicate_count", "rejected_count"]
        )


def _row_values(run: ImportRun, cells: list[str]) -> dict[str, str]:
    values = {}
    for index, name in run.columns.items():
        if index < len(cells):
            text = cells[index].strip()
            if text:
                values[name] = text
    return values


def _prepare_do_not_call(run: ImportRun, row: PreparedRow) -> None:
    try:
        row.phone = phone_normalize(row.raw.get("phone"))
    except InvalidPhone as error:
        row.error = ("phone", str(error))
        return
    row.reason = row.raw.get("reason", "").strip()
    if len(row.reason) > 200:
        row.error = ("reason", _("Too long: at most %(limit)d characters.") % {"limit": 200})


def _chunks(run: ImportRun, rows: Iterator[tuple[int, list[str]]], *, skip: int):
    """The file's data rows after the first `skip`, prepared, `CHUNK_ROWS` at a time."""
    prepare = _prepare_do_not_call if run.kind == ImportJob.Kind.DNC else prepare_lead
    chunk: list[PreparedRow] = []
    position = 0
    for number, cells in rows:
        if is_blank(cells):
            continue
        position += 1
        if position <= skip:
            continue  # counted by an earlier run
        row = PreparedRow(position, number, _row_values(run, cells))
        prepare(run, row)
        chunk.append(row)
        if len(chunk) >= CHUNK_ROWS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _dnc_chunk(run: ImportRun, rows: list[PreparedRow]) -> Counts:
    """Do-not-call rows: new numbers are added and their open leads closed; numbers
    already on the list are duplicates; unreadable numbers are rejected."""
    counts = Counts()
    import_rows: list[tuple] = []
    default_reason = _("Imported list")
    already_listed = _("Already on the do-not-call list.")
    parsed = [
        (row.number, row.phone.e164, row.reason or default_reason)
        for row in sort_out(run, rows, counts, import_rows)
    ]
    numbers = {e164 for _n, e164, _r in parsed}
    listed = set(listed_numbers(numbers))
    added: dict[str, str] = {}
    for number, e164, reason in parsed:
        if e164 in listed or e164 in added:
            import_rows.append(
                (run.job_id, number, ImportRow.Outcome.DUPLICATE, "phone", already_listed, None)
            )
            counts.duplicates += 1
            continue
        added[e164] = reason
        counts.created += 1
    # Risk keeps the list and announces the new numbers: leads closes their open leads.
    do_not_call_add_many(
        entries=added.items(),
        source=DoNotCall.Source.IMPORT,
        by_id=run.created_by_id,
        batch_size=CHUNK_ROWS,
    )
    insert_rows(ImportRow, IMPORT_ROW_COLUMNS, import_rows)
    return counts
