"""How leads are scored, routed and called: the rules admins set."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .leads import Channel, Grade, Lead

User = settings.AUTH_USER_MODEL


class ScoringRule(models.Model):
    """Points a lead earns; the sum gives its score and, by the thresholds, its grade."""

    class Kind(models.TextChoices):
        CHANNEL = "channel", _("Channel is")
        REGION = "region", _("Region contains")
        PRODUCT = "product", _("Product is")
        INTENT = "intent", _("Intent is")
        BUDGET_AT_LEAST = "budget_at_least", _("Budget at least")
        HAS_FIELD = "has_field", _("Field is filled in")

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    value = models.CharField(
        _("value"),
        max_length=100,
        help_text=_("What to match, e.g. web_form, 上海, high, 10000, company"),
    )
    points = models.SmallIntegerField(
        _("points"), validators=[MinValueValidator(-100), MaxValueValidator(100)]
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("scoring rule")
        verbose_name_plural = _("scoring rules")
        ordering = ["kind", "value"]

    def __str__(self) -> str:
        return f"{self.name} ({self.points:+d})"


class LeadPolicy(models.Model):
    """Center-wide lead rules (one row), editable by admins; teams may override reclaim."""

    default_team = models.ForeignKey(
        "crm.Team",
        verbose_name=_("default team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    grade_a_from = models.SmallIntegerField(_("grade A from score"), default=70)
    grade_b_from = models.SmallIntegerField(_("grade B from score"), default=45)
    grade_c_from = models.SmallIntegerField(_("grade C from score"), default=20)
    reclaim_after_days = models.PositiveSmallIntegerField(
        _("reclaim after days without follow-up"), default=7
    )
    pool_open_lead_cap = models.PositiveSmallIntegerField(
        _("open leads an agent may hold to claim"), default=200
    )
    pool_daily_claim_limit = models.PositiveSmallIntegerField(
        _("claims per agent per day"), default=20
    )
    claim_back_cooloff_days = models.PositiveSmallIntegerField(
        _("days before a released or lost lead may be claimed back"), default=7
    )
    on_leave_handover = models.CharField(
        _("when an agent goes on leave or leaves"),
        max_length=10,
        choices=[("reassign", _("Reassign by the rules")), ("pool", _("Return to the pool"))],
        default="reassign",
    )
    import_max_rows = models.PositiveIntegerField(_("maximum rows per import"), default=200_000)
    import_max_megabytes = models.PositiveSmallIntegerField(
        _("maximum import file size (MB)"), default=50
    )
    # Attempt caps (risk controls): phone attempts on one lead, counted in the center's
    # time zone (a day from midnight, a week from Monday). Empty: no cap.
    max_attempts_per_day = models.PositiveSmallIntegerField(
        _("phone attempts per lead per day"), null=True, blank=True
    )
    max_attempts_per_week = models.PositiveSmallIntegerField(
        _("phone attempts per lead per week"), null=True, blank=True
    )

    #: What administrators set (the settings page and the API edit the same fields).
    SETTINGS_FIELDS = (
        "default_team",
        "grade_a_from",
        "grade_b_from",
        "grade_c_from",
        "reclaim_after_days",
        "pool_open_lead_cap",
        "pool_daily_claim_limit",
        "claim_back_cooloff_days",
        "on_leave_handover",
        "import_max_rows",
        "import_max_megabytes",
        "max_attempts_per_day",
        "max_attempts_per_week",
    )

    class Meta:
        verbose_name = _("lead policy")
        verbose_name_plural = _("lead policy")

    def __str__(self) -> str:
        return str(_("Lead policy"))

    @classmethod
    def current(cls) -> LeadPolicy:
        policy, _created = cls.objects.get_or_create(pk=1)
        return policy

    @classmethod
    def cached(cls) -> LeadPolicy:
        """The policy for reading only, kept a few seconds per process (crm.config)."""
        from crm.config import cached

        return cached("leads.policy", cls.current)

    def grade_for(self, score: int) -> str:
        if score >= self.grade_a_from:
            return Grade.A
        if score >= self.grade_b_from:
            return Grade.B
        if score >= self.grade_c_from:
            return Grade.C
        return Grade.D


class CallingWindow(models.Model):
    """When customers may be called (calling hours): weekdays and a local time range.

    A lead is governed by the windows whose `region` its region contains; a lead no such
    window matches, by the default windows (blank region). With no window at all, calls
    are not limited by the clock. Times are read in the window's own time zone, so a
    center in Shanghai calling customers in Urumqi can keep to their local hours.
    """

    name = models.CharField(_("name"), max_length=100)
    weekdays = models.CharField(
        _("weekdays"),
        max_length=7,
        default="12345",
        help_text=_("ISO weekday digits: 1 = Monday … 7 = Sunday, e.g. 12345"),
    )
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"))
    region = models.CharField(
        _("region contains"),
        max_length=100,
        blank=True,
        help_text=_("Empty: the default windows, for leads no regional window matches."),
    )
    timezone = models.CharField(_("time zone"), max_length=50, default="Asia/Shanghai")
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("calling window")
        verbose_name_plural = _("calling windows")
        ordering = ["region", "start"]
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="calling_window_order"),
            models.CheckConstraint(
                condition=Q(weekdays__regex=r"^[1-7]{1,7}$"), name="calling_window_weekdays"
            ),
        ]

    def __str__(self) -> str:
        where = self.region or str(_("default"))
        return f"{self.name} ({where} {self.start:%H:%M}–{self.end:%H:%M})"

    def clean(self) -> None:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        from django.core.exceptions import ValidationError

        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValidationError({"timezone": _("Unknown time zone.")}) from error


class TeamLeadSettings(models.Model):
    """How a team hands out its leads."""

    class Strategy(models.TextChoices):
        ROUND_ROBIN = "round_robin", _("Round-robin")
        LEAST_LOADED = "least_loaded", _("Least loaded")

    team = models.OneToOneField("crm.Team", on_delete=models.CASCADE, related_name="lead_settings")
    strategy = models.CharField(
        _("strategy"), max_length=20, choices=Strategy.choices, default=Strategy.LEAST_LOADED
    )
    reclaim_after_days = models.PositiveSmallIntegerField(
        _("reclaim after days (empty: center default)"), null=True, blank=True
    )
    last_assigned_to = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("team lead settings")
        verbose_name_plural = _("team lead settings")

    def __str__(self) -> str:
        return str(self.team)


class RoutingRule(models.Model):
    """Ordered rules sending a lead to a team; empty criteria match anything."""

    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveSmallIntegerField(pgettext_lazy("sort order", "order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)
    region = models.CharField(_("region contains"), max_length=100, blank=True)
    product = models.CharField(_("product is"), max_length=100, blank=True)
    channel = models.CharField(_("channel is"), max_length=20, choices=Channel.choices, blank=True)
    grades = models.CharField(
        _("grades"), max_length=4, blank=True, help_text=_("e.g. AB; empty: any grade")
    )
    team = models.ForeignKey(
        "crm.Team", verbose_name=_("team"), on_delete=models.CASCADE, related_name="routing_rules"
    )
    match_agent_skills = models.BooleanField(_("prefer agents with a matching skill"), default=True)

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.name


class Assignment(models.Model):
    """Append-only: every change of a lead's owner or pool, with who, why and by what rule."""

    class Kind(models.TextChoices):
        AUTO = "auto", _("Assigned by the rules")
        MANUAL = "manual", _("Reassigned by a manager")
        CLAIM = "claim", _("Claimed from the pool")
        RELEASE = "release", _("Released to the pool")
        RECLAIM = "reclaim", _("Reclaimed for no follow-up")
        HANDOVER = "handover", _("Handed over (leave or departure)")
        RETURN = "return", _("Returned to the pool by a rule")

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="assignments")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # Indexed by `assignment_from_user` and `assignment_to_user_cover`, which start with them:
    # no single-column index besides (one less to write per assignment).
    from_user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    to_user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    team = models.ForeignKey(
        "crm.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rule = models.ForeignKey(
        RoutingRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(_("why"), blank=True)
    by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["-at", "-id"]
        indexes = [
            # Covering (PostgreSQL): a team's assignments of a period read from the index
            # alone (dashboards' funnel, contacted-within-24 h).
            models.Index(
                fields=["to_user", "at"], include=["lead"], name="assignment_to_user_cover"
            ),
            models.Index(fields=["from_user", "lead", "at"], name="assignment_from_user"),
            # Today's assignments per agent for a whole center (the team page, capacity):
            # index-only over the day's rows, not a probe per agent.
            models.Index(fields=["at"], include=["to_user", "kind"], name="assignment_day"),
        ]

    def __str__(self) -> str:
        return f"{self.lead_id} {self.kind} → {self.to_user_id}"
