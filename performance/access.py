"""Who sees which scorecards, targets, quality scores, reviews, incentives and plans.

An agent sees their own scorecard (with their rank, never the others' figures), targets,
quality scores, reviews, approved incentives and improvement plans. A manager sees their
teams' agents and the teams themselves; a head their subtree (teams and departments);
admins and inspectors everything. Records about an agent follow the agent's team now,
like every other per-agent record.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Q, QuerySet

from crm import access as crm_access
from crm.access import Scope, restrict, scope_of, staff_or_none, visible_members
from crm.models import Member, Role

from .models import (
    ChannelDay,
    DevelopmentPlan,
    Evaluation,
    EvaluationRating,
    ImprovementPlan,
    Incentive,
    Indicator,
    KpiWeight,
    ProductTarget,
    QualityScore,
    Scorecard,
    Target,
)


def _subject_q(scope: Scope) -> Q:
    """Agent-, team- and department-level rows (targets, scorecards) in a scope."""
    q = Q(level="agent", agent_id=scope.user_id)
    if scope.role in (Role.TEAM_MANAGER, Role.DEPARTMENT_HEAD):
        if len(scope.member_user_ids) > crm_access.MEMBER_LIST_LIMIT:
            q |= Q(level="agent") & scope.team_q("agent__member__team")
        else:
            q |= Q(level="agent", agent_id__in=scope.member_user_ids)
        q |= Q(level="team") & scope.team_q("team")
    for path in scope.department_paths:
        q |= Q(level="department", department__path__startswith=path)
    return q


def _subject_rows(user, queryset: QuerySet) -> QuerySet:
    scope = scope_of(user)
    if scope.sees_all:
        return queryset
    if scope.user_id is None:
        return queryset.none()
    return queryset.filter(_subject_q(scope))


def visible_scorecards(user) -> QuerySet[Scorecard]:
    return _subject_rows(user, Scorecard.objects.all())


def visible_targets(user) -> QuerySet[Target]:
    return _subject_rows(user, Target.objects.all())


def visible_indicators(user) -> QuerySet[Indicator]:
    """KPI definitions and weights are the center's rules: every member reads them."""
    return staff_or_none(user, Indicator.objects.all())


def visible_kpi_weights(user) -> QuerySet[KpiWeight]:
    return staff_or_none(user, KpiWeight.objects.all())


def visible_quality_scores(user) -> QuerySet[QualityScore]:
    return restrict(QualityScore.objects.all(), user, owner="agent")


def visible_evaluations(user) -> QuerySet[Evaluation]:
    return restrict(Evaluation.objects.all(), user, owner="agent")


def visible_evaluation_ratings(user) -> QuerySet[EvaluationRating]:
    """Ratings of the reviews a user sees (who gave a peer rating is hidden from the rated
    agent by the pages and the API, not by this filter)."""
    return EvaluationRating.objects.filter(evaluation__in=visible_evaluations(user))


def visible_development_plans(user) -> QuerySet[DevelopmentPlan]:
    return restrict(DevelopmentPlan.objects.all(), user, owner="agent")


def visible_incentives(user) -> QuerySet[Incentive]:
    """Agents see the rewards and penalties decided for them, not proposals under review."""
    rows = restrict(Incentive.objects.all(), user, owner="agent", owner_team="team")
    if scope_of(user).role == Role.AGENT:
        rows = rows.filter(status=Incentive.Status.APPROVED)
    return rows


def visible_improvement_plans(user) -> QuerySet[ImprovementPlan]:
    return restrict(ImprovementPlan.objects.all(), user, owner="agent", owner_team="team")


# Development plans recommend training courses (`DevelopmentPlan.courses`). Which courses a
# user may pick is the training app's rule (`training.access.visible_courses`); training
# builds on performance, so it installs the rule here when it starts (`TrainingConfig`).
_course_rule: Callable[[Any], QuerySet] | None = None


def register_course_rule(rule: Callable[[Any], QuerySet]) -> None:
    global _course_rule
    _course_rule = rule


def visible_plan_courses(user) -> QuerySet:
    """The courses `user` may name in a development plan (the training app's rule)."""
    if _course_rule is None:
        return DevelopmentPlan.courses.field.related_model.objects.none()
    return _course_rule(user)


def peer_evaluations(user) -> QuerySet[Evaluation]:
    """Open 360 reviews an agent may rate as a peer: their active teammates' (not their own).

    Only the rating form is shown to a peer; the review itself stays the agent's and their
    managers' (`visible_evaluations`).
    """
    scope = scope_of(user)
    if scope.role != Role.AGENT or not scope.own_team_id:
        return Evaluation.objects.none()
    if not Member.objects.filter(user_id=scope.user_id, status="active").exists():
        return Evaluation.objects.none()
    return Evaluation.objects.filter(
        status=Evaluation.Status.OPEN,
        agent__member__team_id=scope.own_team_id,
        agent__member__role=Role.AGENT,
    ).exclude(agent_id=scope.user_id)


# --- what a user may do ---------------------------------------------------------------------


def can_see_team_performance(user) -> bool:
    """Team dashboards, leaderboards and other agents' scorecards."""
    return scope_of(user).role in (
        Role.TEAM_MANAGER,
        Role.DEPARTMENT_HEAD,
        Role.ADMIN,
        Role.INSPECTOR,
    )


def can_configure_performance(user) -> bool:
    """Indicators and weights: administrators."""
    return scope_of(user).is_admin


def can_set_targets(user) -> bool:
    """Managers set their agents' targets; heads their teams' and agents'; admins all."""
    return scope_of(user).role in (Role.TEAM_MANAGER, Role.DEPARTMENT_HEAD, Role.ADMIN)


def can_score_quality(user) -> bool:
    """Inspectors score any call or follow-up; managers and heads those in their scope."""
    return scope_of(user).role in (
        Role.INSPECTOR,
        Role.TEAM_MANAGER,
        Role.DEPARTMENT_HEAD,
        Role.ADMIN,
    )


def can_manage_performance(user) -> bool:
    """Open reviews, propose incentives, open improvement plans: managers, heads, admins."""
    return scope_of(user).role in (Role.TEAM_MANAGER, Role.DEPARTMENT_HEAD, Role.ADMIN)


def can_decide_incentives(user) -> bool:
    """Department heads approve or reject incentives in their subtree; admins anywhere."""
    return scope_of(user).role in (Role.DEPARTMENT_HEAD, Role.ADMIN)


def managed_member(user, agent) -> Member | None:
    """The agent's member profile if `user` manages them (not themselves), else None."""
    if agent is None or agent.pk == user.pk or not can_manage_performance(user):
        return None
    return visible_members(user).filter(user_id=agent.pk).first()


def can_decide(user, incentive: Incentive) -> bool:
    """A head over the agent's team or an administrator, who did not propose it."""
    return (
        can_decide_incentives(user)
        and incentive.proposed_by_id != user.pk
        and incentive.agent_id != user.pk
        and visible_incentives(user).filter(pk=incentive.pk).exists()
    )


def can_close(user, evaluation: Evaluation) -> bool:
    """Close an open review: a manager over the agent (not the agent themselves)."""
    return (
        evaluation.status == Evaluation.Status.OPEN
        and managed_member(user, evaluation.agent) is not None
    )


def visible_channel_days(user) -> QuerySet[ChannelDay]:
    """The channel report's rows: admins and inspectors all; managers and heads their
    teams' (the leads' team, the sales' team); others none."""
    scope = scope_of(user)
    if scope.sees_all:
        return ChannelDay.objects.all()
    if not can_see_team_performance(user):
        return ChannelDay.objects.none()
    return ChannelDay.objects.filter(scope.team_q("team"))


def sees_campaign_costs(user) -> bool:
    """Campaign costs are center-wide: shown (with cost per order and return) to those who
    see the whole center's leads, so costs are never set against part of the leads."""
    return scope_of(user).sees_all


def visible_product_targets(user) -> QuerySet[ProductTarget]:
    """Product targets of the teams the user sees (admins and inspectors: all)."""
    scope = scope_of(user)
    if scope.sees_all:
        return ProductTarget.objects.all()
    return ProductTarget.objects.filter(team__in=crm_access.visible_teams(user))


def can_set_product_targets(user) -> bool:
    """Admins for every team, heads for the teams of their subtree."""
    return scope_of(user).role in (Role.DEPARTMENT_HEAD, Role.ADMIN)


def can_see_wallboard(user) -> bool:
    """The live wallboard: team managers (their team), heads (their subtree), admins."""
    return scope_of(user).role in (Role.TEAM_MANAGER, Role.DEPARTMENT_HEAD, Role.ADMIN)


def wallboard_teams(user):
    """The active teams whose wallboard `user` may watch (none for other roles)."""
    if not can_see_wallboard(user):
        return crm_access.visible_teams(user).none()
    return crm_access.visible_teams(user).filter(is_active=True)
