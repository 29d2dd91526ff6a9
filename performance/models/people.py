"""Reviews, development plans, incentives and improvement plans (what follows the figures)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from .scorecards import MONEY, PeriodKind, Scorecard


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
