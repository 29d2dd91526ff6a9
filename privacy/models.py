"""Requests from people (个人信息主体请求) and their history.

A `SubjectRequest` is one person's request to see (access, 查阅), correct (更正) or delete
(删除) what the center holds about them, found by phone (E.164), email or name. It is due
15 working days after it was received (`privacy.workdays`), reminded to admins as the day
comes, and every step is a `RequestEvent` (append-only) as well as an entry of the audit
trail. Once a person's data is erased the request keeps no name, number or email of theirs:
only the last four digits (`subject_hint`) and the salted hash of the number.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from crm import phones

User = settings.AUTH_USER_MODEL

#: Working days a center has to answer a request.
DUE_WORKING_DAYS = 15
#: Admins are reminded of requests due within this many working days (and overdue ones).
REMIND_WITHIN_WORKING_DAYS = 3


class RequestKind(models.TextChoices):
    ACCESS = "access", _("Access (a copy of their data)")
    CORRECTION = "correction", _("Correction")
    DELETION = "deletion", _("Deletion")


class RequestStatus(models.TextChoices):
    OPEN = "open", _("Open")
    COMPLETED = "completed", _("Completed")
    REFUSED = "refused", _("Refused")


CLOSED_STATUSES = (RequestStatus.COMPLETED, RequestStatus.REFUSED)


class SubjectRequest(models.Model):
    kind = models.CharField(_("kind"), max_length=20, choices=RequestKind.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    # Who the person is, as they gave it: what finds them.
    subject_name = models.CharField(_("name"), max_length=100, blank=True)
    subject_phone = models.CharField(
        _("phone"), max_length=20, blank=True, help_text=_("E.164, e.g. +8613800138000")
    )
    subject_email = models.EmailField(_("email"), blank=True)
    # Left once the person's data is erased: the last four digits, the number's hash.
    subject_hint = models.CharField(_("person"), max_length=20, blank=True)
    subject_phone_hash = models.CharField(max_length=64, blank=True, editable=False)
    leads = models.ManyToManyField(
        "leads.Lead", verbose_name=_("customer records"), blank=True, related_name="+"
    )
    do_not_call = models.BooleanField(
        _("the person asks not to be called again"),
        default=False,
        help_text=_("On erasure the number stays on the do-not-call list as a salted hash."),
    )
    details = models.TextField(_("what the person asked"), blank=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    due_on = models.DateField(_("due"))
    handled_by = models.ForeignKey(
        User,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    held_back_reason = models.TextField(_("erasure held back because"), blank=True)
    outcome = models.TextField(_("outcome"), blank=True)
    outcome_data = models.JSONField(_("what was done"), default=dict, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("request from a person")
        verbose_name_plural = _("requests from people")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(
                fields=["due_on"], condition=Q(status="open"), name="privacy_request_open_due"
            ),
            models.Index(fields=["subject_phone"], name="privacy_request_phone"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", closed_at__isnull=True)
                | (~Q(status="open") & Q(closed_at__isnull=False)),
                name="privacy_request_closed_at_iff_closed",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()}"

    @property
    def is_open(self) -> bool:
        return self.status == RequestStatus.OPEN

    @property
    def subject_label(self) -> str:
        """The person as lists show them: name and masked number, or what is left."""
        if self.subject_hint:
            return self.subject_hint
        parts = [self.subject_name, phones.mask(self.subject_phone) if self.subject_phone else ""]
        parts.append(self.subject_email if not any(parts) else "")
        return " · ".join(part for part in parts if part)

    def is_overdue(self, today=None) -> bool:
        return self.is_open and self.due_on < (today or timezone.localdate())


class RequestEvent(models.Model):
    """Append-only history of a request: received, exported, corrected, erased or held
    back, closed. Notes never hold the person's name, number or email."""

    class Kind(models.TextChoices):
        RECEIVED = "received", _("Received")
        EXPORTED = "exported", _("Data file downloaded")
        CORRECTED = "corrected", _("Data corrected")
        HELD_BACK = "held_back", _("Erasure held back")
        ERASED = "erased", _("Data erased")
        CLOSED = "closed", _("Closed")

    request = models.ForeignKey(SubjectRequest, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(default=dict, blank=True)
    by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("request event")
        verbose_name_plural = _("request events")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["request", "-at"], name="privacy_event_recent")]

    def __str__(self) -> str:
        return f"{self.request_id} {self.kind}"
