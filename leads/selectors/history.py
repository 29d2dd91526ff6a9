"""A lead's history as people read it: status moves and edits on the lead's timeline.

Two timeline kinds (see `leads.selectors.leads.timeline_source`):

- `status`: each `LeadEvent` ("Status: New → Won · 张三 · Order SO-…"), who moved it
  and why;
- `audit`: the lead's own audit entries, each change as a sentence in the reader's
  language: the field's label, values by their choice labels, times in the center's time
  zone (`12-02 07:11`), the campaign by its name. Fields in `TIMELINE_HIDDEN_FIELDS`
  (internal, or shown by their own events: status, owner) are not shown; an edit of only
  those is left out of the timeline altogether, in SQL, so it takes no place in a page.

The raw trail (field names, stored values) stays on the admins' audit search.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import NamedTuple

from django.db import models
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext as _

from leads.models import TIMELINE_HIDDEN_FIELDS, Campaign, Lead, LeadEvent
from leads.selectors.leads import TimelineEntry, newest_of_lead, timeline_source
from risk.models import AuditEntry
from risk.selectors import audit_entries_for

# The lead's fields an edit on the timeline shows, by the audit trail's key (attname).
SHOWN_FIELDS: dict[str, models.Field] = {
    field.attname: field
    for field in Lead._meta.concrete_fields
    if not field.primary_key and field.name not in TIMELINE_HIDDEN_FIELDS
}
NOTES_LENGTH = 60


class FieldChange(NamedTuple):
    """One field of an edit, ready to read: label, value before, value after."""

    label: str
    before: str
    after: str


@timeline_source("status", present=lambda pk: LeadEvent.objects.filter(lead_id=pk))
def _status_moves(lead: Lead, limit: int | None) -> Iterable[TimelineEntry]:
    rows = newest_of_lead("status", _status_rows, lead.pk, limit)
    return (TimelineEntry(row.at, "status", row) for row in rows)


def _status_rows(lead_pk: int) -> QuerySet[LeadEvent]:
    return LeadEvent.objects.filter(lead_id=lead_pk).select_related("by").order_by("-at", "-id")


def _shown_edits(lead_pk: int) -> QuerySet[AuditEntry]:
    """The lead's trail entries the timeline shows: creations, deletions, and edits of a
    shown field."""
    shown = list(SHOWN_FIELDS)
    return audit_entries_for("leads.lead", lead_pk).filter(
        ~Q(action=AuditEntry.Action.UPDATE)
        | Q(after__has_any_keys=shown)
        | Q(before__has_any_keys=shown)
    )


@timeline_source("audit", present=_shown_edits)
def _edits(lead: Lead, limit: int | None) -> Iterable[TimelineEntry]:
    rows = newest_of_lead("audit", _edit_rows, lead.pk, limit)
    campaigns = _campaign_names(rows)
    for row in rows:
        row.readable_changes = readable_changes(row, campaigns=campaigns)
    return (TimelineEntry(row.at, "audit", row) for row in rows)


def _edit_rows(lead_pk: int) -> QuerySet[AuditEntry]:
    return _shown_edits(lead_pk).select_related("actor").order_by("-at", "-id")


def _campaign_names(rows: list[AuditEntry]) -> dict[int, str]:
    """The names of the campaigns the edits mention (one query, and only if any does)."""
    ids = {
        value
        for row in rows
        if row.action == AuditEntry.Action.UPDATE
        for value in (row.before.get("campaign_id"), row.after.get("campaign_id"))
        if isinstance(value, int)
    }
    if not ids:
        return {}
    return dict(Campaign.objects.filter(pk__in=ids).values_list("pk", "name"))


def readable_changes(entry: AuditEntry, *, campaigns: dict[int, str]) -> list[FieldChange]:
    """The shown fields an edit changed, as label, before and after (none for a creation)."""
    if entry.action != AuditEntry.Action.UPDATE:
        return []
    return [
        FieldChange(
            capfirst(str(SHOWN_FIELDS[name].verbose_name)),
            display_value(SHOWN_FIELDS[name], before, campaigns=campaigns),
            display_value(SHOWN_FIELDS[name], after, campaigns=campaigns),
        )
        for name, before, after in entry.changes
        if name in SHOWN_FIELDS
    ]


def display_value(field: models.Field, value, *, campaigns: dict[int, str]) -> str:
    """A stored value as the lead page says it (the trail keeps values as JSON)."""
    if value is None or value == "":
        return "—"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.ForeignKey):
        if field.related_model is Campaign:
            return campaigns.get(value) or f"#{value}"
        return f"#{value}"
    if isinstance(field, models.DateTimeField):
        return short_time(value)
    if isinstance(field, models.BooleanField):
        return _("yes") if value else _("no")
    if isinstance(field, models.TextField):
        return Truncator(str(value)).chars(NOTES_LENGTH)
    return str(value)


def short_time(value: str | dt.datetime) -> str:
    """`12-02 07:11` in the center's time zone; the year too when it is not this one."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    if timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    local = timezone.localtime(value)
    if local.year != timezone.localtime().year:
        return local.strftime("%Y-%m-%d %H:%M")
    return local.strftime("%m-%d %H:%M")
