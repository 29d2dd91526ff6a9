"""Writing, the step after scoring: the new lead, what a duplicate filled in, and a capture
record (`LeadSource`) for every capture, created or not. A single capture writes through
the ORM; an import's chunk writes the same columns in bulk (COPY on PostgreSQL, see
`leads.db.importing`).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import IntegrityError, transaction

from ...db.importing import insert_rows, inserting_rows, update_leads
from ...models import Lead, LeadSource

SCORE_FIELDS = ("score", "grade", "score_details")

LEAD_TEXT_FIELDS = ("name", "company", "region", "email", "wechat", "notes", "product", "timeline")
#: What an import writes of a new lead (the other columns take their defaults).
LEAD_COLUMNS = (
    "phone",
    "is_mobile",
    "channel",
    *SCORE_FIELDS,
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
#: What an import writes of a capture record.
SOURCE_COLUMNS = (
    "lead_id",
    "channel",
    "campaign_id",
    "import_job_id",
    "is_duplicate",
    "payload",
    "received_at",
    "created_by_id",
    "basis",
    "notice_id",
)


def lead_insert(lead: Lead) -> bool:
    """Insert a new lead; False when its phone was taken a moment ago (another capture of
    the same number won the race: the caller merges into that one)."""
    try:
        with transaction.atomic():
            lead.save(force_insert=True)
    except IntegrityError:
        return False
    return True


def lead_save_filled(lead: Lead, changed: Sequence[str]) -> None:
    """Save the fields a duplicate filled in, with the score they changed."""
    lead.save(update_fields=[*changed, *SCORE_FIELDS, "updated_at"])


def source_record(source: LeadSource, *, lead: Lead, is_duplicate: bool) -> LeadSource:
    """Record a capture on the lead it made or repeated."""
    source.lead = lead
    source.is_duplicate = is_duplicate
    source.save(force_insert=True)
    return source


def leads_inserting(rows: list[tuple]):
    """Insert new leads (`LEAD_COLUMNS` tuples), giving their ids to the `with` body while
    the database writes them."""
    return inserting_rows(Lead, LEAD_COLUMNS, rows, with_ids=True)


def leads_save_filled(leads: list[Lead], fields: set[str]) -> None:
    """Save what duplicates filled in many leads, with their new scores, in one statement."""
    update_leads(leads, [*sorted(fields), *SCORE_FIELDS, "updated_at"])


def sources_insert(rows: list[tuple]) -> None:
    """Record many captures (`SOURCE_COLUMNS` tuples) at once."""
    insert_rows(LeadSource, SOURCE_COLUMNS, rows)
