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

from django.db import connections
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from crm.phones import looks_like_number, normalize_or_none
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


# A lead pk no row has: the presence query is built once with it, then run for any lead.
_PROBE_PK = -918273645


@functools.cache
def _presence_query(kinds: tuple[str, ...]) -> tuple[str, tuple]:
    """The SQL of "which of `kinds` does the lead have", built by the ORM once per process
    (its parameters do not depend on the lead except the pk, put in by `_kinds_present`)."""
    probe = (
        Lead.objects.filter(pk=_PROBE_PK)
        .order_by()
        .values(**{f"has_{kind}": Exists(_timeline_presence[kind](_PROBE_PK)) for kind in kinds})
    )
    sql, params = probe.query.sql_with_params()
    return sql, tuple(params)


def _kinds_present(lead: Lead) -> set[str]:
    """The kinds with a presence query that `lead` has rows of (one query)."""
    kinds = tuple(sorted(_timeline_presence))
    if not kinds:
        return set()
    sql, params = _presence_query(kinds)
    pk, text = lead.pk, str(lead.pk)
    bound = [
        pk if param == _PROBE_PK else text if param == str(_PROBE_PK) else param for param in params
    ]
    with connections[Lead.objects.db].cursor() as cursor:
        cursor.execute(sql, bound)
        row = cursor.fetchone()
    if row is None:
        return set()
    return {kind for kind, has in zip(kinds, row, strict=True) if has}


def newest(rows: QuerySet, limit: int | None) -> QuerySet:
    """The first `limit` rows of an already newest-first queryset (all with None)."""
    return rows if limit is None else rows[:limit]


@timeline_source("followup", present=lambda pk: FollowUp.objects.filter(lead_id=pk))
def _followups(lead: Lead, limit: int | None) -> Iterable[TimelineEntry]:
    rows = lead.followups.select_related("agent", "call").order_by("-created_at", "-id")
    return (TimelineEntry(row.created_at, "followup", row) for row in newest(rows, limit))


def _unlinked_calls(lead_pk: int) -> QuerySet[Call]:
    """The lead's calls without a follow-up: a call logged with a follow-up is shown inside
    that follow-up, not twice."""
    return Call.objects.filter(lead_id=lead_pk, followup__isnull=True)


@timeline_source("call", present=_unlinked_calls)
def _calls(lead: Lead, limit: int | None) -> Iterable[TimelineEntry]:
    rows = _unlinked_calls(lead.pk).select_related("agent")
    rows = newest(rows.order_by("-started_at", "-id"), limit)
    return (TimelineEntry(row.started_at, "call", row) for row in rows)


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
    rows = lead.assignments.select_related("from_user", "to_user", "by", "team")
    rows = newest(rows.only(*ASSIGNMENT_TIMELINE_FIELDS).order_by("-at", "-id"), limit)
    return (TimelineEntry(row.at, "assignment", row) for row in rows)


@timeline_source("source", present=lambda pk: LeadSource.objects.filter(lead_id=pk))
def _sources(lead: Lead, limit: int | None) -> Iterable[TimelineEntry]:
    rows = lead.sources.select_related("campaign", "created_by").order_by("-received_at", "-id")
    return (TimelineEntry(row.received_at, "source", row) for row in newest(rows, limit))


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
    (one query). Later captures of the same number are on the timeline."""
    return (
        lead.sources.select_related("campaign", "notice")
        .order_by("is_duplicate", "received_at", "id")
        .first()
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
