"""Erasure of the person's own records: their customer records and what hangs off them
(sources, status changes, assignments, follow-ups, calls and recordings, quality
comments), orders, tickets, revisits, improvement items and case-library cases."""

from __future__ import annotations

from django.conf import settings
from django.db.models import CharField, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from aftersales.models import ImprovementItem, Revisit, ServiceTicket, TicketEvent
from customers.models import Contact, Customer, Merge
from leads.models import (
    OPEN_STATUSES,
    Assignment,
    Call,
    FollowUp,
    Lead,
    LeadEvent,
    LeadSource,
    LeadStatus,
)
from leads.services.moves import lead_move_many
from orders.models import Order, OrderEvent
from performance.models import QualityScore
from training.models import Case, CaseComment

from ...person import ERASED, Person
from .common import ERASURE_WHY, Erased, rewrite, wipe


def erase_leads(person: Person, records, by, erased: Erased) -> None:
    leads = Lead.objects.filter(pk__in=records.lead_ids)
    # Reasons typed about them go first, so the closing move's own reason is kept.
    erased.add(
        "status_reasons", wipe(LeadEvent.objects.filter(lead_id__in=records.lead_ids), "why")
    )
    moved = lead_move_many(
        leads_qs_or_ids=leads.filter(status__in=OPEN_STATUSES),
        to=LeadStatus.LOST,
        by=by,
        why=ERASURE_WHY,
        source="",
    )
    erased.add("customer_records_closed", moved.moved)
    erased.add(
        "customer_records",
        leads.update(
            name=ERASED,
            phone=Concat(Value("erased:"), Cast("pk", CharField())),
            email="",
            wechat="",
            company="",
            region="",
            notes="",
            timeline="",
            score_details=[],
            next_followup_at=None,
            updated_at=timezone.now(),
        ),
    )
    leads.exclude(closed_reason=ERASURE_WHY).exclude(closed_reason="").update(closed_reason=ERASED)
    erased.add(
        "capture_payloads",
        LeadSource.objects.filter(lead_id__in=records.lead_ids)
        .exclude(payload={})
        .update(payload={}),
    )
    erased.add(
        "assignment_reasons",
        rewrite(
            Assignment.objects.filter(lead_id__in=records.lead_ids),
            ["reason"],
            person,
            with_names=True,
        ),
    )


def erase_work(person: Person, records, erased: Erased) -> None:
    followups = FollowUp.objects.filter(pk__in=records.followup_ids)
    erased.add("followup_notes", wipe(followups, "notes", ""))
    calls = Call.objects.filter(pk__in=records.call_ids)
    forms = list(person.phone_forms)
    erased.add("call_numbers", calls.filter(caller__in=forms).update(caller=""))
    erased.add("call_numbers", calls.filter(callee__in=forms).update(callee=""))
    erased.add(
        "quality_comments",
        rewrite(
            QualityScore.objects.filter(
                Q(followup_id__in=records.followup_ids) | Q(call_id__in=records.call_ids)
            ),
            ["comment"],
            person,
            with_names=True,
        ),
    )


def erase_recordings(records, erased: Erased) -> None:
    """Recordings stored here are deleted; links to the phone system's are cleared (its
    own copy is deleted there: the outcome counts them as `recording_links`)."""
    from django.core.files.storage import default_storage

    calls = Call.objects.filter(pk__in=records.call_ids).exclude(recording_url="")
    media_url = settings.MEDIA_URL or "/media/"
    for url in calls.values_list("recording_url", flat=True):
        path = url.split(media_url, 1)[1] if media_url in url else ""
        if path and default_storage.exists(path):
            default_storage.delete(path)
            erased.add("recording_files", 1)
        else:
            erased.add("recording_links", 1)
    calls.update(recording_url="")


def erase_orders_and_service(person: Person, records, erased: Erased) -> None:
    orders = Order.objects.filter(pk__in=records.order_ids)
    erased.add(
        "order_contact_fields",
        orders.exclude(delivery_address="", notes="", tracking_number="").update(
            delivery_address="", notes="", tracking_number="", updated_at=timezone.now()
        ),
    )
    erased.add(
        "order_event_reasons",
        wipe(OrderEvent.objects.filter(order_id__in=records.order_ids), "reason"),
    )
    tickets = ServiceTicket.objects.filter(pk__in=records.ticket_ids)
    erased.add("tickets", tickets.update(subject=ERASED, description=""))
    wipe(tickets, "resolution")
    erased.add(
        "ticket_event_notes",
        wipe(TicketEvent.objects.filter(ticket_id__in=records.ticket_ids), "note"),
    )
    revisits = Revisit.objects.filter(pk__in=records.revisit_ids)
    erased.add(
        "revisits",
        revisits.exclude(feedback="", follow_up_actions="").update(
            feedback="", follow_up_actions=""
        ),
    )
    erased.add(
        "improvement_items",
        rewrite(
            ImprovementItem.objects.filter(
                Q(lead_id__in=records.lead_ids) | Q(revisit_id__in=records.revisit_ids)
            ),
            ["title", "description", "notes"],
            person,
            with_names=True,
        ),
    )
    cases = Case.objects.filter(Q(lead_id__in=records.lead_ids) | Q(order_id__in=records.order_ids))
    case_ids = list(cases.values_list("pk", flat=True))
    erased.add(
        "library_cases",
        rewrite(
            Case.objects.filter(pk__in=case_ids),
            ["title", "body", "lessons"],
            person,
            with_names=True,
        ),
    )
    # The case stays in the library for its lessons, no longer pointing at the customer.
    Case.objects.filter(pk__in=case_ids).update(lead=None, order=None)
    erased.add(
        "library_comments",
        rewrite(
            CaseComment.objects.filter(case_id__in=case_ids), ["body"], person, with_names=True
        ),
    )


def erase_customers(person: Person, records, erased: Erased) -> None:
    """Customers made of the person's leads alone lose their name, company and notes; the
    person's numbers and emails leave every customer's contacts; merge records forget the
    values they kept."""
    erased.add(
        "customers",
        Customer.objects.filter(pk__in=records.customer_ids).update(
            name=ERASED, company="", notes="", updated_at=timezone.now()
        ),
    )
    deleted, _by_model = Contact.objects.filter(pk__in=records.contact_ids).delete()
    erased.add("customer_contacts", deleted)
    erased.add(
        "customer_merges",
        rewrite(
            Merge.objects.filter(
                Q(winner_id__in=records.customer_ids) | Q(loser_id__in=records.customer_ids)
            ),
            ["fields"],
            person,
            with_names=True,
            json_fields=("fields",),
        ),
    )
