"""Read queries for one lead and for lead lists, scoped through `crm.access`.

The timeline of a lead is built from one queryset per kind of event (follow-ups, calls,
assignments, captures), merged in Python: a fixed number of queries whatever the lead's
history. Later apps add their own kinds (orders, revisits) with `timeline_source`, so
the lead page and the API show them without this module knowing about them.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable
from typing import NamedTuple

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from crm.phones import looks_like_number, normalize_or_none
from crm.prepared import Prepared
from crm.selectors import person_fields
from leads import access as leads_access
from leads.models import Assignment, Call, FollowUp, Lead, LeadSource
from risk import access as risk_access

# What a lead list shows (the API list, the worklist): nothing else is read.
LIST_FIELDS = (
    "id",
    "name",
    "phone",
    "company",
    "region",
    "product",
    "channel",
    "grade",
    "score",
    "status",
    "owner",
    "team",
    "next_followup_at",
    "last_contact_at",
    "followup_count",
    "created_at",
    "owner__username",
    "owner__first_name",
    "owner__last_name",
    "team__name",
)


class TimelineEntry(NamedTuple):
    at: dt.datetime
    kind: str
    object: object


# A source is called with the lead and how many of its newest entries are wanted at most
# (None: all of them).
TimelineSource = Callable[[Lead, "int | None"], Iterable[TimelineEntry]]
# The lead page shows this many of the newest events; older ones on request (a link under
# the timeline). Twenty is a few weeks of a worked lead; each event shown costs the page
# about 0.4 ms to render, and a lead worked for months has hundreds.
TIMELINE_PAGE = 20
_timeline_sources: dict[str, TimelineSource] = {}
# For each kind that gives one: its rows for a lead pk, so one query can ask which kinds a
# lead has at all (see `_kinds_present`).
TimelinePresence = Callable[[int], QuerySet]
_timeline_presence: dict[str, TimelinePresence] = {}


def timeline_source(
    kind: str, *, present: TimelinePresence | None = None
) -> Callable[[TimelineSource], TimelineSource]:
    """Register what a kind of event adds to a lead's timeline (one query per kind).

    Another app registers its kind from its `AppConfig.ready()`, e.g.
    `@timeline_source("order") def _orders(lead, limit): ...` yielding the newest `limit`
    `TimelineEntry` rows (all of them when `limit` is None).

    `present(lead_pk)`, when given, is the kind's rows of that lead (the same filter as
    the source, no joins): the timeline then asks in one query which kinds a lead has, and
    reads only those. Most leads have three or four kinds of nine, and each query skipped
    saves the page about a millisecond of SQL building.
    """

    def register(source: TimelineSource) -> TimelineSource:
        _timeline_sources[kind] = source
        if present is not None:
            _timeline_presence[kind] = present
        return source

    return register


@functools.cache
def _presence_query(kinds: tuple[str, ...]) -> Prepared:
    """ "Which of `kinds` does the lead have" (one row of booleans), prepared once."""
    return Prepared(
        lambda lead_pk: (
            Lead.objects.filter(pk=lead_pk)
            .order_by()
            .values_list(*(Exists(_timeline_presence[kind](lead_pk)) for kind in kinds))
        ),
        lead_pk=int,
    )


def _kinds_present(lead: Lead) -> set[str]:
    """The kinds with a presence query that `lead` has rows of (one query)."""
    kinds = tuple(sorted(_timeline_presence))
    if not kinds:
        return set()
    rows = _presence_query(kinds)(lead_pk=lead.pk)
    if not rows:
        return set()
    return {kind for kind, has in zip(kinds, rows[0], strict=True) if has}


def newest(rows: QuerySet, limit: int | None) -> QuerySet:
    """The first `limit` rows of an already newest-first queryset (all with None)."""
    return rows if limit is None else rows[:limit]


_newest_prepared: dict[tuple[str, int | None], Prepared] = {}


def newest_of_lead(
    kind: str, rows_for: Callable[[int], QuerySet], lead_pk: int, limit: int | None
) -> list:
    """The newest `limit` rows of `rows_for(lead_pk)`, a newest-first queryset of one
    lead's rows (all of them with None).

    Run as a prepared query (`crm.prepared`): the lead page reads four to six kinds, and
    building and compiling each query cost more than running it. `rows_for` may use the
    pk only as a filter value and must not start from a related manager (`lead.x`), which
    would tie the rows to one lead object.
    """
    prepared = _newest_prepared.get((kind, limit))
    if prepared is None:
        prepared = Prepared(lambda lead_pk: newest(rows_for(lead_pk), limit), lead_pk=int)
        _newest_prepared[(kind, limit)] = prepared
    return prepared(lead_pk=lead_pk)


@timeline_source("followup", present=lambda pk: FollowUp.objects.filter(lead_id=pk))
def _followups(lead: Lead, limit: int | None) -> Iterable[TimelineEntry]:
    rows = newest_of_lead("followup", _followup_rows, lead.pk, limit)
    return (TimelineEntry(row.created_at, "followup", row) for row in rows)


def _followup_rows(lead_pk: int) -> QuerySet[FollowUp]:
    rows = FollowUp.objects.filter(lead_id=lead_pk).select_related("agent", "call")
    return rows.order_by("-created_at", "-id")


def _unlinked_calls(lead_pk: int) -> QuerySet[Call]:
    """The lead's calls without a follow-up: a call logged with a follow-up is shown inside
    that follow-up, not twice."""
    return Call.objects.filter(lead_id=lead_pk, followup__isnull=True)


@timeline_source("call", present=_unlinked_calls)
def _calls(lead: Lead, limit: int | None) -> Iterable[TimelineEntry]:
    rows = newest_of_lead("call", _call_rows, lead.pk, limit)
    return (TimelineEntry(row.started_at, "call", row) for row in rows)


def _call_rows(lead_pk: int) -> QuerySet[Call]:
    return _unlinked_calls(lead_pk).select_related("agent").order_by("-started_at", "-id")


# What the timeline (page and API) shows of a move: the people by name only.
ASSIGNMENT_TIMELINE_FIELDS = (
    "id",
    "lead_id",
    "kind",
    "from_user_id",
    "to_user_id",
    "team_id",
    "reason",
    "by_id",
    "at",
    "team__name",
    *person_fields("from_user"),
    *person_fields("to_user"),
    *person_fields("by"),
)


@timeline_source("assignment", present=lambda pk: Assignment.objects.filter(lead_id=pk))
def _assignments(lead: Lead, limit: int | None) -> Iterable[TimelineEntry]:
    rows = newest_of_lead("assignment", _assignment_rows, lead.pk, limit)
    return (TimelineEntry(row.at, "assignment", row) for row in rows)


def _assignment_rows(lead_pk: int) -> QuerySet[Assignment]:
    rows = Assignment.objects.filter(lead_id=lead_pk)
    rows = rows.select_related("from_user", "to_user", "by", "team")
    return rows.only(*ASSIGNMENT_TIMELINE_FIELDS).order_by("-at", "-id")


@timeline_source("source", present=lambda pk: LeadSource.objects.filter(lead_id=pk))
def _sources(lead: Lead, limit: int | None) -> Iterable[TimelineEntry]:
    rows = newest_of_lead("source", _source_rows, lead.pk, limit)
    return (TimelineEntry(row.received_at, "source", row) for row in rows)


def _source_rows(lead_pk: int) -> QuerySet[LeadSource]:
    rows = LeadSource.objects.filter(lead_id=lead_pk).select_related("campaign", "created_by")
    return rows.order_by("-received_at", "-id")


class Timeline(list):
    """Timeline entries, newest first; `complete` is False when older ones were left out."""

    complete = True


def lead_timeline(lead: Lead, *, limit: int | None = None) -> Timeline:
    """What happened to a lead, newest first, one query per registered kind.

    With `limit`, only the newest `limit` entries (each kind reads at most `limit` + 1
    rows, so a lead called a thousand times opens as fast as a new one) and `complete`
    says whether that was all of them. The caller has already found `lead` through
    `visible_leads`: whoever may open a lead sees its whole history, including follow-ups
    by a previous owner.
    """
    wanted = None if limit is None else limit + 1
    entries = Timeline()
    present = _kinds_present(lead)
    for kind, source in _timeline_sources.items():
        if kind in _timeline_presence and kind not in present:
            continue
        entries.extend(source(lead, wanted))
    entries.sort(key=lambda entry: (entry.at, getattr(entry.object, "pk", 0) or 0), reverse=True)
    if limit is not None and len(entries) > limit:
        del entries[limit:]
        entries.complete = False
    return entries


def leads_for_list(user) -> QuerySet[Lead]:
    """The leads `user` may see, reading only the columns a list shows (one query a page)."""
    return (
        leads_access.visible_leads(user)
        .select_related("owner", "team")
        .only(*LIST_FIELDS)
        .order_by("-created_at", "-id")
    )


def lead_for_page(user) -> QuerySet[Lead]:
    """The leads `user` may open, with what the lead page and the API detail show."""
    return leads_access.visible_leads(user).select_related(
        "owner", "team", "campaign", "customer__tier"
    )


def lead_data_basis(lead: Lead) -> LeadSource | None:
    """How the lead's data came (PIPL): its first capture, with its campaign and notice
    (one prepared query). Later captures of the same number are on the timeline."""
    rows = _first_capture(lead_pk=lead.pk)
    return rows[0] if rows else None


_first_capture = Prepared(
    lambda lead_pk: (
        LeadSource.objects.filter(lead_id=lead_pk)
        .select_related("campaign", "notice")
        .order_by("is_duplicate", "received_at", "id")[:1]
    ),
    lead_pk=int,
)


def with_data_basis(queryset: QuerySet[Lead]) -> QuerySet[Lead]:
    """`queryset` annotated with its first capture's data basis (as `lead_data_basis`
    reads it), for exports: `basis_campaign`, `basis_code`, `basis_notice_version`,
    `basis_consented_at`, `basis_received_at` (correlated subqueries on the lead's
    capture records, an indexed probe each)."""
    first = LeadSource.objects.filter(lead_id=OuterRef("pk")).order_by(
        "is_duplicate", "received_at", "id"
    )
    return queryset.annotate(
        basis_campaign=Subquery(first.values("campaign__name")[:1]),
        basis_code=Subquery(first.values("basis")[:1]),
        basis_notice_version=Subquery(first.values("notice__version")[:1]),
        basis_consented_at=Subquery(first.values("consented_at")[:1]),
        basis_received_at=Subquery(first.values("received_at")[:1]),
    )


def search_leads(queryset: QuerySet[Lead], text: str, *, user) -> QuerySet[Lead]:
    """Name contains `text`, or the phone matches it as `user` may search phones.

    A text that reads as a phone number is looked up by its E.164 form only: one probe
    of the unique index on `Lead.phone`, whatever the size of the table. Anything else
    searches names, and phones only as `risk.access.phone_search` allows: any run of 4+
    digits for those who see full numbers, only the parts the mask shows (`136`, `5635`,
    `136****5635`) for everyone else. The caller keeps a name search fast by searching a
    narrow queryset (one agent's leads).
    """
    text = (text or "").strip()
    if not text:
        return queryset
    e164 = normalize_or_none(text)
    if e164:
        return queryset.filter(phone=e164)
    phone = risk_access.phone_search(user, text)
    if looks_like_number(text):
        # Only about the phone: no name scan beside it, so the last four are an index
        # probe, and digits the user may not search find nothing at all.
        return queryset.filter(phone) if phone else queryset.none()
    condition = Q(name__icontains=text)
    if phone:
        condition |= phone
    return queryset.filter(condition)
