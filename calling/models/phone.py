"""The phone system: its settings, the calls it carries, their events and recordings.

`PhoneSettings` is one row an administrator edits: which adapter (none: agents dial with
`tel:`; http: a cloud call center or PBX gateway with click-to-call and webhooks), how to
ask it to originate a call, and the secret its webhooks are signed with.

A `PhoneCall` is one call as the phone system sees it: created when an agent presses
"call" (the originate request) or by the first event of a call we did not originate. Its
events (`CallEvent`, one per kind) are idempotent by (source, the phone system's call id)
and fill the `leads.Call` row the rest of the CRM reads (duration from the events).
A `Recording` is where the call's audio is (the phone system's URL or a path in the
center's storage); every playback is a `RecordingPlayback`.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

User = settings.AUTH_USER_MODEL


class PhoneAdapter(models.TextChoices):
    NONE = "none", _("None (agents dial with tel: links)")
    HTTP = "http", _("HTTP click-to-call and webhooks")


# `calling.services.phone.phone_settings` keeps the row a few seconds (crm.config).
PHONE_SETTINGS_CACHE_KEY = "calling.phone_settings"


class PhoneSettings(models.Model):
    """The center's phone system (one row, pk 1)."""

    class Method(models.TextChoices):
        POST = "POST", "POST"
        GET = "GET", "GET"

    adapter = models.CharField(
        _("phone system"), max_length=10, choices=PhoneAdapter.choices, default=PhoneAdapter.NONE
    )
    source = models.SlugField(
        _("source name"),
        max_length=50,
        default="phone",
        help_text=_("Names this phone system's calls (with its call ids) in the call records."),
    )
    originate_url = models.CharField(
        _("originate URL"),
        max_length=500,
        blank=True,
        help_text=_(
            "Click-to-call address; {extension}, {number} and {call_id} are filled in, e.g. "
            "https://pbx.example.com/api/call?from={extension}&to={number}&ref={call_id}"
        ),
    )
    originate_method = models.CharField(
        _("HTTP method"), max_length=4, choices=Method.choices, default=Method.POST
    )
    auth_header_name = models.CharField(
        _("authentication header"), max_length=100, blank=True, help_text=_("e.g. Authorization")
    )
    auth_header_value = models.CharField(_("authentication value"), max_length=500, blank=True)
    webhook_secret = models.CharField(
        _("webhook secret"),
        max_length=200,
        blank=True,
        help_text=_(
            "Events must carry the header X-Signature: sha256= and the hexadecimal "
            "HMAC-SHA256 of the body with this secret."
        ),
    )
    timeout_seconds = models.PositiveSmallIntegerField(_("timeout (s)"), default=5)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("phone system")
        verbose_name_plural = _("phone system")

    def __str__(self) -> str:
        return str(self.get_adapter_display())

    @property
    def configured(self) -> bool:
        return self.adapter == PhoneAdapter.HTTP and bool(self.originate_url)


class PhoneCallStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    RINGING = "ringing", _("Ringing")
    ANSWERED = "answered", _("Answered")
    ENDED = "ended", _("Ended")
    FAILED = "failed", _("Failed")


class PhoneCall(models.Model):
    """One call the phone system carries, and what its events said."""

    reference = models.UUIDField(_("our call id"), default=uuid.uuid4, unique=True)
    source = models.CharField(_("source"), max_length=50)
    external_id = models.CharField(_("phone system call id"), max_length=100, blank=True)
    agent = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    lead = models.ForeignKey(
        "leads.Lead", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    call = models.OneToOneField(
        "leads.Call", null=True, blank=True, on_delete=models.SET_NULL, related_name="phone_call"
    )
    extension = models.CharField(_("extension"), max_length=20, blank=True)
    number = models.CharField(_("number"), max_length=32, blank=True)
    direction = models.CharField(_("direction"), max_length=10, default="outbound")
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=PhoneCallStatus.choices,
        default=PhoneCallStatus.REQUESTED,
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    ringing_at = models.DateTimeField(_("ringing at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    error = models.CharField(_("error"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("phone call")
        verbose_name_plural = _("phone calls")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~Q(external_id=""),
                name="phonecall_unique_external_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_id or self.reference} {self.status}"

    @property
    def talk_seconds(self) -> int:
        if self.answered_at and self.ended_at:
            return max(0, int((self.ended_at - self.answered_at).total_seconds()))
        return 0


class CallEventKind(models.TextChoices):
    RINGING = "ringing", _("Ringing")
    ANSWERED = "answered", _("Answered")
    HUNG_UP = "hangup", _("Hung up")


class CallEvent(models.Model):
    """One event the phone system posted; a kind is recorded once per call (retries and
    duplicates change nothing)."""

    phone_call = models.ForeignKey(PhoneCall, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("event"), max_length=10, choices=CallEventKind.choices)
    at = models.DateTimeField(_("at"))
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("call event")
        verbose_name_plural = _("call events")
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["phone_call", "kind"], name="callevent_once_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.phone_call_id} {self.kind} {self.at:%H:%M:%S}"


class Recording(models.Model):
    """Where a call's audio is: an http(s) address at the phone system (fetched through the
    adapter) or a path in the center's file storage."""

    call = models.OneToOneField("leads.Call", on_delete=models.CASCADE, related_name="recording")
    location = models.CharField(_("location"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    purged_at = models.DateTimeField(_("deleted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("recording")
        verbose_name_plural = _("recordings")
        indexes = [models.Index(fields=["created_at"], name="recording_created")]

    def __str__(self) -> str:
        return f"{self.call_id}: {self.location or '—'}"

    @property
    def is_remote(self) -> bool:
        return self.location.startswith(("http://", "https://"))


class RecordingPlayback(models.Model):
    """Someone listened to a recording (one row per playback, not per byte range)."""

    call = models.ForeignKey("leads.Call", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("at"), default=timezone.now)
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)

    class Meta:
        verbose_name = _("recording playback")
        verbose_name_plural = _("recording playbacks")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["call", "at"], name="playback_call_at")]

    def __str__(self) -> str:
        return f"{self.call_id} {self.user_id} {self.at:%Y-%m-%d %H:%M}"
