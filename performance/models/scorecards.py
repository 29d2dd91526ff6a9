"""Indicators, weights, targets, scorecards and quality scores (the figures of a period)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ..labels import indicator_label

MONEY = {"max_digits": 14, "decimal_places": 2}
FIGURE = {"max_digits": 16, "decimal_places": 4}


class PeriodKind(models.TextChoices):
    WEEK = "week", _("Week")
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")


class Level(models.TextChoices):
    AGENT = "agent", _("Agent")
    TEAM = "team", _("Team")
    DEPARTMENT = "department", _("Department")


class Family(models.TextChoices):
    SALES = "sales", _("Sales")
    SATISFACTION = "satisfaction", _("Customer satisfaction")
    EFFICIENCY = "efficiency", _("Work efficiency")
    QUALITY = "quality", _("Service quality")


class Unit(models.TextChoices):
    MONEY = "money", _("Amount (¥)")
    COUNT = "count", _("Count")
    PERCENT = "percent", _("Percent")
    SCORE = "score", _("Score")
    MINUTES = "minutes", _("Minutes")


class Source(models.TextChoices):
    """The computations `performance.metrics` knows; one per built-in indicator."""

    SALES_AMOUNT = "sales_amount", _("Sales amount confirmed (net of reversals)")
    CASH_COLLECTED = "cash_collected", _("Cash collected (payments received, net of refunds)")
    ORDERS = "orders", _("Orders confirmed (net of cancellations and refunds)")
    CONVERSION = "conversion", _("Conversion: leads won / leads assigned")
    REVISIT_SCORE = "revisit_score", _("Average revisit satisfaction")
    COMPLAINTS = "complaints", _("Complaints")
    CALLS = "calls", _("Calls")
    TALK_TIME = "talk_time", _("Talk time (minutes)")
    FOLLOWUPS = "followups", _("Follow-ups done")
    ONTIME_FOLLOWUP = "ontime_followup", _("On-time follow-up rate")
    CONTACTED_24H = "contacted_24h", _("Leads contacted within 24 h")
    QUALITY_PROFESSIONALISM = "quality_professionalism", _("Quality: professionalism")
    QUALITY_COMMUNICATION = "quality_communication", _("Quality: communication")
    QUALITY_PROBLEM_SOLVING = "quality_problem_solving", _("Quality: problem solving")
    QUALITY_OVERALL = "quality_overall", _("Quality: overall score")
    OCCUPANCY = "occupancy", _("Occupancy: (talk + wrap-up) / (ready + talk + wrap-up)")
    PAUSE_MINUTES = "pause_minutes", _("Pause (minutes)")
    CALLS_PER_HOUR = "calls_per_hour", _("Calls per productive hour")
    HANDLE_TIME = "handle_time", _("Average handle time (minutes)")


class Indicator(models.Model):
    """A KPI definition (绩效指标). Admins rename, deactivate, reorder and weigh them."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    family = models.CharField(_("family"), max_length=20, choices=Family.choices)
    source = models.CharField(_("computed from"), max_length=40, choices=Source.choices)
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices)
    higher_is_better = models.BooleanField(_("higher is better"), default=True)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name to show (a built-in one translated, an admin's own as written)."""
        return indicator_label(code=self.code, name=self.name)


class KpiWeight(models.Model):
    """How much an indicator counts in the weighted total at one level (agent, team, …)."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="weights")
    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    weight = models.DecimalField(
        _("weight (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )

    class Meta:
        verbose_name = _("indicator weight")
        verbose_name_plural = _("indicator weights")
        ordering = ["level", "indicator__position"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "level"], name="kpiweight_one_per_level")
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.level}: {self.weight}"


def _unique_per_subject(name: str, *fields: str) -> list[models.UniqueConstraint]:
    """One row per subject and period, written per level so NULLs never make twins."""
    return [
        models.UniqueConstraint(
            fields=[*fields, subject, "period_kind", "period_start"],
            condition=Q(level=level),
            name=f"{name}_unique_{level}",
        )
        for level, subject in (
            (Level.AGENT, "agent"),
            (Level.TEAM, "team"),
            (Level.DEPARTMENT, "department"),
        )
    ]


def _one_subject() -> Q:
    agent = Q(level=Level.AGENT, agent__isnull=False, team__isnull=True, department__isnull=True)
    team = Q(level=Level.TEAM, agent__isnull=True, team__isnull=False, department__isnull=True)
    dept = Q(
        level=Level.DEPARTMENT, agent__isnull=True, team__isnull=True, department__isnull=False
    )
    return agent | team | dept


class SubjectPeriod(models.Model):
    """An agent, team or department over one period: what targets and scorecards are for."""

    level = models.CharField(_("level"), max_length=12, choices=Level.choices)
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("agent"),
    )
    team = models.ForeignKey(
        "crm.Team",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("team"),
    )
    department = models.ForeignKey(
        "crm.Department",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("department"),
    )
    period_kind = models.CharField(
        _("period"), max_length=10, choices=PeriodKind.choices, default=PeriodKind.MONTH
    )
    period_start = models.DateField(_("period start"))

    class Meta:
        abstract = True


class Target(SubjectPeriod):
    """A target for one indicator, subject and period."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="targets")
    value = models.DecimalField(_("target"), **FIGURE)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    set_at = models.DateTimeField(_("set at"), default=timezone.now)

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["-period_start", "indicator__position"]
        constraints = [
            models.CheckConstraint(condition=_one_subject(), name="target_one_subject"),
            *_unique_per_subject("target", "indicator"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.level} {self.period_start}: {self.value}"


class Scorecard(SubjectPeriod):
    """One subject's scorecard for one period: recomputed, never edited by hand."""

    total = models.DecimalField(_("weighted total"), max_digits=7, decimal_places=2, default=0)
    rank = models.PositiveIntegerField(
        pgettext_lazy("position in a ranking", "rank"), null=True, blank=True
    )
    rank_of = models.PositiveIntegerField(_("ranked among"), null=True, blank=True)
    computed_at = models.DateTimeField(_("computed at"), default=timezone.now)

    class Meta:
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        ordering = ["-period_start", "level", "-total"]
        constraints = [
            models.CheckConstraint(condition=_one_subject(), name="scorecard_one_subject"),
            *_unique_per_subject("scorecard"),
        ]
        indexes = [
            models.Index(fields=["period_kind", "period_start", "level"], name="scorecard_period")
        ]

    def __str__(self) -> str:
        return f"{self.level} {self.period_kind} {self.period_start}: {self.total}"


class ScorecardValue(models.Model):
    """One indicator on one scorecard: value, target, achievement and weighted points."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="values")
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="+")
    numerator = models.DecimalField(_("numerator"), **FIGURE, default=0)
    denominator = models.DecimalField(_("denominator"), **FIGURE, null=True, blank=True)
    value = models.DecimalField(_("value"), **FIGURE, null=True, blank=True)
    target = models.DecimalField(_("target"), **FIGURE, null=True, blank=True)
    achievement = models.DecimalField(
        _("achievement (%)"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    weight = models.DecimalField(_("weight (%)"), max_digits=5, decimal_places=2, default=0)
    points = models.DecimalField(_("points"), max_digits=7, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("scorecard value")
        verbose_name_plural = _("scorecard values")
        ordering = ["scorecard", "indicator__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["scorecard", "indicator"], name="scorecardvalue_one_per_indicator"
            )
        ]

    def __str__(self) -> str:
        return f"{self.scorecard_id} {self.indicator_id}: {self.value}"


class QualityScore(models.Model):
    """An inspector's or manager's rubric score of one follow-up or call (服务质量)."""

    RUBRIC = ("professionalism", "communication", "problem_solving")
    _range = [MinValueValidator(1), MaxValueValidator(5)]

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="quality_scores",
        verbose_name=_("agent"),
    )
    followup = models.ForeignKey(
        "leads.FollowUp",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="quality_scores",
        verbose_name=_("follow-up"),
    )
    call = models.ForeignKey(
        "leads.Call",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="quality_scores",
        verbose_name=_("call"),
    )
    scorer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("scored by"),
    )
    professionalism = models.PositiveSmallIntegerField(_("professionalism"), validators=_range)
    communication = models.PositiveSmallIntegerField(_("communication"), validators=_range)
    problem_solving = models.PositiveSmallIntegerField(_("problem solving"), validators=_range)
    overall = models.DecimalField(
        _("overall (0–100)"), max_digits=5, decimal_places=2, editable=False, default=0
    )
    comment = models.TextField(_("comment"), blank=True)
    scored_at = models.DateTimeField(_("scored at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("quality score")
        verbose_name_plural = _("quality scores")
        ordering = ["-scored_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(followup__isnull=False, call__isnull=True)
                | Q(followup__isnull=True, call__isnull=False),
                name="qualityscore_one_record",
            ),
            models.UniqueConstraint(
                fields=["scorer", "followup"],
                condition=Q(followup__isnull=False),
                name="qualityscore_once_per_followup",
            ),
            models.UniqueConstraint(
                fields=["scorer", "call"],
                condition=Q(call__isnull=False),
                name="qualityscore_once_per_call",
            ),
        ]
        indexes = [models.Index(fields=["agent", "scored_at"], name="qualityscore_agent_at")]

    def __str__(self) -> str:
        return f"{self.agent_id} {self.overall}"

    def save(self, *args, **kwargs):
        """The overall score is the rubric's mean on a 0–100 scale (1 → 20, 5 → 100)."""
        parts = [self.professionalism, self.communication, self.problem_solving]
        self.overall = (Decimal(sum(parts)) * 20 / len(parts)).quantize(Decimal("0.01"))
        super().save(*args, **kwargs)
