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

Held back, with the reasons on the request, while an order is not finished or a ticket
(a complaint: a dispute) is not closed (`selectors.erasure_blockers`).

Not reached from here: database backups (`bin/backup` dumps keep the person until they
are rotated out), copies outside the product (the phone system's own recordings, files
downloaded earlier), and free texts of staff records (coaching notes, evaluations) that
name a customer without their number or email. Import files are read in full, every one
of them, once per erasure: rare, and the only way to find rows no report row points to.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import CharField, Model, Q, Value
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.models import ImprovementItem, Revisit, ServiceTicket, TicketEvent
from crm.models import Notification
from leads.models import (
    OPEN_STATUSES,
    Assignment,
    Call,
    FollowUp,
    ImportJob,
    ImportRow,
    Lead,
    LeadEvent,
    LeadSource,
    LeadStatus,
)
from leads.services.moves import lead_move_many
from orders.models import Order, OrderEvent
from performance.models import QualityScore
from risk.audit import acting_as, record_bulk
from risk.models import AuditEntry, DoNotCall, ExportRecord, PhoneReveal, RiskEvent, phone_hash
from risk.services import do_not_call_keep_hashed
from training.models import Case, CaseComment

from .. import selectors
from ..models import RequestEvent, RequestKind, RequestStatus, SubjectRequest
from ..person import ERASED, Person

#: Why the person's open customer records were closed (stored: the books' language).
ERASURE_WHY = "personal data erased on the person's request"
#: Fields whose values an audit entry of the person's own records loses entirely.
PERSONAL_FIELDS = frozenset(
    {
        "name",
        "phone",
        "email",
        "wechat",
        "company",
        "region",
        "notes",
        "closed_reason",
        "delivery_address",
        "tracking_number",
        "subject",
        "description",
        "resolution",
        "feedback",
        "follow_up_actions",
        "reason",
        "subject_name",
        "subject_phone",
        "subject_email",
        "details",
        "outcome",
    }
)
BATCH = 500


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


@dataclass
class Erased:
    """What an erasure did, counted by kind (kept as the request's `outcome_data`)."""

    counts: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, n: int) -> None:
        if n:
            self.counts[kind] = self.counts.get(kind, 0) + n


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
    _import_files(person, erased)
    _recordings(records, erased)
    _leads(person, records, by, erased)
    _work(person, records, erased)
    _orders_and_service(person, records, erased)
    _elsewhere(person, records, erased)
    _do_not_call(request, person, records, by, erased)
    request_ids = _requests(request, person, erased)
    _audit_trail(person, records, request_ids, erased)
    _notifications(person, records, erased)
    return erased


# --- helpers ----------------------------------------------------------------------------------


def _needles(person: Person) -> list[str]:
    """Texts any written form of the person's numbers or emails contains (pre-filter)."""
    return sorted(person.last_fours | person.emails)


def _containing(fields: Iterable[str], needles: Iterable[str]) -> Q:
    condition = Q(pk__in=[])
    for name in fields:
        for needle in needles:
            condition |= Q(**{f"{name}__icontains": needle})
    return condition


def _rewrite(
    queryset, fields: Iterable[str], person: Person, *, with_names: bool, json_fields=()
) -> int:
    """Rewrite `fields` of the rows of `queryset` that mention the person; how many rows."""
    fields = list(fields)
    changed: list[Model] = []
    for row in queryset.only("pk", *fields).iterator(chunk_size=BATCH):
        dirty = False
        for name in fields:
            value = getattr(row, name)
            if name in json_fields:
                new = person.scrub_json(value, with_names=with_names)
            else:
                new = person.scrub(value or "", with_names=with_names) if value else value
            if new != value:
                setattr(row, name, new)
                dirty = True
        if dirty:
            changed.append(row)
    if changed:
        queryset.model.objects.bulk_update(changed, fields, batch_size=BATCH)
    return len(changed)


def _wipe(queryset, name: str, value: str = ERASED) -> int:
    return queryset.exclude(**{name: ""}).update(**{name: value})


# --- the person's own records -----------------------------------------------------------------


def _leads(person: Person, records, by, erased: Erased) -> None:
    leads = Lead.objects.filter(pk__in=records.lead_ids)
    # Reasons typed about them go first, so the closing move's own reason is kept.
    erased.add(
        "status_reasons", _wipe(LeadEvent.objects.filter(lead_id__in=records.lead_ids), "why")
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
        _rewrite(
            Assignment.objects.filter(lead_id__in=records.lead_ids),
            ["reason"],
            person,
            with_names=True,
        ),
    )


def _work(person: Person, records, erased: Erased) -> None:
    followups = FollowUp.objects.filter(pk__in=records.followup_ids)
    erased.add("followup_notes", _wipe(followups, "notes", ""))
    calls = Call.objects.filter(pk__in=records.call_ids)
    forms = list(person.phone_forms)
    erased.add("call_numbers", calls.filter(caller__in=forms).update(caller=""))
    erased.add("call_numbers", calls.filter(callee__in=forms).update(callee=""))
    erased.add(
        "quality_comments",
        _rewrite(
            QualityScore.objects.filter(
                Q(followup_id__in=records.followup_ids) | Q(call_id__in=records.call_ids)
            ),
            ["comment"],
            person,
            with_names=True,
        ),
    )


def _recordings(records, erased: Erased) -> None:
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


def _orders_and_service(person: Person, records, erased: Erased) -> None:
    orders = Order.objects.filter(pk__in=records.order_ids)
    erased.add(
        "order_contact_fields",
        orders.exclude(delivery_address="", notes="", tracking_number="").update(
            delivery_address="", notes="", tracking_number="", updated_at=timezone.now()
        ),
    )
    erased.add(
        "order_event_reasons",
        _wipe(OrderEvent.objects.filter(order_id__in=records.order_ids), "reason"),
    )
    tickets = ServiceTicket.objects.filter(pk__in=records.ticket_ids)
    erased.add("tickets", tickets.update(subject=ERASED, description=""))
    _wipe(tickets, "resolution")
    erased.add(
        "ticket_event_notes",
        _wipe(TicketEvent.objects.filter(ticket_id__in=records.ticket_ids), "note"),
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
        _rewrite(
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
        _rewrite(
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
        _rewrite(
            CaseComment.objects.filter(case_id__in=case_ids), ["body"], person, with_names=True
        ),
    )


# --- texts elsewhere --------------------------------------------------------------------------


def _elsewhere(person: Person, records, erased: Erased) -> None:
    needles = _needles(person)
    erased.add(
        "import_rows",
        _rewrite(
            ImportRow.objects.filter(
                Q(lead_id__in=records.lead_ids) | _containing(["reason"], needles)
            ),
            ["reason"],
            person,
            with_names=False,
        ),
    )
    erased.add(
        "import_jobs",
        _rewrite(
            ImportJob.objects.filter(_containing(["error", "original_name"], needles)),
            ["error", "original_name"],
            person,
            with_names=False,
        ),
    )
    erased.add(
        "export_filters",
        _rewrite(
            ExportRecord.objects.filter(_containing(["query"], needles)),
            ["query"],
            person,
            with_names=False,
            json_fields=("query",),
        ),
    )
    masks = {_mask_of(phone) for phone in person.phones}
    erased.add(
        "risk_events",
        RiskEvent.objects.filter(Q(lead_id__in=records.lead_ids) | Q(phone_masked__in=masks))
        .exclude(phone_masked="")
        .update(phone_masked=""),
    )
    erased.add(
        "risk_events",
        _rewrite(
            RiskEvent.objects.filter(
                Q(lead_id__in=records.lead_ids) | _containing(["detail"], needles)
            ),
            ["detail"],
            person,
            with_names=True,
        ),
    )
    erased.add(
        "phone_reveals",
        PhoneReveal.objects.filter(
            Q(lead_id__in=records.lead_ids) | Q(phone_masked__in=masks)
        ).update(phone_masked=ERASED),
    )
    _rewrite(
        PhoneReveal.objects.filter(lead_id__in=records.lead_ids),
        ["reason"],
        person,
        with_names=True,
    )
    erased.add("admin_log", _admin_log(person, records))


def _mask_of(e164: str) -> str:
    from crm.phones import mask

    return mask(e164)


def _admin_log(person: Person, records) -> int:
    """Django admin's own log names records by their text (a lead by its name)."""
    condition = Q(pk__in=[])
    for model, ids in (
        (Lead, records.lead_ids),
        (Order, records.order_ids),
        (ServiceTicket, records.ticket_ids),
        (Revisit, records.revisit_ids),
        (DoNotCall, records.do_not_call_ids),
    ):
        if ids:
            condition |= Q(
                content_type=ContentType.objects.get_for_model(model),
                object_id__in=[str(pk) for pk in ids],
            )
    own = LogEntry.objects.filter(condition)
    n = own.update(object_repr=ERASED)
    _rewrite(own, ["change_message"], person, with_names=True)
    return n + _rewrite(
        LogEntry.objects.filter(_containing(["object_repr", "change_message"], _needles(person))),
        ["object_repr", "change_message"],
        person,
        with_names=False,
    )


def _do_not_call(request: SubjectRequest, person: Person, records, by, erased: Erased) -> None:
    """A number on the list (or whose person asks not to be called) stays, as its hash."""
    entries = DoNotCall.objects.filter(pk__in=records.do_not_call_ids)
    reasons = dict(entries.values_list("phone", "reason"))
    listed = set(reasons) & person.phones
    hashed = {
        phone for phone in person.phones if entries.filter(phone_hash=phone_hash(phone)).exists()
    }
    keep = listed | hashed | (set(person.phones) if request.do_not_call else set())
    for phone in sorted(keep):
        reason = person.scrub(reasons.get(phone) or _("Customer asked"), with_names=True)
        do_not_call_keep_hashed(phone_e164=phone, reason=reason, by=by)
        erased.add("do_not_call_hashed", 1)
    _rewrite(
        DoNotCall.objects.filter(pk__in=records.do_not_call_ids),
        ["reason"],
        person,
        with_names=True,
    )


def _requests(request: SubjectRequest, person: Person, erased: Erased) -> list[int]:
    """Every request about the person keeps only the last four digits and the hash."""
    condition = Q(pk=request.pk)
    if person.phones:
        condition |= Q(subject_phone__in=sorted(person.phones))
    for email in person.emails:
        condition |= Q(subject_email__iexact=email)
    if person.lead_ids:
        condition |= Q(leads__in=person.lead_ids)
    ids = sorted(set(SubjectRequest.objects.filter(condition).values_list("pk", flat=True)))
    number = request.subject_phone or min(person.phones, default="")
    SubjectRequest.objects.filter(pk__in=ids).update(
        subject_name="",
        subject_phone="",
        subject_email="",
        subject_hint=person.hint(),
        subject_phone_hash=phone_hash(number) if number else "",
    )
    requests = SubjectRequest.objects.filter(pk__in=ids)
    _rewrite(requests, ["details", "outcome", "held_back_reason"], person, with_names=True)
    _rewrite(RequestEvent.objects.filter(request_id__in=ids), ["note"], person, with_names=True)
    erased.add("requests", len(ids))
    return ids


def _audit_trail(person: Person, records, request_ids: list[int], erased: Erased) -> None:
    """The person's records' entries lose their personal fields and any mention of them;
    every other entry naming their number or email is rewritten."""
    labels = {**records.audit_labels(), "privacy.subjectrequest": request_ids}
    own = Q(pk__in=[])
    for label, ids in labels.items():
        if ids:
            own |= Q(model_label=label, object_id__in=[str(pk) for pk in ids])
    changed: list[AuditEntry] = []
    for entry in (
        AuditEntry.objects.filter(own)
        .only("pk", "model_label", "object_repr", "before", "after")
        .iterator(chunk_size=BATCH)
    ):
        entry.before = _without_personal(person.scrub_json(entry.before, with_names=True))
        entry.after = _without_personal(person.scrub_json(entry.after, with_names=True))
        entry.object_repr = person.scrub(entry.object_repr, with_names=True)
        if entry.model_label == "leads.lead" or entry.model_label.startswith("privacy."):
            entry.object_repr = ERASED
        changed.append(entry)
    AuditEntry.objects.bulk_update(changed, ["object_repr", "before", "after"], batch_size=BATCH)
    erased.add("audit_entries", len(changed))
    others = AuditEntry.objects.filter(
        _containing(["before", "after", "object_repr"], _needles(person))
    ).exclude(own)
    erased.add(
        "audit_entries",
        _rewrite(
            others,
            ["before", "after", "object_repr"],
            person,
            with_names=False,
            json_fields=("before", "after"),
        ),
    )


def _without_personal(values):
    if not isinstance(values, dict):
        return values
    return {
        key: (ERASED if key in PERSONAL_FIELDS and value not in ("", None) else value)
        for key, value in values.items()
    }


def _notifications(person: Person, records, erased: Erased) -> None:
    """Messages about the person's records (by their link) lose every mention of them;
    any other message naming their number or email is rewritten."""
    urls = [reverse("leads:detail", args=[pk]) for pk in records.lead_ids]
    urls += [reverse("orders:detail", args=[pk]) for pk in records.order_ids]
    urls += [reverse("aftersales:ticket_detail", args=[pk]) for pk in records.ticket_ids]
    urls += [reverse("aftersales:revisit_detail", args=[pk]) for pk in records.revisit_ids]
    own = Q(url__in=urls) if urls else Q(pk__in=[])
    erased.add(
        "notifications",
        _rewrite(Notification.objects.filter(own), ["text"], person, with_names=True),
    )
    erased.add(
        "notifications",
        _rewrite(
            Notification.objects.filter(_containing(["text", "url"], _needles(person))).exclude(
                own
            ),
            ["text", "url"],
            person,
            with_names=False,
        ),
    )


# --- import files -----------------------------------------------------------------------------


def _import_files(person: Person, erased: Erased) -> None:
    """Every stored import file loses the rows naming the person's number or email (a CSV
    is rewritten in its own encoding, a workbook sheet by sheet). The job's fingerprint
    (`sha256`) stays the original file's, so importing that file again is still known."""
    if not (person.phones or person.emails):
        return
    for job in ImportJob.objects.exclude(file="").only("pk", "file").iterator(chunk_size=BATCH):
        dropped = _drop_rows(job, person)
        erased.add("import_file_rows", dropped)


def _drop_rows(job: ImportJob, person: Person) -> int:
    storage = job.file.storage
    name = job.file.name
    if not storage.exists(name):
        return 0
    with storage.open(name, "rb") as handle:
        content = handle.read()
    if name.lower().endswith(".xlsx"):
        rewritten, dropped = _drop_xlsx_rows(content, person)
    else:
        rewritten, dropped = _drop_csv_rows(content, person)
    if dropped:
        storage.delete(name)
        saved = storage.save(name, ContentFile(rewritten))
        if saved != name:
            ImportJob.objects.filter(pk=job.pk).update(file=saved)
    return dropped


def _drop_csv_rows(content: bytes, person: Person) -> tuple[bytes, int]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        return content, 0
    if not person.mentions(text):
        return content, 0
    kept = io.StringIO(newline="")
    writer = csv.writer(kept)
    dropped = 0
    for row in csv.reader(io.StringIO(text, newline="")):
        if any(person.mentions(cell) for cell in row):
            dropped += 1
            continue
        writer.writerow(row)
    out_encoding = "utf-8-sig" if content.startswith(b"\xef\xbb\xbf") else encoding
    if encoding == "utf-8-sig" and not content.startswith(b"\xef\xbb\xbf"):
        out_encoding = "utf-8"
    return kept.getvalue().encode(out_encoding), dropped


def _drop_xlsx_rows(content: bytes, person: Person) -> tuple[bytes, int]:
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(content))
    dropped = 0
    for sheet in workbook.worksheets:
        doomed = [
            row[0].row
            for row in sheet.iter_rows()
            if row
            and any(cell.value is not None and person.mentions(str(cell.value)) for cell in row)
        ]
        for number in reversed(doomed):
            sheet.delete_rows(number)
        dropped += len(doomed)
    if not dropped:
        return content, 0
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue(), dropped
