"""Erasure that leaves nothing (PIPL 删除权): `erase_person` anonymizes every personal field
the center holds about one person, wherever it is held, in one transaction.

What goes, table by table (set-based: one UPDATE per table for the person's rows; texts
that may mention them elsewhere are pre-filtered in the database and rewritten one row at
a time in Python):

- customer records (leads): name, number (`erased:<id>`, unique and no number), email,
  WeChat, company, region, notes, score details; open ones are closed as lost first;
  their capture payloads, status-change reasons, follow-up notes, assignment reasons.
- calls on their leads or from/to their numbers: the customer's number; recording links
  are cleared and recordings stored here (under MEDIA_URL) deleted; the call rows stay
  (an agent's work counts), and the request's outcome says how many recordings went.
- orders: delivery address, notes, tracking number and event reasons. Amounts, dates,
  lines and the sales ledger stay for the books.
- revisits (feedback, actions), tickets (subject, description, resolution, event notes),
  improvement items, quality-score comments and case-library cases that mention them.
- import report rows and import files: rows with their number or email are dropped from
  every stored import file (CSV or Excel), and report reasons rewritten.
- the export log's filters, risk events and phone reveals, the audit trail (the person's
  records' entries lose their personal fields; any entry naming the number or email is
  rewritten), notifications, Django admin log entries, and every request about them
  (which keep only `****1234` and the number's hash).
- the do-not-call list: a number on it (or when the person asked not to be called) stays
  as a salted hash only (`risk.services.do_not_call_keep_hashed`), so it is still refused.

The parts, in the order they run: `import_files` (rows dropped from stored imports),
`own_records` (the person's records), `mentions` (everywhere else they are named); the
row rewriting they share is in `common`.

Held back, with the reasons on the request, while an order is not finished or a ticket
(a complaint: a dispute) is not closed (`selectors.erasure_blockers`).

Not reached from here: database backups (`bin/backup` dumps keep the person until they
are rotated out), copies outside the product (the phone system's own recordings, files
downloaded earlier), and free texts of staff records (coaching notes, evaluations) that
name a customer without their number or email. Import files are read in full, every one
of them, once per erasure: rare, and the only way to find rows no report row points to.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from leads.models import Lead
from risk.audit import acting_as, record_bulk

from ... import selectors
from ...models import RequestEvent, RequestKind, RequestStatus, SubjectRequest
from ...person import Person
from .common import Erased
from .import_files import erase_import_files
from .mentions import (
    erase_audit_trail,
    erase_elsewhere,
    erase_notifications,
    erase_requests,
    keep_do_not_call_hashed,
)
from .own_records import (
    erase_customers,
    erase_leads,
    erase_orders_and_service,
    erase_recordings,
    erase_work,
)

__all__ = ["ERASED_LABELS", "ErasureHeldBack", "erase_person", "erased_in_words"]


#: What an erasure counts (`Erased.counts` keys), in words for the request's page.
ERASED_LABELS = {
    "customer_records": gettext_lazy("Customer records anonymized"),
    "customer_records_closed": gettext_lazy("Open customer records closed"),
    "status_reasons": gettext_lazy("Status-change reasons"),
    "capture_payloads": gettext_lazy("Capture payloads"),
    "assignment_reasons": gettext_lazy("Assignment reasons"),
    "followup_notes": gettext_lazy("Follow-up notes"),
    "call_numbers": gettext_lazy("Numbers on calls"),
    "recording_files": gettext_lazy("Recordings deleted"),
    "recording_links": gettext_lazy("Links to the phone system's recordings cleared"),
    "quality_comments": gettext_lazy("Quality-score comments"),
    "order_contact_fields": gettext_lazy("Orders' address and contact fields"),
    "order_event_reasons": gettext_lazy("Order history reasons"),
    "tickets": gettext_lazy("Service tickets"),
    "ticket_event_notes": gettext_lazy("Ticket history notes"),
    "revisits": gettext_lazy("Revisits"),
    "customers": gettext_lazy("Customers"),
    "customer_contacts": gettext_lazy("Contacts"),
    "customer_merges": gettext_lazy("Merges"),
    "improvement_items": gettext_lazy("Improvement items"),
    "library_cases": gettext_lazy("Case-library cases"),
    "library_comments": gettext_lazy("Case-library comments"),
    "import_file_rows": gettext_lazy("Rows dropped from import files"),
    "import_rows": gettext_lazy("Import report rows"),
    "import_jobs": gettext_lazy("Import jobs"),
    "export_filters": gettext_lazy("Export-log filters"),
    "risk_events": gettext_lazy("Refused contacts"),
    "phone_reveals": gettext_lazy("Phone reveals"),
    "admin_log": gettext_lazy("Admin log entries"),
    "do_not_call_hashed": gettext_lazy("Do-not-call numbers kept as a hash"),
    "requests": gettext_lazy("Requests about the person"),
    "audit_entries": gettext_lazy("Audit entries"),
    "notifications": gettext_lazy("Notifications"),
}


def erased_in_words(counts: dict[str, int]) -> list[tuple[str, int]]:
    """(label, count) of what an erasure did, in the order of `ERASED_LABELS`."""
    return [(str(label), counts[key]) for key, label in ERASED_LABELS.items() if counts.get(key)]


class ErasureHeldBack(ValidationError):
    """The erasure may not run yet; the messages say why (also kept on the request)."""


def erase_person(*, request: SubjectRequest, by) -> SubjectRequest:
    """Erase the person of a deletion `request` everywhere, then complete the request.

    Raises `ErasureHeldBack` (the reasons also saved on the request, as `held_back_reason`
    and an event) while an order, ticket or dispute of theirs is open; ValidationError if
    the request is closed or not a deletion. Runs as `by` for the audit trail."""
    with transaction.atomic():
        locked = SubjectRequest.objects.select_for_update().get(pk=request.pk)
        if not locked.is_open:
            raise ValidationError(_("This request is closed."))
        if locked.kind != RequestKind.DELETION:
            raise ValidationError(_("Only a deletion request erases the person's data."))
        person = selectors.person_of(locked)
        list(Lead.objects.select_for_update().filter(pk__in=person.lead_ids).values_list("pk"))
        blockers = selectors.erasure_blockers(person)
        if blockers:
            locked.held_back_reason = "\n".join(blockers)
            with acting_as(by):
                locked.save(update_fields=["held_back_reason", "updated_at"])
            RequestEvent.objects.create(
                request=locked,
                kind=RequestEvent.Kind.HELD_BACK,
                note=locked.held_back_reason,
                by=by,
            )
        else:
            with acting_as(by):
                erased = _erase(request=locked, person=person, by=by)
                return _complete(request=locked, erased=erased, by=by)
    raise ErasureHeldBack(blockers)


def _complete(*, request: SubjectRequest, erased: Erased, by) -> SubjectRequest:
    request.status = RequestStatus.COMPLETED
    request.closed_at = timezone.now()
    request.handled_by = by
    request.held_back_reason = ""
    request.outcome = _(
        "The person's data was erased: %(rows)d entries in %(kinds)d kinds of record."
    ) % {"rows": sum(erased.counts.values()), "kinds": len(erased.counts)}
    request.outcome_data = {"erased": erased.counts, "erased_at": request.closed_at.isoformat()}
    request.save(
        update_fields=[
            "status",
            "closed_at",
            "handled_by",
            "held_back_reason",
            "outcome",
            "outcome_data",
            "updated_at",
        ]
    )
    RequestEvent.objects.create(
        request=request, kind=RequestEvent.Kind.ERASED, data=erased.counts, by=by
    )
    RequestEvent.objects.create(
        request=request, kind=RequestEvent.Kind.CLOSED, data={"status": request.status}, by=by
    )
    record_bulk(
        model_label="privacy.subjectrequest",
        object_id=f"erasure:{request.pk}",
        summary=erased.counts,
        description=f"erasure #{request.pk}",
    )
    return request


def _erase(*, request: SubjectRequest, person: Person, by) -> Erased:
    erased = Erased()
    records = selectors.records_of(person)
    erase_import_files(person, erased)
    erase_recordings(records, erased)
    erase_leads(person, records, by, erased)
    erase_work(person, records, erased)
    erase_orders_and_service(person, records, erased)
    erase_customers(person, records, erased)
    erase_elsewhere(person, records, erased)
    keep_do_not_call_hashed(request, person, records, by, erased)
    request_ids = erase_requests(request, person, erased)
    erase_audit_trail(person, records, request_ids, erased)
    erase_notifications(person, records, erased)
    return erased
