"""The work on a lead: follow-ups, calls and the rules of dispositions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .leads import Lead, LeadStatus

User = settings.AUTH_USER_MODEL


class FollowUpChannel(models.TextChoices):
    PHONE = "phone", _("Phone")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    WECHAT = "wechat", _("WeChat")
    VISIT = "visit", _("Visit")


class Disposition(models.TextChoices):
    REACHED = "reached", _("Reached")
    NO_ANSWER = "no_answer", _("No answer")
    BUSY = "busy", _("Busy")
    WRONG_NUMBER = "wrong_number", _("Wrong number")
    CALL_BACK = "call_back", _("Call back later")
    NOT_INTERESTED = "not_interested", _("Not interested")
    INTERESTED = "interested", _("Interested")
    WON = "won", _("Won")
    LOST = "lost", _("Lost")
    DO_NOT_CALL = "do_not_call", _("Asked not to be called")


class DispositionRule(models.Model):
    """What happens after a follow-up with this disposition (admin-editable)."""

    disposition = models.CharField(
        _("disposition"), max_length=20, choices=Disposition.choices, unique=True
    )
    set_status = models.CharField(
        _("lead status becomes"),
        max_length=12,
        choices=LeadStatus.choices,
        blank=True,
        help_text=_("Empty (“---------”): leave the lead's status unchanged."),
    )
    retry_after_minutes = models.PositiveIntegerField(
        _("schedule a retry after (minutes)"),
        null=True,
        blank=True,
        help_text=_("Empty: no retry is scheduled; only a time the agent enters."),
    )
    return_to_pool_after = models.PositiveSmallIntegerField(
        _("return to the pool after this many in a row"),
        null=True,
        blank=True,
        help_text=_("Empty: the lead never goes back to the pool for this outcome."),
    )
    cooloff_days = models.PositiveSmallIntegerField(
        _("cool-off before it may be worked again (days)"),
        null=True,
        blank=True,
        help_text=_("Empty: no cool-off; the lead may be worked again at once."),
    )
    requires_next_followup = models.BooleanField(
        _("next follow-up time required"),
        default=False,
        help_text=_("The agent must set when to follow up next with this outcome."),
    )

    class Meta:
        verbose_name = _("disposition rule")
        verbose_name_plural = _("disposition rules")
        ordering = ["disposition"]

    def __str__(self) -> str:
        return self.get_disposition_display()


class FollowUp(models.Model):
    """One touch of a lead (跟进记录). Append-only."""

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="followups")
    agent = models.ForeignKey(User, on_delete=models.PROTECT, related_name="followups")
    channel = models.CharField(
        _("channel"), max_length=10, choices=FollowUpChannel.choices, default=FollowUpChannel.PHONE
    )
    disposition = models.CharField(_("disposition"), max_length=20, choices=Disposition.choices)
    notes = models.TextField(_("notes"), blank=True)
    product = models.CharField(_("product"), max_length=100, blank=True)
    budget = models.DecimalField(
        _("budget"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    timeline = models.CharField(_("timeline"), max_length=100, blank=True)
    next_followup_at = models.DateTimeField(_("next follow-up"), null=True, blank=True)
    call = models.OneToOneField(
        "Call", null=True, blank=True, on_delete=models.SET_NULL, related_name="followup"
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["lead", "created_at"], name="followup_lead_at"),
            # Covering (PostgreSQL): an agent's follow-ups of a period, their leads and
            # outcomes, read from the index alone (funnel, scorecards).
            models.Index(
                fields=["agent", "created_at"],
                include=["lead", "disposition"],
                name="followup_agent_cover",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lead_id} {self.disposition} {self.created_at:%Y-%m-%d}"


class Call(models.Model):
    """A phone call, logged by the agent or posted by a phone system (CTI)."""

    class Direction(models.TextChoices):
        OUTBOUND = "outbound", _("Outbound")
        INBOUND = "inbound", _("Inbound")

    lead = models.ForeignKey(
        Lead, null=True, blank=True, on_delete=models.SET_NULL, related_name="calls"
    )
    agent = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="calls"
    )
    direction = models.CharField(
        _("direction"), max_length=10, choices=Direction.choices, default=Direction.OUTBOUND
    )
    caller = models.CharField(_("caller"), max_length=32, blank=True)
    callee = models.CharField(_("callee"), max_length=32, blank=True)
    extension = models.CharField(_("extension"), max_length=20, blank=True)
    started_at = models.DateTimeField(_("started at"))
    duration_seconds = models.PositiveIntegerField(_("duration (s)"), default=0)
    recording_url = models.URLField(_("recording"), max_length=500, blank=True)
    external_id = models.CharField(_("phone system call id"), max_length=100, blank=True)
    source = models.CharField(
        _("source"), max_length=50, blank=True, help_text=_("e.g. asterisk, freeswitch, manual")
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["lead", "started_at"], name="call_lead_at"),
            # Covering (PostgreSQL): an agent's calls of a period with lead and duration.
            models.Index(
                fields=["agent", "started_at"],
                include=["lead", "duration_seconds"],
                name="call_agent_cover",
            ),
            # Covering (PostgreSQL): everyone's newest calls, for a drill-down of many agents
            # (a division's or the center's calls read the newest until a page is full).
            models.Index(fields=["started_at", "id"], include=["agent"], name="call_started_cover"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~Q(external_id=""),
                name="call_unique_external_id",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.direction} {self.started_at:%Y-%m-%d %H:%M} {self.duration_seconds}s"
