"""Reads for requests from people: the request list, finding a person, what the center
holds about them (counts for the request page, everything for the access file), and what
holds an erasure back. Admin-only: every read goes through `privacy.access`."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.models import (
    ImprovementItem,
    Revisit,
    ServiceTicket,
    TicketEvent,
    TicketStatus,
    TicketType,
)
from customers.models import Contact, ContactKind
from leads import access as leads_access
from leads.models import Assignment, Call, FollowUp, ImportRow, Lead, LeadEvent, LeadSource
from orders.models import Order, OrderEvent, OrderLine, OrderStatus
from performance.models import QualityScore
from risk.models import AuditEntry, DoNotCall, phone_hash
from training.models import Case

from . import access
from .models import REMIND_WITHIN_WORKING_DAYS, RequestStatus, SubjectRequest
from .person import Person
from .workdays import add_working_days

#: Orders in these states are finished: an erasure may go ahead.
FINISHED_ORDER_STATUSES = (OrderStatus.COMPLETED, OrderStatus.CANCELLED, OrderStatus.REFUNDED)


# --- the list ---------------------------------------------------------------------------------


def requests_for(
    user, *, status: str = "", kind: str = "", due: str = "", today: dt.date | None = None
) -> QuerySet[SubjectRequest]:
    """The requests `user` handles, filtered; `due` is "overdue" or "soon" (open ones due
    within the reminder window)."""
    today = today or timezone.localdate()
    rows = access.visible_requests(user).select_related("handled_by")
    if status:
        rows = rows.filter(status=status)
    if kind:
        rows = rows.filter(kind=kind)
    if due == "overdue":
        rows = rows.filter(status=RequestStatus.OPEN, due_on__lt=today)
    elif due == "soon":
        rows = rows.filter(
            status=RequestStatus.OPEN,
            due_on__gte=today,
            due_on__lte=add_working_days(today, REMIND_WITHIN_WORKING_DAYS),
        )
    return rows.order_by("-received_at", "-id")


# --- finding a person -------------------------------------------------------------------------


def find_leads(user, *, phone: str = "", email: str = "", name: str = "") -> QuerySet[Lead]:
    """Leads `user` may see whose phone (E.164), email (any case) or name (exactly, any
    case) is the person's. A name finds namesakes too: the admin picks who is the person."""
    condition = Q(pk__in=[])
    if phone:
        condition |= Q(phone=phone)
    if email:
        condition |= Q(email__iexact=email)
    if name:
        condition |= Q(name__iexact=name)
    return leads_access.visible_leads(user).filter(condition).order_by("-created_at", "-id")


def person_of(request: SubjectRequest) -> Person:
    """The person of `request`: the leads picked when it was logged, and any lead found
    since by the same number or email, with every number, email and name they hold."""
    condition = Q(pk__in=request.leads.values("pk"))
    if request.subject_phone:
        condition |= Q(phone=request.subject_phone)
    if request.subject_email:
        condition |= Q(email__iexact=request.subject_email)
    rows = list(Lead.objects.filter(condition).values_list("pk", "phone", "email", "name"))
    return Person.of(
        lead_ids=[row[0] for row in rows],
        phones=[request.subject_phone, *(row[1] for row in rows)],
        emails=[request.subject_email, *(row[2] for row in rows)],
        names=[request.subject_name, *(row[3] for row in rows)],
    )


def calls_of(person: Person) -> QuerySet[Call]:
    """Calls with the person: on their leads, or from or to one of their numbers."""
    forms = list(person.phone_forms)
    return Call.objects.filter(
        Q(lead_id__in=person.lead_ids) | Q(caller__in=forms) | Q(callee__in=forms)
    )


def do_not_call_of(person: Person) -> QuerySet[DoNotCall]:
    phones = sorted(person.phones)
    return DoNotCall.objects.filter(
        Q(phone__in=phones) | Q(phone_hash__in=[phone_hash(phone) for phone in phones])
    )


@dataclass(frozen=True)
class Records:
    """Ids of everything that belongs to the person, by table."""

    lead_ids: list[int]
    order_ids: list[int]
    order_line_ids: list[int]
    ticket_ids: list[int]
    revisit_ids: list[int]
    followup_ids: list[int]
    call_ids: list[int]
    do_not_call_ids: list[int]
    assignment_ids: list[int]
    quality_score_ids: list[int]
    # Customers made of the person's leads alone, and contacts holding their numbers or
    # emails (on any customer).
    customer_ids: list[int] = field(default_factory=list)
    contact_ids: list[int] = field(default_factory=list)
    # Rows that mention the person and keep an audit trail of their own.
    improvement_item_ids: list[int] = field(default_factory=list)
    case_ids: list[int] = field(default_factory=list)

    def audit_labels(self) -> dict[str, list[int]]:
        """The audit trail's record types → ids of the person's records."""
        return {
            "leads.lead": self.lead_ids,
            "orders.order": self.order_ids,
            "orders.orderline": self.order_line_ids,
            "aftersales.serviceticket": self.ticket_ids,
            "aftersales.revisit": self.revisit_ids,
            "risk.donotcall": self.do_not_call_ids,
            "leads.assignment": self.assignment_ids,
            "performance.qualityscore": self.quality_score_ids,
            "customers.customer": self.customer_ids,
            "customers.contact": self.contact_ids,
            "aftersales.improvementitem": self.improvement_item_ids,
            "training.case": self.case_ids,
        }


def records_of(person: Person) -> Records:
    leads = person.lead_ids
    orders = list(Order.objects.filter(lead_id__in=leads).values_list("pk", flat=True))
    followups = list(FollowUp.objects.filter(lead_id__in=leads).values_list("pk", flat=True))
    calls = list(calls_of(person).values_list("pk", flat=True))
    return Records(
        lead_ids=list(leads),
        order_ids=orders,
        order_line_ids=list(
            OrderLine.objects.filter(order_id__in=orders).values_list("pk", flat=True)
        ),
        ticket_ids=list(
            ServiceTicket.objects.filter(lead_id__in=leads).values_list("pk", flat=True)
        ),
        revisit_ids=list(Revisit.objects.filter(lead_id__in=leads).values_list("pk", flat=True)),
        followup_ids=followups,
        call_ids=calls,
        do_not_call_ids=list(do_not_call_of(person).values_list("pk", flat=True)),
        assignment_ids=list(
            Assignment.objects.filter(lead_id__in=leads).values_list("pk", flat=True)
        ),
        quality_score_ids=list(
            QualityScore.objects.filter(
                Q(followup_id__in=followups) | Q(call_id__in=calls)
            ).values_list("pk", flat=True)
        ),
        customer_ids=customers_of(person),
        contact_ids=list(contacts_of(person).values_list("pk", flat=True)),
        improvement_item_ids=list(
            ImprovementItem.objects.filter(
                Q(lead_id__in=leads) | Q(revisit__lead_id__in=leads)
            ).values_list("pk", flat=True)
        ),
        case_ids=list(
            Case.objects.filter(Q(lead_id__in=leads) | Q(order_id__in=orders)).values_list(
                "pk", flat=True
            )
        ),
    )


def customers_of(person: Person) -> list[int]:
    """Customers whose every lead is the person's (a customer also holding other people's
    leads, a company, keeps its name)."""
    leads = list(person.lead_ids)
    if not leads:
        return []
    candidates = set(
        Lead.objects.filter(pk__in=leads, customer__isnull=False).values_list(
            "customer_id", flat=True
        )
    )
    shared = set(
        Lead.objects.filter(customer_id__in=candidates)
        .exclude(pk__in=leads)
        .values_list("customer_id", flat=True)
    )
    return sorted(candidates - shared)


def contacts_of(person: Person) -> QuerySet[Contact]:
    """Contacts with the person's numbers, emails or their leads' WeChat ids, and every
    contact of the customers made of their leads alone."""
    wechats = sorted(
        set(
            Lead.objects.filter(pk__in=list(person.lead_ids))
            .exclude(wechat="")
            .values_list("wechat", flat=True)
        )
    )
    return Contact.objects.filter(
        Q(kind=ContactKind.PHONE, value__in=sorted(person.phones))
        | Q(kind=ContactKind.EMAIL, value__in=sorted(person.emails))
        | Q(kind=ContactKind.WECHAT, value__in=wechats)
        | Q(customer_id__in=customers_of(person))
    )


def audit_entries_of(records: Records) -> QuerySet[AuditEntry]:
    condition = Q(pk__in=[])
    for label, ids in records.audit_labels().items():
        if ids:
            condition |= Q(model_label=label, object_id__in=[str(pk) for pk in ids])
    return AuditEntry.objects.filter(condition)


def holdings(person: Person) -> dict[str, int]:
    """How many of each kind of record the center holds about the person (the request
    page's "what was found")."""
    records = records_of(person)
    return {
        "leads": len(records.lead_ids),
        "followups": len(records.followup_ids),
        "calls": len(records.call_ids),
        "orders": len(records.order_ids),
        "tickets": len(records.ticket_ids),
        "revisits": len(records.revisit_ids),
        "do_not_call": len(records.do_not_call_ids),
        "import_rows": ImportRow.objects.filter(lead_id__in=records.lead_ids).count(),
        "audit_entries": audit_entries_of(records).count(),
    }


HOLDING_LABELS = {
    "leads": gettext_lazy("Customer records"),
    "followups": gettext_lazy("Follow-ups"),
    "calls": gettext_lazy("Calls"),
    "orders": gettext_lazy("Orders"),
    "tickets": gettext_lazy("Service tickets"),
    "revisits": gettext_lazy("Revisits"),
    "do_not_call": gettext_lazy("Do-not-call entries"),
    "import_rows": gettext_lazy("Import report rows"),
    "audit_entries": gettext_lazy("Audit entries"),
}


def erasure_blockers(person: Person) -> list[str]:
    """Why the person's data may not be erased yet (empty: it may): an order not finished
    (completed, cancelled or refunded), a service ticket not closed, a complaint (dispute)
    still open. The books and the open work need the customer until then."""
    reasons: list[str] = []
    orders = (
        Order.objects.filter(lead_id__in=person.lead_ids)
        .exclude(status__in=FINISHED_ORDER_STATUSES)
        .order_by("pk")
    )
    for number, status in orders.values_list("number", "status"):
        reasons.append(
            _("Order %(number)s is still %(status)s.")
            % {"number": number, "status": OrderStatus(status).label}
        )
    tickets = (
        ServiceTicket.objects.filter(lead_id__in=person.lead_ids)
        .exclude(status=TicketStatus.CLOSED)
        .order_by("pk")
    )
    for pk, kind, status in tickets.values_list("pk", "type", "status"):
        if kind == TicketType.COMPLAINT:
            reasons.append(
                _("Complaint #%(id)d (a dispute) is still %(status)s.")
                % {"id": pk, "status": TicketStatus(status).label}
            )
        else:
            reasons.append(
                _("Service ticket #%(id)d is still %(status)s.")
                % {"id": pk, "status": TicketStatus(status).label}
            )
    return reasons


# --- the access file --------------------------------------------------------------------------

LEAD_FIELDS = (
    "id",
    "name",
    "phone",
    "email",
    "wechat",
    "company",
    "region",
    "notes",
    "product",
    "budget",
    "intent",
    "timeline",
    "channel",
    "campaign__name",
    "status",
    "closed_reason",
    "grade",
    "score",
    "created_at",
    "last_contact_at",
    "next_followup_at",
)


def _rows(queryset, *fields) -> list[dict]:
    return list(queryset.values(*fields))


def _by(queryset, key: str, *fields) -> dict[int, list[dict]]:
    """{key: rows} in the queryset's order, `key` left out of the rows: one query for
    every record of a kind, whatever the number of leads, orders or tickets."""
    grouped: dict[int, list[dict]] = defaultdict(list)
    for row in queryset.values(key, *fields):
        grouped[row.pop(key)].append(row)
    return grouped


def subject_data(request: SubjectRequest, *, now: dt.datetime | None = None) -> dict:
    """Everything the center holds about the person of `request`, as one JSON-ready
    document (the access file): their customer records with sources, status changes,
    follow-ups, calls (with recording links), orders with lines and events, revisits,
    tickets with events; calls from or to their numbers; do-not-call entries; import
    report rows; audit entries about their records. Staff appear by username only."""
    person = person_of(request)
    records = records_of(person)
    lead_ids = person.lead_ids
    orders = _by(
        Order.objects.filter(lead_id__in=lead_ids).order_by("pk"),
        "lead_id",
        "id",
        "number",
        "status",
        "total",
        "list_total",
        "discount_total",
        "payment_terms",
        "is_paid",
        "delivery_address",
        "expected_delivery_on",
        "notes",
        "tracking_number",
        "confirmed_at",
        "delivered_at",
        "created_at",
    )
    order_ids = [order["id"] for rows in orders.values() for order in rows]
    order_lines = _by(
        OrderLine.objects.filter(order_id__in=order_ids).order_by("pk"),
        "order_id",
        "product__sku",
        "product__name",
        "quantity",
        "unit_price",
        "discount",
    )
    order_events = _by(
        OrderEvent.objects.filter(order_id__in=order_ids).order_by("at"),
        "order_id",
        "kind",
        "from_status",
        "to_status",
        "reason",
        "at",
    )
    for rows in orders.values():
        for order in rows:
            order["lines"] = order_lines.get(order["id"], [])
            order["events"] = order_events.get(order["id"], [])
    tickets = _by(
        ServiceTicket.objects.filter(lead_id__in=lead_ids).order_by("pk"),
        "lead_id",
        "id",
        "type",
        "priority",
        "subject",
        "description",
        "status",
        "resolution",
        "opened_at",
        "due_at",
        "resolved_at",
        "closed_at",
    )
    ticket_events = _by(
        TicketEvent.objects.filter(
            ticket_id__in=[ticket["id"] for rows in tickets.values() for ticket in rows]
        ).order_by("at"),
        "ticket_id",
        "kind",
        "from_status",
        "to_status",
        "note",
        "at",
    )
    for rows in tickets.values():
        for ticket in rows:
            ticket["events"] = ticket_events.get(ticket["id"], [])
    sources = _by(
        LeadSource.objects.filter(lead_id__in=lead_ids).order_by("received_at"),
        "lead_id",
        "channel",
        "campaign__name",
        "is_duplicate",
        "payload",
        "received_at",
    )
    status_changes = _by(
        LeadEvent.objects.filter(lead_id__in=lead_ids).order_by("at"),
        "lead_id",
        "from_status",
        "to_status",
        "why",
        "at",
    )
    followups = _by(
        FollowUp.objects.filter(lead_id__in=lead_ids).order_by("created_at"),
        "lead_id",
        "id",
        "channel",
        "disposition",
        "notes",
        "product",
        "budget",
        "timeline",
        "next_followup_at",
        "created_at",
        "agent__username",
    )
    revisits = _by(
        Revisit.objects.filter(lead_id__in=lead_ids).order_by("due_at"),
        "lead_id",
        "id",
        "order__number",
        "status",
        "due_at",
        "reached",
        "satisfaction",
        "complaint",
        "feedback",
        "follow_up_actions",
        "done_at",
    )
    improvement_items = _by(
        ImprovementItem.objects.filter(lead_id__in=lead_ids).order_by("pk"),
        "lead_id",
        "title",
        "description",
        "status",
        "created_at",
    )
    leads = []
    for lead in Lead.objects.filter(pk__in=lead_ids).order_by("pk").values(*LEAD_FIELDS):
        pk = lead["id"]
        lead.update(
            sources=sources.get(pk, []),
            status_changes=status_changes.get(pk, []),
            followups=followups.get(pk, []),
            orders=orders.get(pk, []),
            revisits=revisits.get(pk, []),
            tickets=tickets.get(pk, []),
            improvement_items=improvement_items.get(pk, []),
        )
        leads.append(lead)
    return {
        "generated_at": (now or timezone.now()).isoformat(),
        "request": {
            "id": request.pk,
            "kind": request.kind,
            "received_at": request.received_at.isoformat(),
            "name": request.subject_name,
            "phone": request.subject_phone,
            "email": request.subject_email,
        },
        "customer_records": leads,
        "calls": _rows(
            Call.objects.filter(pk__in=records.call_ids).order_by("started_at"),
            "id",
            "lead_id",
            "direction",
            "caller",
            "callee",
            "started_at",
            "duration_seconds",
            "recording_url",
            "source",
        ),
        "do_not_call": _rows(
            DoNotCall.objects.filter(pk__in=records.do_not_call_ids).order_by("added_at"),
            "phone",
            "reason",
            "source",
            "added_at",
        ),
        "import_rows": _rows(
            ImportRow.objects.filter(lead_id__in=records.lead_ids).order_by("job_id", "row_number"),
            "job__original_name",
            "row_number",
            "outcome",
            "field",
            "reason",
        ),
        "audit_entries": _rows(
            audit_entries_of(records).order_by("at", "pk"),
            "at",
            "actor_label",
            "action",
            "model_label",
            "object_id",
            "before",
            "after",
        ),
    }
