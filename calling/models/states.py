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
from django.utils.translation import pgettext_lazy


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
        return self.label

    @property
    def label(self) -> str:
        """The name to show: translated while it is the built-in one, else as named."""
        builtin = BUILTIN_PAUSE_NAMES.get(self.code)
        if builtin is not None and self.name == builtin[0]:
            return str(builtin[1])
        return self.name


# code: (the name the data migration writes, the same name translated)
BUILTIN_PAUSE_NAMES = {
    "lunch": ("Lunch", pgettext_lazy("pause", "Lunch")),
    "training": ("Training", pgettext_lazy("pause", "Training")),
    "meeting": ("Meeting", pgettext_lazy("pause", "Meeting")),
    "restroom": ("Restroom", pgettext_lazy("pause", "Restroom")),
    "break": ("Break", pgettext_lazy("pause", "Break")),
}


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
            # Rows overlapping a day: those still open or ended after its start.
            models.Index(fields=["user", "ended_at"], name="state_user_ended"),
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


class FloorPolicy(models.Model):
    """The floor's timing rules (one row), editable by administrators."""

    wrap_up_seconds = models.PositiveIntegerField(
        _("wrap-up seconds"),
        default=30,
        help_text=_("Wrap-up ends by itself after this long (the agent is ready again)."),
    )
    idle_timeout_minutes = models.PositiveIntegerField(
        _("idle timeout (minutes)"),
        default=30,
        help_text=_("An agent with no activity this long goes offline; 0: never."),
    )
    idle_alert_minutes = models.PositiveIntegerField(
        _("idle alert (minutes)"),
        default=60,
        help_text=_("The wallboard flags a ready agent with no call for this long."),
    )

    class Meta:
        verbose_name = _("floor policy")
        verbose_name_plural = _("floor policy")
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="floorpolicy_singleton"),
            models.CheckConstraint(
                condition=Q(idle_alert_minutes__gte=1), name="floorpolicy_alert_positive"
            ),
        ]

    def __str__(self) -> str:
        return str(_("Floor policy"))

    def save(self, *args, **kwargs) -> None:
        self.pk = 1
        super().save(*args, **kwargs)

    @classmethod
    def current(cls) -> FloorPolicy:
        policy, _created = cls.objects.get_or_create(pk=1)
        return policy

    @classmethod
    def cached(cls) -> FloorPolicy:
        """The policy for reading only, kept a few seconds per process (crm.config)."""
        from crm.config import cached

        return cached(POLICY_CACHE_KEY, cls.current)


POLICY_CACHE_KEY = "calling.floor_policy"


class FloorPresence(models.Model):
    """When the agent was last active in the CRM (the idle timeout reads it).

    One row per user, moved forward at most once a minute by the header control's heartbeat
    (a key or click in the page), never by polling."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    seen_at = models.DateTimeField(_("last active"), default=timezone.now)

    class Meta:
        verbose_name = _("floor presence")
        verbose_name_plural = _("floor presence")

    def __str__(self) -> str:
        return f"{self.user_id} {self.seen_at:%Y-%m-%d %H:%M}"
