"""The preview dialer: an agent's calling session, the lease on the lead they preview,
and the leads they skipped with a reason.

A lead previewed by one agent is held by a `DialerLease` (one row per lead, unique), so
two agents never preview the same lead. The lease expires by itself a few minutes after
the agent last touched it (`expires_at`): an agent whose browser closed holds nothing for
long. Taking a lead whose lease has expired is a takeover of that row, never a second one.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

User = settings.AUTH_USER_MODEL


class DialerSession(models.Model):
    """From "Start calling" to "Stop" (or sign-out): one open session per agent."""

    agent = models.ForeignKey(User, on_delete=models.CASCADE, related_name="dialer_sessions")
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("calling session")
        verbose_name_plural = _("calling sessions")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agent"], condition=Q(ended_at__isnull=True), name="dialer_one_open"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agent_id} {self.started_at:%Y-%m-%d %H:%M}"


class DialerLease(models.Model):
    """The lead an agent is previewing now, held until `expires_at`."""

    lead = models.OneToOneField("leads.Lead", on_delete=models.CASCADE, related_name="dialer_lease")
    agent = models.ForeignKey(User, on_delete=models.CASCADE, related_name="dialer_leases")
    taken_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = _("preview lease")
        verbose_name_plural = _("preview leases")
        indexes = [models.Index(fields=["agent", "expires_at"], name="dialer_lease_agent")]

    def __str__(self) -> str:
        return f"{self.lead_id} → {self.agent_id} until {self.expires_at:%H:%M:%S}"


class DialerSkip(models.Model):
    """A lead the agent passed over in a session, and why (it is not offered again in it)."""

    session = models.ForeignKey(DialerSession, on_delete=models.CASCADE, related_name="skips")
    lead = models.ForeignKey("leads.Lead", on_delete=models.CASCADE, related_name="+")
    agent = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=200)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("skipped lead")
        verbose_name_plural = _("skipped leads")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["session", "lead"], name="dialer_skip_session")]

    def __str__(self) -> str:
        return f"{self.lead_id}: {self.reason}"
