"""Performance management (绩效管理): indicators, targets, scorecards and what follows them.

Shared contracts of this app, decided once:

* A **period** is `(period_kind, period_start)`: a month starts on day 1, a week on Monday,
  a quarter on the 1st of January, April, July or October. `performance.periods` turns
  one into half-open local-time bounds [start, end) in `Asia/Shanghai`.
* A **subject** is an agent (a user), a team or a department: exactly one of the three
  foreign keys is set, and `level` says which (a check constraint holds them together).
* An **indicator** names the computation it uses (`Indicator.source`); the sources are a
  fixed list written in SQL in `performance.metrics`, while names, families, weights and
  targets are admin data. Ratios are stored as numerator and denominator so that a team's
  conversion rate is its records' rate, not the mean of its agents' rates.
* Team and department figures follow `crm.TeamMembership` history: a record counts for
  the team its agent was in when the record was made.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .labels import indicator_label

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
    ORDERS = "orders", _("Orders confirmed")
    CONVERSION = "conversion", _("Conversion: leads won / leads worked")
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


class Evaluation(models.Model):
    """A 360-degree review (绩效评估) of one agent for one period."""

    class Status(models.TextChoices):
        OPEN = "open", _("Collecting ratings")
        CLOSED = "closed", _("Closed")

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="evaluations",
        verbose_name=_("agent"),
    )
    period_kind = models.CharField(
        _("period"), max_length=10, choices=PeriodKind.choices, default=PeriodKind.MONTH
    )
    period_start = models.DateField(_("period start"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    quantitative = models.DecimalField(
        _("scorecard total"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    qualitative = models.DecimalField(
        _("ratings (0–100)"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    final = models.DecimalField(
        _("final score"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    summary = models.TextField(_("summary"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["-period_start", "agent"]
        constraints = [
            models.UniqueConstraint(
                fields=["agent", "period_kind", "period_start"], name="evaluation_one_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agent_id} {self.period_start}"


class EvaluationRating(models.Model):
    """One rater's view in a 360-degree review: supervisor, peer, self or customer."""

    class Kind(models.TextChoices):
        SUPERVISOR = "supervisor", _("Supervisor")
        PEER = "peer", _("Peer")
        SELF = "self", _("Self")
        CUSTOMER = "customer", _("Customer")

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="ratings")
    kind = models.CharField(_("rater"), max_length=12, choices=Kind.choices)
    rater = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    score = models.PositiveSmallIntegerField(
        _("score (1–5)"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(_("comment"), blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["evaluation", "kind", "at"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "rater"],
                condition=Q(rater__isnull=False),
                name="rating_once_per_rater",
            )
        ]

    def __str__(self) -> str:
        return f"{self.evaluation_id} {self.kind}: {self.score}"


class DevelopmentPlan(models.Model):
    """A personal development plan (个人发展计划) agreed in a review."""

    class Status(models.TextChoices):
        ACTIVE = "active", pgettext_lazy("plan status", "Active")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="development_plans",
        verbose_name=_("agent"),
    )
    evaluation = models.ForeignKey(
        Evaluation, null=True, blank=True, on_delete=models.SET_NULL, related_name="plans"
    )
    goals = models.TextField(_("goals"))
    actions = models.TextField(_("actions"), blank=True)
    courses = models.ManyToManyField("training.Course", blank=True, verbose_name=_("courses"))
    due_on = models.DateField(_("due"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("development plan")
        verbose_name_plural = _("development plans")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.agent_id} {self.created_at:%Y-%m-%d}"


class Incentive(models.Model):
    """A reward or penalty (激励与奖惩): proposed by a manager, decided by a department head."""

    class Kind(models.TextChoices):
        BONUS = "bonus", _("Bonus")
        PROMOTION = "promotion", _("Promotion recommendation")
        DEDUCTION = "deduction", _("Deduction")
        WARNING = "warning", _("Warning")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="incentives",
        verbose_name=_("agent"),
    )
    team = models.ForeignKey(
        "crm.Team", null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("team")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    amount = models.DecimalField(_("amount"), **MONEY, null=True, blank=True)
    period_kind = models.CharField(
        _("period"), max_length=10, choices=PeriodKind.choices, default=PeriodKind.MONTH
    )
    period_start = models.DateField(_("period start"))
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PROPOSED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("incentive")
        verbose_name_plural = _("incentives")
        ordering = ["-proposed_at", "-id"]
        indexes = [models.Index(fields=["status", "proposed_at"], name="incentive_status")]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="incentive_amount_positive",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.agent_id} {self.period_start}"


class ImprovementPlan(models.Model):
    """A performance improvement plan (绩效改进) for a low scorer, tracked to closure."""

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("plan status", "Open")
        SUCCEEDED = "succeeded", _("Closed: improved")
        FAILED = "failed", _("Closed: not improved")
        CANCELLED = "cancelled", _("Cancelled")

    class Origin(models.TextChoices):
        MANUAL = "manual", _("Opened by a manager")
        SUGGESTED = "suggested", _("Suggested by the scorecard")

    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="improvement_plans",
        verbose_name=_("agent"),
    )
    team = models.ForeignKey(
        "crm.Team", null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("team")
    )
    scorecard = models.ForeignKey(
        Scorecard, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    origin = models.CharField(
        _("origin"), max_length=10, choices=Origin.choices, default=Origin.MANUAL
    )
    reason = models.TextField(_("reason"))
    goals = models.TextField(_("goals"))
    coach = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("coach"),
    )
    starts_on = models.DateField(_("starts on"), default=timezone.localdate)
    due_on = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    outcome = models.TextField(_("outcome"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("improvement plan")
        verbose_name_plural = _("improvement plans")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agent"], condition=Q(status="open"), name="improvementplan_one_open"
            ),
            models.CheckConstraint(
                condition=Q(due_on__gte=models.F("starts_on")),
                name="improvementplan_due_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agent_id} {self.starts_on}–{self.due_on}"


class CoachingSession(models.Model):
    """A coaching session or check-in on an improvement plan."""

    class Kind(models.TextChoices):
        COACHING = "coaching", _("Coaching")
        CHECK_IN = "check_in", _("Check-in")

    plan = models.ForeignKey(ImprovementPlan, on_delete=models.CASCADE, related_name="sessions")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.COACHING)
    at = models.DateTimeField(_("at"), default=timezone.now)
    coach = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    notes = models.TextField(_("notes"))
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MaxValueValidator(100)]
    )

    class Meta:
        verbose_name = _("coaching session")
        verbose_name_plural = _("coaching sessions")
        ordering = ["plan", "at"]

    def __str__(self) -> str:
        return f"{self.plan_id} {self.kind} {self.at:%Y-%m-%d}"
