"""Agent states: what each agent is doing now, kept as an append-only log of changes.

Every change is a `StateChange` row (who, state, pause code, from, to, why). The row of the
current state has `ended_at` empty; the next change fills it once, and that is the only
update a row ever gets. Time spent in each state is a query over these rows, never a
counter kept by hand.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AgentState(models.TextChoices):
    READY = "ready", _("Ready")
    ON_CALL = "on_call", _("On a call")
    WRAP_UP = "wrap_up", _("Wrap-up")
    PAUSED = "paused", _("Paused")
    OFFLINE = "offline", _("Offline")


class StateSource(models.TextChoices):
    """Why the state changed."""

    AGENT = "agent", _("Agent")
    PHONE = "phone", _("Phone event")
    TIMEOUT = "timeout", _("Timeout")
    SIGN_OUT = "sign_out", _("Sign-out")
    SUPERVISOR = "supervisor", _("Supervisor")


class PauseCode(models.Model):
    """A reason to pause (lunch, training, meeting, restroom…), admin-editable."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=60)
    max_minutes = models.PositiveIntegerField(
        _("maximum minutes"),
        null=True,
        blank=True,
        help_text=_(
            "A pause longer than this shows in red and alerts the manager; empty: no limit."
        ),
    )
    active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("pause code")
        verbose_name_plural = _("pause codes")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class StateChange(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="state_changes"
    )
    state = models.CharField(_("state"), max_length=10, choices=AgentState.choices)
    pause_code = models.ForeignKey(
        PauseCode,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("pause code"),
    )
    started_at = models.DateTimeField(_("from"), default=timezone.now)
    ended_at = models.DateTimeField(_("to"), null=True, blank=True)
    source = models.CharField(_("why"), max_length=12, choices=StateSource.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("state change")
        verbose_name_plural = _("state changes")
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["user", "started_at"], name="state_user_started"),
        ]
        constraints = [
            # One current state per agent.
            models.UniqueConstraint(
                fields=["user"], condition=Q(ended_at__isnull=True), name="state_one_open"
            ),
            models.CheckConstraint(
                condition=Q(state="paused") | Q(pause_code__isnull=True),
                name="state_code_only_when_paused",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.state} {self.started_at:%Y-%m-%d %H:%M}"
