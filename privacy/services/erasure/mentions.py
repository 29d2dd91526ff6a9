"""Erasure of the person wherever else they are mentioned: import report rows, the export
log, refused contacts and reveals, Django admin's log, the do-not-call list (kept as a
hash), every request about them, the audit trail and notifications."""

from __future__ import annotations

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from aftersales.models import Revisit, ServiceTicket
from crm.models import Notification
from leads.models import (
    ImportJob,
    ImportRow,
    Lead,
)
from orders.models import Order
from risk.models import AuditEntry, DoNotCall, ExportRecord, PhoneReveal, RiskEvent, phone_hash
from risk.services import do_not_call_keep_hashed

from ...models import RequestEvent, SubjectRequest
from ...person import ERASED, Person
from .common import BATCH, PERSONAL_FIELDS, Erased, containing, needles_of, rewrite


def erase_elsewhere(person: Person, records, erased: Erased) -> None:
    needles = needles_of(person)
    erased.add(
        "import_rows",
        rewrite(
            ImportRow.objects.filter(
                Q(lead_id__in=records.lead_ids) | containing(["reason"], needles)
            ),
            ["reason"],
            person,
            with_names=False,
        ),
    )
    erased.add(
        "import_jobs",
        rewrite(
            ImportJob.objects.filter(containing(["error", "original_name"], needles)),
            ["error", "original_name"],
            person,
            with_names=False,
        ),
    )
    erased.add(
        "export_filters",
        rewrite(
            ExportRecord.objects.filter(containing(["query"], needles)),
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
        rewrite(
            RiskEvent.objects.filter(
                Q(lead_id__in=records.lead_ids) | containing(["detail"], needles)
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
    rewrite(
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
    rewrite(own, ["change_message"], person, with_names=True)
    return n + rewrite(
        LogEntry.objects.filter(containing(["object_repr", "change_message"], needles_of(person))),
        ["object_repr", "change_message"],
        person,
        with_names=False,
    )


def keep_do_not_call_hashed(
    request: SubjectRequest, person: Person, records, by, erased: Erased
) -> None:
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
    rewrite(
        DoNotCall.objects.filter(pk__in=records.do_not_call_ids),
        ["reason"],
        person,
        with_names=True,
    )


def erase_requests(request: SubjectRequest, person: Person, erased: Erased) -> list[int]:
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
    rewrite(requests, ["details", "outcome", "held_back_reason"], person, with_names=True)
    rewrite(RequestEvent.objects.filter(request_id__in=ids), ["note"], person, with_names=True)
    erased.add("requests", len(ids))
    return ids


def erase_audit_trail(person: Person, records, request_ids: list[int], erased: Erased) -> None:
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
        if entry.model_label in PERSONAL_RECORDS or entry.model_label.startswith("privacy."):
            entry.object_repr = ERASED
        if entry.model_label == "customers.contact":
            entry.before = _without_value(entry.before)
            entry.after = _without_value(entry.after)
        changed.append(entry)
    AuditEntry.objects.bulk_update(changed, ["object_repr", "before", "after"], batch_size=BATCH)
    erased.add("audit_entries", len(changed))
    others = AuditEntry.objects.filter(
        containing(["before", "after", "object_repr"], needles_of(person))
    ).exclude(own)
    erased.add(
        "audit_entries",
        rewrite(
            others,
            ["before", "after", "object_repr"],
            person,
            with_names=False,
            json_fields=("before", "after"),
        ),
    )


#: Record types whose audit entries are named by personal data (a name, a contact).
PERSONAL_RECORDS = ("leads.lead", "customers.customer", "customers.contact")


def _without_value(values):
    """A contact's entry keeps its kind, not the number, email or WeChat id."""
    if not isinstance(values, dict):
        return values
    return {key: value for key, value in values.items() if key != "value"}


def _without_personal(values):
    if not isinstance(values, dict):
        return values
    return {
        key: (ERASED if key in PERSONAL_FIELDS and value not in ("", None) else value)
        for key, value in values.items()
    }


def erase_notifications(person: Person, records, erased: Erased) -> None:
    """Messages about the person's records (by their link) lose every mention of them;
    any other message naming their number or email is rewritten."""
    urls = [reverse("leads:detail", args=[pk]) for pk in records.lead_ids]
    urls += [reverse("orders:detail", args=[pk]) for pk in records.order_ids]
    urls += [reverse("aftersales:ticket_detail", args=[pk]) for pk in records.ticket_ids]
    urls += [reverse("aftersales:revisit_detail", args=[pk]) for pk in records.revisit_ids]
    own = Q(url__in=urls) if urls else Q(pk__in=[])
    erased.add(
        "notifications",
        rewrite(Notification.objects.filter(own), ["text"], person, with_names=True),
    )
    erased.add(
        "notifications",
        rewrite(
            Notification.objects.filter(containing(["text", "url"], needles_of(person))).exclude(
                own
            ),
            ["text", "url"],
            person,
            with_names=False,
        ),
    )
