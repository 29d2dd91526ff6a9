"""Reads for reviews, incentives and improvement plans: scoped by `crm.access`, joined for
the page or API that shows them (a constant number of queries per page)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import (
    BooleanField,
    Case,
    Count,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone

from performance import access as performance_access

from ..models import (
    CoachingSession,
    Evaluation,
    EvaluationRating,
    ImprovementPlan,
    Incentive,
)


def evaluations_for_list(user, *, status: str = "", period_start=None) -> QuerySet:
    rows = (
        performance_access.visible_evaluations(user)
        .select_related("agent__member__team")
        .annotate(rating_count=Count("ratings"))
        .order_by("-period_start", "agent__member__employee_no", "pk")
    )
    if status:
        rows = rows.filter(status=status)
    if period_start:
        rows = rows.filter(period_start=period_start)
    return rows


def peer_reviews_to_give(user) -> QuerySet:
    """Teammates' open reviews the agent has not rated yet."""
    return (
        performance_access.peer_evaluations(user)
        .exclude(ratings__rater_id=user.pk)
        .select_related("agent")
        .order_by("-period_start", "agent__username")
    )


def evaluation_for(user, pk: int) -> Evaluation | None:
    """A review the user sees as such, or one they may rate as a peer (form only)."""
    row = (
        performance_access.visible_evaluations(user)
        .select_related("agent__member__team")
        .filter(pk=pk)
    )
    found = row.first()
    if found is not None:
        found.viewer_is_peer = False
        return found
    found = (
        performance_access.peer_evaluations(user)
        .select_related("agent__member__team")
        .filter(pk=pk)
        .first()
    )
    if found is not None:
        found.viewer_is_peer = True
    return found


@dataclass(frozen=True)
class ShownRating:
    rating: EvaluationRating
    rater_name: str | None  # None: anonymous (a peer, to the rated agent)


def sees_peer_names(user, evaluation: Evaluation) -> bool:
    """Peers rate anonymously: only the agent's managers (and admins) see who they are."""
    return user.pk != evaluation.agent_id and performance_access.can_manage_performance(user)


def ratings_for(user, evaluation: Evaluation) -> list[ShownRating]:
    names = sees_peer_names(user, evaluation)
    shown = []
    for rating in evaluation.ratings.select_related("rater").order_by("kind", "at", "pk"):
        hidden = rating.kind == EvaluationRating.Kind.PEER and not names
        rater = None if hidden or rating.rater is None else rating.rater
        shown.append(
            ShownRating(
                rating=rating,
                rater_name=(rater.get_full_name() or rater.get_username()) if rater else None,
            )
        )
    return shown


def development_plans_for(user, *, agent_id: int | None = None) -> QuerySet:
    rows = (
        performance_access.visible_development_plans(user)
        .select_related("agent", "evaluation")
        .prefetch_related("courses")
        .order_by("-created_at", "-pk")
    )
    if agent_id is not None:
        rows = rows.filter(agent_id=agent_id)
    return rows


def incentives_for_list(user, *, status: str = "", kind: str = "") -> QuerySet:
    rows = performance_access.visible_incentives(user).select_related(
        "agent", "team", "proposed_by", "decided_by"
    )
    if status:
        rows = rows.filter(status=status)
    if kind:
        rows = rows.filter(kind=kind)
    return rows.order_by("-proposed_at", "-pk")


def incentives_waiting_for(user) -> QuerySet:
    """Proposals the user may decide: in their subtree, not their own proposals."""
    if not performance_access.can_decide_incentives(user):
        return Incentive.objects.none()
    return (
        incentives_for_list(user, status=Incentive.Status.PROPOSED)
        .exclude(proposed_by_id=user.pk)
        .exclude(agent_id=user.pk)
    )


def improvement_plans_for_list(user, *, status: str = "", overdue: bool = False) -> QuerySet:
    today = timezone.localdate()
    latest = CoachingSession.objects.filter(plan=OuterRef("pk")).order_by("-at", "-pk")
    rows = (
        performance_access.visible_improvement_plans(user)
        .select_related("agent", "team", "coach")
        .annotate(
            session_count=Count("sessions"),
            progress=Subquery(latest.values("progress")[:1]),
            is_overdue=Case(
                When(Q(status=ImprovementPlan.Status.OPEN, due_on__lt=today), then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
        )
        .order_by("-is_overdue", "due_on", "-pk")
    )
    if status:
        rows = rows.filter(status=status)
    if overdue:
        rows = rows.filter(is_overdue=True)
    return rows


def plan_sessions(plan: ImprovementPlan) -> QuerySet:
    return plan.sessions.select_related("coach").order_by("at", "pk")
