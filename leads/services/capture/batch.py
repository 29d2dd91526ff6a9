"""The capture pipeline for many rows at once: an import's chunk goes through the steps of
a single capture (`pipeline`) — clean → screen (do-not-call) → dedup → score → write →
route — each step done set-based: one query for the do-not-call numbers, one for the known
phones, COPY for the new leads, their capture records and report rows, one UPDATE for the
known leads the rows fill in, and the agent's own import assigned through `routing`.

Rows are cleaned and scored in the reader thread (`prepare_lead`), the rest in the chunk's
transaction (`lead_chunk`); `leads.services.importing` runs the job around them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _

from risk.models import phone_hash

from ...db.importing import JsonText, insert_rows, json_text
from ...models import Assignment, ImportRow, Intent, Lead, LeadSource
from ..routing import assignments_insert
from .cleaning import lead_fields_clean, lead_fill_empty
from .dedup import Rights, capturer_rights, known_leads
from .scoring import Scorer
from .screening import listed_numbers, note_refused
from .writing import (
    LEAD_TEXT_FIELDS,
    leads_inserting,
    leads_save_filled,
    sources_insert,
)


class ReportTexts:
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
        self.duplicate_hidden = _(
            "This customer is already being followed up; the lead stays with the agent who has it."
        )

    def duplicate_of(self, lead, owner: ImportOwner | None) -> str:
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
class ImportOwner:
    """The agent whose own import this is: its new leads are assigned to them."""

    user_id: int
    team_id: int | None
    reason: str  # of the Assignment recorded for each lead


@dataclass
class ImportRun:
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
    owner: ImportOwner | None = None  # the agent who imports their own leads
    # Who imports (a user): what they may see and edit of the leads their rows repeat.
    created_by: Any = None
    texts: ReportTexts = field(default_factory=ReportTexts)
    # The data basis every row records, settled when the file was uploaded.
    basis: str = ""
    notice_id: int | None = None


@dataclass
class Counts:
    created: int = 0
    duplicates: int = 0
    rejected: int = 0


class PreparedRow:
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
        "phone_hash",
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


def prepare_lead(run: ImportRun, row: PreparedRow) -> None:
    """Clean a row and score the lead it would make (in the reader thread)."""
    values, errors = lead_fields_clean(row.raw, require_phone=True)
    if errors:
        row.error = next(iter(errors.items()))
        return
    row.phone = values.pop("phone")
    # For screening: computed here, in the reader thread, while a chunk is being written.
    row.phone_hash = phone_hash(row.phone.e164)
    row.values = values
    row.lead = NewLead(phone=row.phone, channel=run.channel, values=values)
    run.scorer.apply_shared(row.lead)  # again if a later row of the file fills it in
    # The row as read (all text), and its number: how a resumed run knows it is done.
    row.payload = JsonText(json_text({**row.raw, "row": row.number}))


def _already_recorded(run: ImportRun, rows) -> dict[int, str]:
    """Row number → outcome for rows an earlier run wrote (duplicates and rejections)."""
    if not run.resuming:
        return {}
    return dict(
        ImportRow.objects.filter(
            job_id=run.job_id, row_number__gte=rows[0].number, row_number__lte=rows[-1].number
        ).values_list("row_number", "outcome")
    )


# What a duplicate needs of a lead already there: its owner, and what filling it in and
# scoring it again read.
KNOWN_LEAD_FIELDS = ("pk", "phone", "owner_id", "channel", *LEAD_TEXT_FIELDS, "budget", "intent")
IMPORT_ROW_COLUMNS = ("job_id", "row_number", "outcome", "field", "reason", "lead_id")
ASSIGNMENT_COLUMNS = ("lead_id", "kind", "to_user_id", "team_id", "reason", "by_id", "at")


class NewLead:
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

    def values(self, run: ImportRun, now) -> tuple:
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


def sort_out(
    run: ImportRun, rows: list[PreparedRow], counts: Counts, import_rows: list[tuple]
) -> list[PreparedRow]:
    """Count the rows an earlier run recorded, reject the unreadable ones (added to
    `import_rows`); return the rest, to be imported."""
    recorded = _already_recorded(run, rows)
    valid: list[PreparedRow] = []
    for row in rows:
        outcome = recorded.get(row.number)
        if outcome is not None:
            if outcome == ImportRow.Outcome.DUPLICATE:
                counts.duplicates += 1
            else:
                counts.rejected += 1
        elif row.error is not None:
            import_rows.append(rejected(run, row.number, *row.error))
            counts.rejected += 1
        else:
            valid.append(row)
    return valid


def lead_chunk(run: ImportRun, rows: list[PreparedRow]) -> Counts:
    """Screen, dedup, write and route a chunk of rows cleaned and scored by `prepare_lead`."""
    counts = Counts()
    texts = run.texts
    import_rows: list[tuple] = []
    valid = sort_out(run, rows, counts, import_rows)
    # screen
    phones = {row.phone.e164 for row in valid}
    dnc = listed_numbers(phones, hashes={row.phone_hash: row.phone.e164 for row in valid})
    # dedup
    known = known_leads(phones - dnc.keys(), fields=KNOWN_LEAD_FIELDS)
    rights = capturer_rights(run.created_by, known.values())
    created_here: dict[int, int] = {}  # lead id → the row an earlier run created it from
    if run.resuming and known:
        created_here = dict(
            LeadSource.objects.filter(
                import_job_id=run.job_id,
                is_duplicate=False,
                lead_id__in=[lead.pk for lead in known.values()],
            ).values_list("lead_id", "payload__row")
        )
    new_leads: dict[str, PreparedRow] = {}
    duplicates: list[tuple[PreparedRow, Any, int | None]] = []  # (row, lead, first row)
    changed: dict[int, tuple[Lead, set[str]]] = {}
    filled: list[NewLead] = []  # new leads a later row of the chunk filled in
    for row in valid:
        e164 = row.phone.e164
        if e164 in dnc:
            reason = texts.do_not_call % {"reason": dnc[e164]}
            import_rows.append(rejected(run, row.number, "phone", reason))
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
            if existing.pk in rights.editable:
                fields = lead_fill_empty(existing, row.values)
                if fields:
                    changed.setdefault(existing.pk, (existing, set()))[1].update(fields)
            duplicates.append((row, existing, None))
            counts.duplicates += 1
            continue
        new_leads[e164] = row
        counts.created += 1
    # score what later rows filled in
    for lead in filled:
        run.scorer.apply_shared(lead)
    # write
    now = timezone.now()
    lead_rows = [row.lead.values(run, now) for row in new_leads.values()]
    with leads_inserting(lead_rows) as ids:
        # While the server writes the leads: what to write next.
        sources = []
        for row, pk in zip(new_leads.values(), ids, strict=True):
            row.lead.pk = pk
            sources.append(_source(run, pk, row, False, now))
        for row, lead, first_row in duplicates:
            sources.append(_source(run, lead.pk, row, True, now))
            import_rows.append(_duplicate(run, row, lead, first_row, rights))
    # route: an agent's own import is theirs at once; the rest waits for the job
    owner = run.owner
    if owner is not None and ids:
        assignments_insert(
            columns=ASSIGNMENT_COLUMNS,
            rows=[
                (pk, Assignment.Kind.MANUAL, owner.user_id, owner.team_id, owner.reason,
                 owner.user_id, now)
                for pk in ids
            ],
        )  # fmt: skip
    if changed:
        fields: set[str] = set()
        leads = []
        for lead, lead_fields in changed.values():
            run.scorer.apply_shared(lead)
            lead.updated_at = now
            fields |= lead_fields
            leads.append(lead)
        leads_save_filled(leads, fields)
    sources_insert(sources)
    insert_rows(ImportRow, IMPORT_ROW_COLUMNS, import_rows)
    refused = sum(1 for row in valid if row.phone.e164 in dnc)
    if refused:
        note_refused(
            by=get_user_model()(pk=run.created_by_id) if run.created_by_id else None,
            channel="import",
            count=refused,
            detail=f"import {run.job_id}",
        )
    return counts


def _duplicate(run: ImportRun, row, lead, first_row: int | None, rights: Rights) -> tuple:
    """The report row (as `IMPORT_ROW_COLUMNS`) of a row whose phone is known: which lead
    and whose, unless the importer may not see that lead (then only that the customer is
    already being followed up)."""
    texts = run.texts
    if first_row is not None:
        reason, lead_id = texts.duplicate_in_file % {"id": lead.pk, "row": first_row}, lead.pk
    elif lead.pk in rights.visible:
        reason, lead_id = texts.duplicate_of(lead, run.owner), lead.pk
    else:
        reason, lead_id = texts.duplicate_hidden, None
    return (run.job_id, row.number, ImportRow.Outcome.DUPLICATE, "phone", reason[:300], lead_id)


def rejected(run: ImportRun, number: int, name: str, message: str) -> tuple:
    """An `ImportRow` (as `IMPORT_ROW_COLUMNS`) for a row that was not imported."""
    return (run.job_id, number, ImportRow.Outcome.REJECTED, name, message[:300], None)


def _source(run: ImportRun, lead_id: int, row: PreparedRow, is_duplicate: bool, now) -> tuple:
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
        run.basis,
        run.notice_id,
    )
