"""What the calling floor keeps for a limited time (collected by `crm.retention`, run by
risk nightly, period set by admins under *Settings → Retention periods*).

- **Recording audio**: recordings of calls older than the period are deleted: a file in
  the center's storage is removed, a phone system's address is forgotten (both the
  `Recording` and the call's `recording_url`), and the recording is marked deleted, so a
  second run finds nothing. Set the phone system's own retention to match for audio it
  keeps itself.
"""

from __future__ import annotations

import datetime as dt

from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm.retention import RetentionKind, update_in_batches
from leads.models import Call

from .models import Recording
from .services.recordings import LOCAL_PREFIX


def recordings_due(cutoff: dt.datetime):
    return Recording.objects.filter(call__started_at__lt=cutoff, purged_at__isnull=True)


def recordings_delete(ids: list[int]) -> None:
    rows = list(Recording.objects.filter(pk__in=ids).values_list("pk", "call_id", "location"))
    for _pk, _call_id, location in rows:
        if location.startswith(LOCAL_PREFIX) and ".." not in location:
            default_storage.delete(location)
    Recording.objects.filter(pk__in=ids).update(location="", purged_at=timezone.now())
    Call.objects.filter(pk__in=[call_id for _pk, call_id, _loc in rows]).update(recording_url="")


def _purge_recordings(*, cutoff: dt.datetime, now: dt.datetime, dry_run: bool) -> int:
    return update_in_batches(
        recordings_due(cutoff), dry_run=dry_run, apply=recordings_delete, batch_size=200
    )


KINDS = [
    RetentionKind(
        "recording_audio",
        _("Recording audio"),
        180,
        _purge_recordings,
        _("Recordings of calls older than the period are deleted (files and addresses)."),
    ),
]
