"""What leads keeps for a limited time (collected by `crm.retention`, run by risk nightly).

- **Lost leads** are anonymized, never deleted: their status moves, assignments, audit
  entries and any order refer to them. Name, phone, email, WeChat, company and notes are
  emptied (the phone, unique, becomes `removed-<id>`, so the customer is a stranger when
  they call again), and so are what was received at each capture, the follow-ups' notes and
  the calls' numbers and recording links. A lead counts from the moment it was lost (its
  `LeadEvent`; the last change for leads lost before status events existed). A full erasure
  of a person on request is the privacy app's, not this.
- **Call recordings**: the audio stays on the phone system; the CRM drops its link to a
  recording older than the period (set the phone system's own retention to match).
- **Import files**: the uploaded file of a finished import is deleted from storage (the
  report and its rows stay: they hold no more than the leads do).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import CharField, Exists, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils.translation import gettext_lazy as _

from crm.retention import RetentionKind, update_in_batches

from .models import Call, FollowUp, ImportJob, Lead, LeadEvent, LeadSource, LeadStatus

#: An anonymized lead's phone: `removed-<id>` (unique, like the numbers it replaces).
ANONYMIZED_PHONE_PREFIX = "removed-"


def lost_leads_due(cutoff: dt.datetime):
    """Lost leads, lost before `cutoff`, not anonymized yet."""
    lost_events = LeadEvent.objects.filter(lead=OuterRef("pk"), to_status=LeadStatus.LOST)
    return (
        Lead.objects.filter(status=LeadStatus.LOST)
        .exclude(phone__startswith=ANONYMIZED_PHONE_PREFIX)
        .filter(
            Exists(lost_events.filter(at__lt=cutoff))
            | (~Exists(lost_events) & Q(updated_at__lt=cutoff))
        )
    )


def leads_anonymize(lead_ids: list[int]) -> None:
    """Empty the personal fields of these leads and of what hangs off them (set-based)."""
    Lead.objects.filter(pk__in=lead_ids).update(
        name="",
        phone=Concat(Value(ANONYMIZED_PHONE_PREFIX), Cast("pk", output_field=CharField())),
        email="",
        wechat="",
        company="",
        notes="",
    )
    LeadSource.objects.filter(lead_id__in=lead_ids).update(payload={})
    FollowUp.objects.filter(lead_id__in=lead_ids).exclude(notes="").update(notes="")
    Call.objects.filter(lead_id__in=lead_ids).update(caller="", callee="", recording_url="")


def _purge_lost_leads(*, cutoff: dt.datetime, now: dt.datetime, dry_run: bool) -> int:
    return update_in_batches(lost_leads_due(cutoff), dry_run=dry_run, apply=leads_anonymize)


def _purge_call_recordings(*, cutoff: dt.datetime, now: dt.datetime, dry_run: bool) -> int:
    calls = Call.objects.filter(started_at__lt=cutoff).exclude(recording_url="")
    return update_in_batches(calls, dry_run=dry_run, values={"recording_url": ""})


def _purge_import_files(*, cutoff: dt.datetime, now: dt.datetime, dry_run: bool) -> int:
    """Few rows (one per uploaded file), but each is a file to delete from storage."""
    jobs = ImportJob.objects.filter(
        created_at__lt=cutoff, status__in=[ImportJob.Status.DONE, ImportJob.Status.FAILED]
    ).exclude(file="")

    def delete_files(ids: list[int]) -> None:
        for job in ImportJob.objects.filter(pk__in=ids).only("pk", "file"):
            job.file.delete(save=False)
        ImportJob.objects.filter(pk__in=ids).update(file="")

    return update_in_batches(jobs, dry_run=dry_run, apply=delete_files, batch_size=200)


KINDS = [
    RetentionKind(
        "lost_leads",
        _("Lost leads"),
        730,
        _purge_lost_leads,
        _("Anonymized: name, phone, email, WeChat, company, notes, captures and call numbers."),
    ),
    RetentionKind(
        "call_recordings",
        _("Call recordings"),
        180,
        _purge_call_recordings,
        _("The link to the phone system's recording is removed."),
    ),
    RetentionKind(
        "import_files",
        _("Import files"),
        30,
        _purge_import_files,
        _("Uploaded files of finished imports (the import reports stay)."),
    ),
]
