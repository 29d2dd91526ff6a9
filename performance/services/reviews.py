"""360-degree reviews (绩效评估) and personal development plans.

How a closed review's scores are made (the weights live here, in `KIND_WEIGHTS` and
`FINAL_WEIGHTS`, and nowhere else):

* **quantitative** = the agent's scorecard total for the period (`Scorecard`, agent level),
  when the scorecard has been computed; otherwise it stays empty.
* **customer** rating = the mean satisfaction (1–5) of the revisits the agent did in the
  period (`aftersales.Revisit`, assignee = agent, `done_at` in the period), computed in SQL
  when the review is closed. It is stored as a rating row (rounded to a whole score, the
  exact mean and the number of revisits in its comment); the exact mean is what counts.
* **qualitative** = the weighted mean of the rating kinds present, each kind the mean of
  its ratings, on 0–100 (a 1–5 score × 20, like quality scores): supervisor 50 %, peer
  20 %, self 10 %, customer 20 %, renormalized over the kinds that have ratings (a review
  with only a supervisor's 4 is 80).
* **final** = 60 % quantitative + 40 % qualitative; when one of the two is missing the
  other alone is the final score; with neither, no final score.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, Exists, Model, OuterRef
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import access
from crm.models import Member, MemberStatus, Role, Team
from crm.services import notify
from performance import access as performance_access

from ..access import can_close, managed_member
from ..models import DevelopmentPlan, Evaluation, EvaluationRating, Scorecard
from ..periods import Period

Kind = EvaluationRating.Kind

KIND_WEIGHTS: dict[str, Decimal] = {
    Kind.SUPERVISOR: Decimal("50"),
    Kind.PEER: Decimal("20"),
    Kind.SELF: Decimal("10"),
    Kind.CUSTOMER: Decimal("20"),
}
FINAL_WEIGHTS = {"quantitative": Decimal("60"), "qualitative": Decimal("40")}
POINTS_PER_STAR = Decimal("20")  # a 1–5 score on 0–100
CENTS = Decimal("0.01")


# --- who may do what ----------------------------------------------------------------------


def manages(by: User, agent: User | None) -> bool:
    """Whether `by` may review `agent` and plan their development (a manager over them)."""
    return managed_member(by, agent) is not None


def rating_kinds_for(by: User, evaluation: Evaluation) -> list[str]:
    """The kinds of rating `by` may give on `evaluation` (customer ratings are computed)."""
    if evaluation.status != Evaluation.Status.OPEN:
        return []
    if by.pk == evaluation.agent_id:
        return [Kind.SELF]
    if managed_member(by, evaluation.agent) is not None:
        return [Kind.SUPERVISOR]
    if performance_access.peer_evaluations(by).filter(pk=evaluation.pk).exists():
        return [Kind.PEER]
    return []


# --- evaluations --------------------------------------------------------------------------


def open_evaluation(*, by: User, agent: User, period: Period) -> Evaluation:
    """Open the review of one agent for one period (one per agent and period)."""
    member = managed_member(by, agent)
    if member is None:
        raise ValidationError({"agent": _("You may not review this agent.")})
    if member.role != Role.AGENT:
        raise ValidationError({"agent": _("Only agents are reviewed here.")})
    if member.status == MemberStatus.LEFT:
        raise ValidationError({"agent": _("This agent has left.")})
    try:
        with transaction.atomic():
            evaluation = Evaluation.objects.create(
                agent_id=agent.pk,
                period_kind=period.kind,
                period_start=period.start,
                created_by=by,
            )
    except IntegrityError:
        raise ValidationError(
            {"period_start": _("This agent already has a review for this period.")}
        ) from None
    return evaluation


@transaction.atomic
def open_team_evaluations(*, by: User, team: Team, period: Period) -> int:
    """Open a review for each agent of `team` who has none for the period yet; how many."""
    scope = access.scope_of(by)
    if not performance_access.can_manage_performance(by) or not (
        scope.sees_all or team.pk in scope.team_ids
    ):
        raise ValidationError({"team": _("You may not review this team.")})
    reviewed = Evaluation.objects.filter(
        agent_id=OuterRef("user_id"), period_kind=period.kind, period_start=period.start
    )
    agents = list(
        Member.objects.filter(team=team, role=Role.AGENT)
        .exclude(status=MemberStatus.LEFT)
        .exclude(user_id=by.pk)
        .filter(~Exists(reviewed))
        .values_list("user_id", flat=True)
    )
    Evaluation.objects.bulk_create(
        [
            Evaluation(
                agent_id=agent_id,
                period_kind=period.kind,
                period_start=period.start,
                created_by=by,
            )
            for agent_id in agents
        ],
        ignore_conflicts=True,
    )
    return len(agents)


def _locked_open(evaluation: Evaluation) -> Evaluation:
    locked = Evaluation.objects.select_for_update().get(pk=evaluation.pk)
    if locked.status != Evaluation.Status.OPEN:
        raise ValidationError({"status": _("This review is closed.")})
    return locked


@transaction.atomic
def rate(
    *, by: User, evaluation: Evaluation, kind: str, score: int, comment: str = ""
) -> EvaluationRating:
    """Give (or change, while the review is open) one's rating: supervisor, peer or self."""
    locked = _locked_open(evaluation)
    if kind == Kind.CUSTOMER:
        raise ValidationError(
            {"kind": _("Customer ratings come from the revisits when the review is closed.")}
        )
    if kind not in Kind.values:
        raise ValidationError({"kind": _("Unknown kind of rating.")})
    if kind not in rating_kinds_for(by, locked):
        raise ValidationError({"kind": _("You may not give this kind of rating on this review.")})
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        raise ValidationError({"score": _("A score is a whole number from 1 to 5.")})
    rating, _created = EvaluationRating.objects.update_or_create(
        evaluation=locked,
        rater=by,
        defaults={"kind": kind, "score": score, "comment": (comment or "").strip()},
    )
    return rating


def customer_satisfaction(*, agent_id: int, period: Period) -> tuple[Decimal | None, int]:
    """Mean satisfaction (1–5) and count of the agent's revisits done in the period (SQL)."""
    from aftersales.models import Revisit

    start, end = period.bounds
    row = Revisit.objects.filter(
        assignee_id=agent_id,
        done_at__gte=start,
        done_at__lt=end,
        satisfaction__isnull=False,
    ).aggregate(mean=Avg("satisfaction"), n=Count("pk"))
    if not row["n"]:
        return None, 0
    return Decimal(str(row["mean"])).quantize(Decimal("0.0001")), row["n"]


def qualitative_score(*, means: dict[str, Decimal]) -> Decimal | None:
    """Weighted mean (0–100) of the kinds' mean 1–5 scores, renormalized over those present."""
    present = {kind: mean for kind, mean in means.items() if mean is not None}
    if not present:
        return None
    weight = sum(KIND_WEIGHTS[kind] for kind in present)
    points = sum(KIND_WEIGHTS[kind] * mean * POINTS_PER_STAR for kind, mean in present.items())
    return (points / weight).quantize(CENTS)


def final_score(*, quantitative: Decimal | None, qualitative: Decimal | None) -> Decimal | None:
    parts = {"quantitative": quantitative, "qualitative": qualitative}
    present = {name: value for name, value in parts.items() if value is not None}
    if not present:
        return None
    weight = sum(FINAL_WEIGHTS[name] for name in present)
    return (sum(FINAL_WEIGHTS[n] * v for n, v in present.items()) / weight).quantize(CENTS)


@transaction.atomic
def close_evaluation(*, by: User, evaluation: Evaluation, summary: str = "") -> Evaluation:
    """Close the review: customer rating from revisits, then the three scores; tell the agent."""
    locked = _locked_open(evaluation)
    if not can_close(by, locked):
        raise ValidationError({"evaluation": _("You may not close this review.")})
    period = Period(locked.period_kind, locked.period_start)
    mean, count = customer_satisfaction(agent_id=locked.agent_id, period=period)
    EvaluationRating.objects.filter(evaluation=locked, kind=Kind.CUSTOMER).delete()
    if mean is not None:
        EvaluationRating.objects.create(
            evaluation=locked,
            kind=Kind.CUSTOMER,
            rater=None,
            score=max(1, min(5, int(mean.quantize(Decimal("1"), rounding=ROUND_HALF_UP)))),
            comment=_("Mean satisfaction %(mean)s over %(count)s revisits")
            % {"mean": mean.quantize(CENTS), "count": count},
        )
    means = {
        row["kind"]: Decimal(str(row["mean"]))
        for row in EvaluationRating.objects.filter(evaluation=locked)
        .exclude(kind=Kind.CUSTOMER)
        .values("kind")
        .annotate(mean=Avg("score"))
        .order_by()
    }
    means[Kind.CUSTOMER] = mean
    scorecard_total = (
        Scorecard.objects.filter(
            level="agent",
            agent_id=locked.agent_id,
            period_kind=locked.period_kind,
            period_start=locked.period_start,
        )
        .values_list("total", flat=True)
        .first()
    )
    locked.quantitative = scorecard_total
    locked.qualitative = qualitative_score(means=means)
    locked.final = final_score(quantitative=locked.quantitative, qualitative=locked.qualitative)
    locked.status = Evaluation.Status.CLOSED
    locked.closed_at = timezone.now()
    if summary:
        locked.summary = summary.strip()
    locked.save(
        update_fields=["quantitative", "qualitative", "final", "status", "closed_at", "summary"]
    )
    text = _("Your review for %(period)s is closed: final score %(final)s.") % {
        "period": str(period),
        "final": locked.final if locked.final is not None else "—",
    }
    notify(
        user_id=locked.agent_id,
        key=f"evaluation-closed:{locked.pk}",
        kind="evaluation",
        text=text,
        url=reverse("performance:evaluation", args=[locked.pk]),
    )
    return locked


# --- development plans --------------------------------------------------------------------


def _check_plan_inputs(by: User, agent_id: int, evaluation, courses) -> list:
    if evaluation is not None and evaluation.agent_id != agent_id:
        raise ValidationError({"evaluation": _("This review is about another agent.")})
    courses = list(courses or [])
    if courses:
        ids = {course.pk for course in courses}
        visible = set(
            performance_access.visible_plan_courses(by)
            .filter(pk__in=ids)
            .values_list("pk", flat=True)
        )
        if visible != ids:
            raise ValidationError({"courses": _("Unknown course.")})
    return courses


@transaction.atomic
def development_plan_create(
    *,
    by: User,
    agent: User,
    goals: str,
    actions: str = "",
    due_on: dt.date | None = None,
    evaluation: Evaluation | None = None,
    courses: Iterable[Model] | None = None,
) -> DevelopmentPlan:
    if managed_member(by, agent) is None:
        raise ValidationError({"agent": _("You may not plan for this agent.")})
    if not (goals or "").strip():
        raise ValidationError({"goals": _("Write the plan's goals.")})
    courses = _check_plan_inputs(by, agent.pk, evaluation, courses)
    plan = DevelopmentPlan.objects.create(
        agent_id=agent.pk,
        evaluation=evaluation,
        goals=goals.strip(),
        actions=(actions or "").strip(),
        due_on=due_on,
        created_by=by,
    )
    if courses:
        plan.courses.set(courses)
    notify(
        user_id=agent.pk,
        key=f"development-plan:{plan.pk}",
        kind="development_plan",
        text=_("A development plan was agreed for you."),
        url=reverse("performance:evaluations"),
    )
    return plan


def _locked_active_plan(by: User, plan: DevelopmentPlan) -> DevelopmentPlan:
    locked = DevelopmentPlan.objects.select_for_update().select_related("agent").get(pk=plan.pk)
    if managed_member(by, locked.agent) is None:
        raise ValidationError({"agent": _("You may not change this agent's plan.")})
    if locked.status != DevelopmentPlan.Status.ACTIVE:
        raise ValidationError({"status": _("This plan is no longer active.")})
    return locked


@transaction.atomic
def development_plan_update(
    *,
    by: User,
    plan: DevelopmentPlan,
    goals: str | None = None,
    actions: str | None = None,
    due_on: dt.date | None = None,
    courses: Iterable[Model] | None = None,
) -> DevelopmentPlan:
    locked = _locked_active_plan(by, plan)
    fields = []
    if goals is not None:
        if not goals.strip():
            raise ValidationError({"goals": _("Write the plan's goals.")})
        locked.goals = goals.strip()
        fields.append("goals")
    if actions is not None:
        locked.actions = actions.strip()
        fields.append("actions")
    if due_on is not None:
        locked.due_on = due_on
        fields.append("due_on")
    if fields:
        locked.save(update_fields=fields)
    if courses is not None:
        locked.courses.set(_check_plan_inputs(by, locked.agent_id, None, courses))
    return locked


@transaction.atomic
def development_plan_complete(
    *, by: User, plan: DevelopmentPlan, status: str = DevelopmentPlan.Status.DONE
) -> DevelopmentPlan:
    """Mark an active plan done (or dropped)."""
    if status not in (DevelopmentPlan.Status.DONE, DevelopmentPlan.Status.DROPPED):
        raise ValidationError({"status": _("A plan ends as done or dropped.")})
    locked = _locked_active_plan(by, plan)
    locked.status = status
    locked.save(update_fields=["status"])
    return locked
