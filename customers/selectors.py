"""Reads of the customers app: lists, search, the customer page, duplicate candidates and
the lead a repeat sale is taken from. Rows come scoped from `customers.access`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.db import connection, transaction
from django.db.models import Avg, BooleanField, Count, F, Q, QuerySet, Sum
from django.db.models.expressions import RawSQL
from django.utils import timezone

from aftersales.models import Revisit, ServiceTicket
from crm import phones
from leads.models import OPEN_STATUSES, Call, FollowUp, Lead, LeadStatus
from orders.models import Installment, Order, Payment

from . import access
from .models import Contact, ContactKind, Customer, Merge

#: The customer page's tables (orders, tickets, revisits, payments) show at most this many
#: rows each, and its history at most this many events (newest first).
HISTORY_LIMIT = 200
#: The history shows this many events at first, and this many more at each "show more".
HISTORY_PAGE = 50
#: The statuses of a lead a repeat sale may be taken from.
_SELLABLE = (*OPEN_STATUSES, LeadStatus.WON)
#: Name-and-company similarity (pg_trgm) at or above which two customers are candidates.
SIMILARITY = 0.6
CANDIDATES_LIMIT = 20


def customers_for_list(user, *, q: str = "") -> QuerySet[Customer]:
    """The customers `user` may see, newest first; `q` finds by a whole phone number, an
    email or a WeChat id (one probe of the contact index), else by name or company."""
    rows = access.visible_customers(user).select_related("owner", "team", "tier")
    q = (q or "").strip()
    if q:
        rows = (
            rows.filter(pk__in=contact_matches(q).values("customer_id"))
            if _is_contact(q)
            else (rows.filter(Q(name__icontains=q) | Q(company__icontains=q)))
        )
    return rows.order_by("-created_at", "-id")


def _is_contact(q: str) -> bool:
    return "@" in q or phones.normalize_or_none(q) is not None


def contact_matches(q: str) -> QuerySet[Contact]:
    """Contacts whose stored value is `q` (a phone in any written form, an email, a WeChat
    id): an equality on the `contact_value` index."""
    q = (q or "").strip()
    e164 = phones.normalize_or_none(q)
    if e164:
        return Contact.objects.filter(value=e164, kind=ContactKind.PHONE)
    if "@" in q:
        return Contact.objects.filter(value=q.lower(), kind=ContactKind.EMAIL)
    return Contact.objects.filter(value=q, kind=ContactKind.WECHAT)


def customer_for_page(user) -> QuerySet[Customer]:
    return access.visible_customers(user).select_related("owner", "team", "tier", "created_by")


@dataclass
class Event:
    at: dt.datetime
    kind: str
    title: str
    detail: str = ""
    lead_id: int | None = None
    url_name: str = ""
    url_id: int | None = None


@dataclass
class History:
    leads: list[Lead]
    orders: list[Order]
    tickets: list[ServiceTicket]
    revisits: list[Revisit]
    events: list[Event]
    satisfaction: dict[str, Any]
    payments: list[Payment] = field(default_factory=list)
    receivable: dict[str, Any] = field(default_factory=dict)
    #: Whether the history has events older than the ones in `events`.
    more_events: bool = False
    #: The lead a repeat sale is taken from (`lead_for_new_order`), None if every lead
    #: is closed.
    lead_for_order: Lead | None = None


def history_events_shown(asked: int | None) -> int:
    """How many events of the history a page shows: `asked` (the "show more" link's
    number) rounded up to whole pages of `HISTORY_PAGE`, at most `HISTORY_LIMIT`."""
    pages = max(1, -(-(asked or 0) // HISTORY_PAGE))
    return min(pages * HISTORY_PAGE, HISTORY_LIMIT)


def customer_history(
    customer: Customer, *, limit: int = HISTORY_LIMIT, events: int = HISTORY_PAGE
) -> History:
    """Everything about `customer` over time: its leads, orders (with totals), tickets,
    revisits and payments (`limit` rows each), what is still due, and one history of
    follow-ups, calls, orders, tickets and revisits, newest first (`events` of them, at
    most `limit`; `more_events` says whether older ones exist). Nine queries whatever the
    number of leads."""
    events = min(events, limit)
    leads = list(
        Lead.objects.filter(customer_id=customer.pk)
        .select_related("owner")
        .only(
            "name",
            "phone",
            "status",
            "created_at",
            "owner__username",
            "owner__first_name",
            "owner__last_name",
        )
        .order_by("-created_at", "-id")
    )
    lead_ids = [lead.pk for lead in leads]
    names = {lead.pk: lead.name or lead.phone_masked for lead in leads}
    orders = list(
        Order.objects.filter(lead_id__in=lead_ids)
        .select_related("agent")
        .order_by("-created_at", "-id")[:limit]
    )
    tickets = list(
        ServiceTicket.objects.filter(lead_id__in=lead_ids).order_by("-opened_at", "-id")[:limit]
    )
    revisits = list(
        Revisit.objects.filter(lead_id__in=lead_ids)
        .select_related("order")
        .order_by("-due_at", "-id")[:limit]
    )
    # Only the events shown (and one more, to tell whether there are older ones), and
    # only the fields they show.
    followups = list(
        FollowUp.objects.filter(lead_id__in=lead_ids)
        .only("lead_id", "created_at", "disposition", "notes")
        .order_by("-created_at", "-id")[: events + 1]
    )
    calls = list(
        Call.objects.filter(lead_id__in=lead_ids)
        .only("lead_id", "started_at", "direction", "duration_seconds")
        .order_by("-started_at", "-id")[: events + 1]
    )
    payments = list(
        Payment.objects.filter(order__lead_id__in=lead_ids)
        .select_related("order")
        .order_by("-paid_on", "-id")[:limit]
    )
    unpaid = F("amount") - F("paid_amount")
    receivable = Installment.objects.filter(order__lead_id__in=lead_ids).aggregate(
        due=Sum(unpaid),
        overdue=Sum(unpaid, filter=Q(due_on__lt=timezone.localdate(), paid_amount__lt=F("amount"))),
    )
    satisfaction = Revisit.objects.filter(
        lead_id__in=lead_ids, satisfaction__isnull=False
    ).aggregate(mean=Avg("satisfaction"), count=Count("pk"))
    # Each coded value's label translated once, not once a row (200 rows, 6 kinds).
    lead_status = _labels(Lead, "status")
    order_status = _labels(Order, "status")
    for lead in leads:
        lead.status_label = lead_status.get(lead.status, lead.status)
    for order in orders:
        order.status_label = order_status.get(order.status, order.status)
    disposition = _labels(FollowUp, "disposition")
    direction = _labels(Call, "direction")
    ticket_status = _labels(ServiceTicket, "status")
    revisit_status = _labels(Revisit, "status")
    timeline: list[Event] = []
    for lead in leads:
        timeline.append(
            Event(
                lead.created_at,
                "lead",
                lead.status_label,
                names[lead.pk],
                lead.pk,
                "leads:detail",
                lead.pk,
            )
        )
    for item in followups:
        timeline.append(
            Event(
                item.created_at,
                "followup",
                disposition.get(item.disposition, item.disposition),
                item.notes[:120],
                item.lead_id,
                "leads:detail",
                item.lead_id,
            )
        )
    for call in calls:
        timeline.append(
            Event(
                call.started_at,
                "call",
                direction.get(call.direction, call.direction),
                f"{call.duration_seconds}s",
                call.lead_id,
                "leads:detail",
                call.lead_id,
            )
        )
    for order in orders:
        timeline.append(
            Event(
                order.created_at,
                "order",
                order.number,
                f"{order.status_label} · {order.total}",
                order.lead_id,
                "orders:detail",
                order.pk,
            )
        )
    for ticket in tickets:
        timeline.append(
            Event(
                ticket.opened_at,
                "ticket",
                ticket.subject,
                ticket_status.get(ticket.status, ticket.status),
                ticket.lead_id,
                "aftersales:ticket_detail",
                ticket.pk,
            )
        )
    for revisit in revisits:
        detail = revisit_status.get(revisit.status, revisit.status)
        if revisit.satisfaction:
            detail = f"{detail} · {revisit.satisfaction}/5"
        timeline.append(
            Event(
                revisit.done_at or revisit.due_at,
                "revisit",
                revisit.order.number,
                detail,
                revisit.lead_id,
                "aftersales:revisit_detail",
                revisit.pk,
            )
        )
    timeline.sort(key=lambda event: event.at, reverse=True)
    return History(
        leads,
        orders,
        tickets,
        revisits,
        timeline[:events],
        satisfaction,
        payments,
        receivable,
        more_events=len(timeline) > events,
        lead_for_order=next((lead for lead in leads if lead.status in _SELLABLE), None),
    )


def _labels(model, field: str) -> dict[str, str]:
    return {value: str(label) for value, label in model._meta.get_field(field).flatchoices}


def lead_for_new_order(customer: Customer) -> Lead | None:
    """The lead a repeat sale is taken from: the customer's latest open or won lead (its
    owner sells; `orders.services.order_create_from_lead` takes the order). None when every
    lead is closed as lost or invalid: a lost number cannot be sold to again until a new
    capture reopens the work (see README)."""
    return (
        Lead.objects.filter(customer_id=customer.pk, status__in=_SELLABLE)
        .order_by("-created_at", "-id")
        .first()
    )


def merges_of(customer: Customer) -> QuerySet[Merge]:
    return (
        Merge.objects.filter(Q(winner=customer) | Q(loser=customer))
        .select_related("winner", "loser", "by", "undone_by")
        .order_by("-at", "-id")
    )


# --- duplicates -----------------------------------------------------------------------------


#: The expression the trigram index (migration 0002, `customer_name_trgm`) is built on.
_NAME_KEY_SQL = "lower(customers_customer.name || ' ' || customers_customer.company)"


@lru_cache(maxsize=1)
def trigram_available() -> bool:
    """Whether pg_trgm is installed (the migration creates it where it may)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        return cursor.fetchone() is not None


def name_key(name: str, company: str) -> str:
    """Name and company as compared for duplicates: lower case, no spaces."""
    return "".join(f"{name} {company}".lower().split())


def duplicates_for(user, customer: Customer) -> list[tuple[Customer, str]]:
    """Customers `user` may see that may be `customer` again, with why: a shared phone,
    email or WeChat id; else a similar name and company (pg_trgm similarity ≥ 0.6 on
    PostgreSQL where the extension is installed, else the same normalized name+company)."""
    visible = access.visible_customers(user).exclude(pk=customer.pk)
    found: dict[int, str] = {}
    pairs = list(customer.contacts.values_list("kind", "value"))
    if pairs:
        shared = Q()
        for kind, value in pairs:
            shared |= Q(kind=kind, value=value)
        for customer_id, kind in Contact.objects.filter(shared, customer__in=visible).values_list(
            "customer_id", "kind"
        )[:CANDIDATES_LIMIT]:
            found.setdefault(customer_id, str(ContactKind(kind).label))
    key = name_key(customer.name, customer.company)
    key_text = f"{customer.name} {customer.company}".lower()
    if key:
        if trigram_available():
            # `%` (similarity at least pg_trgm.similarity_threshold, set to SIMILARITY
            # for this transaction) reads the customer_name_trgm index (its expression).
            similar = visible.filter(
                RawSQL(  # noqa: S611 - a fixed expression; the name is a parameter
                    f"{_NAME_KEY_SQL} %% %s", [key_text], output_field=BooleanField()
                )
            )
        else:
            similar = visible.filter(name__iexact=customer.name, company__iexact=customer.company)
        with transaction.atomic():
            if trigram_available():
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT set_config('pg_trgm.similarity_threshold', %s, true)",
                        [str(SIMILARITY)],
                    )
            for customer_id in similar.values_list("pk", flat=True)[:CANDIDATES_LIMIT]:
                found.setdefault(customer_id, "name")
    rows = visible.filter(pk__in=list(found)).select_related("owner", "tier")
    return [(row, found[row.pk]) for row in rows]


def duplicate_pairs(user, *, limit: int = 100) -> list[tuple[Customer, Customer, str]]:
    """Pairs of customers in `user`'s scope sharing a phone, email or WeChat id (one
    self-join of the contact index), newest first."""
    visible = access.visible_customers(user).values("pk")
    rows = list(
        Contact.objects.filter(customer__in=visible)
        .filter(
            Q(
                value__in=Contact.objects.filter(customer__in=visible)
                .values("value")
                .annotate(n=Count("customer_id", distinct=True))
                .filter(n__gt=1)
                .values("value")
            )
        )
        .order_by("value", "customer_id")
        .values_list("value", "kind", "customer_id")[: limit * 4]
    )
    by_value: dict[tuple[str, str], list[int]] = {}
    for value, kind, customer_id in rows:
        by_value.setdefault((value, kind), []).append(customer_id)
    pairs_ids: list[tuple[int, int, str]] = []
    seen = set()
    for (_value, kind), ids in by_value.items():
        ids = sorted(set(ids))
        for other in ids[1:]:
            pair = (ids[0], other)
            if pair not in seen:
                seen.add(pair)
                pairs_ids.append((*pair, str(ContactKind(kind).label)))
    customers = Customer.objects.in_bulk({pk for a, b, _k in pairs_ids for pk in (a, b)})
    return [
        (customers[a], customers[b], why)
        for a, b, why in pairs_ids[:limit]
        if a in customers and b in customers
    ]
