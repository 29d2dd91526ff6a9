"""Performance improvement plans (绩效改进) for low scorers, tracked to closure.

A plan is opened by hand or from a suggestion: an agent whose scorecard total for the
period is below `settings.PERFORMANCE_IMPROVEMENT_BELOW` (default 60) or in the bottom
10 % of their team (cumulative distribution of the team's totals ≤ 10 %: the lowest of
ten or more agents, nobody in a team of fewer than ten), who has no open plan. An agent
has at most one open plan (a database constraint). Coaching sessions and check-ins record
progress; the plan ends as succeeded, failed or cancelled with an outcome.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import access
from crm.models import MemberStatus, Role
from crm.services import notify
from performance import access as performance_access

from ..models import CoachingSession, ImprovementPlan, Scorecard
from ..periods import Period

BOTTOM_SHARE = Decimal("0.10")
DEFAULT_LENGTH = dt.timedelta(days=60)
CLOSED = (
    ImprovementPlan.Status.SUCCEEDED,
    ImprovementPlan.Status.FAILED,
    ImprovementPlan.Status.CANCELLED,
)


def threshold() -> Decimal:
    return Decimal(str(getattr(settings, "PERFORMANCE_IMPROVEMENT_BELOW", 60)))


def _member_in_scope(by: User, agent_id: int):
    if agent_id == by.pk or not performance_access.can_manage_performance(by):
        return None
    return access.visible_members(by).filter(user_id=agent_id).first()


@transaction.atomic
def improvement_plan_open(
    *,
    by: User,
    agent: User,
    reason: str,
    goals: str,
    due_on: dt.date,
    starts_on: dt.date | None = None,
    coach: User | None = None,
    scorecard: Scorecard | None = None,
    origin: str = ImprovementPlan.Origin.MANUAL,
) -> ImprovementPlan:
    member = _member_in_scope(by, agent.pk)
    if member is None:
        raise ValidationError({"agent": _("You may not open a plan for this agent.")})
    if member.role != Role.AGENT or member.status == MemberStatus.LEFT:
        raise ValidationError({"agent": _("Plans are for agents still with us.")})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the plan is opened.")})
    if not (goals or "").strip():
        raise ValidationError({"goals": _("Write the plan's goals.")})
    starts_on = starts_on or timezone.localdate()
    if due_on is None or due_on < starts_on:
        raise ValidationError({"due_on": _("The due date cannot be before the start.")})
    if origin not in ImprovementPlan.Origin.values:
        raise ValidationError({"origin": _("Unknown origin.")})
    if scorecard is not None and (scorecard.level != "agent" or scorecard.agent_id != agent.pk):
        raise ValidationError({"scorecard": _("This scorecard is about someone else.")})
    if (
        coach is not None
        and coach.pk != by.pk
        and not (
            access.visible_members(by).filter(user_id=coach.pk).exclude(role=Role.AGENT).exists()
            or access.scope_of(by).sees_all
        )
    ):
        raise ValidationError({"coach": _("Choose a manager or head you work with as coach.")})
    try:
        with transaction.atomic():
            plan = ImprovementPlan.objects.create(
                agent_id=agent.pk,
                team_id=member.team_id,
                scorecard=scorecard,
                origin=origin,
                reason=reason.strip(),
                goals=goals.strip(),
                coach=coach or by,
                starts_on=starts_on,
                due_on=due_on,
                created_by=by,
            )
    except IntegrityError:
        raise ValidationError({"agent": _("This agent already has an open plan.")}) from None
    notify(
        user_id=agent.pk,
        key=f"improvement-opened:{plan.pk}",
        kind="improvement_plan",
        text=_("An improvement plan was opened with you, due %(due)s.")
        % {"due": due_on.isoformat()},
        url=reverse("performance:improvement_plan", args=[plan.pk]),
    )
    return plan


def can_change_plan(by: User, plan: ImprovementPlan) -> bool:
    """The agent's managers and the plan's coach record sessions and close it."""
    return plan.coach_id == by.pk or _member_in_scope(by, plan.agent_id) is not None


def _locked_open(by: User, plan: ImprovementPlan) -> ImprovementPlan:
    if not can_change_plan(by, plan):
        raise ValidationError({"plan": _("You may not change this plan.")})
    locked = ImprovementPlan.objects.select_for_update().get(pk=plan.pk)
    if locked.status != ImprovementPlan.Status.OPEN:
        raise ValidationError({"status": _("This plan is closed.")})
    return locked


@transaction.atomic
def coaching_session_add(
    *,
    by: User,
    plan: ImprovementPlan,
    notes: str,
    progress: int,
    kind: str = CoachingSession.Kind.COACHING,
    at: dt.datetime | None = None,
) -> CoachingSession:
    locked = _locked_open(by, plan)
    if kind not in CoachingSession.Kind.values:
        raise ValidationError({"kind": _("Unknown kind of session.")})
    if not (notes or "").strip():
        raise ValidationError({"notes": _("Write what was discussed.")})
    if not isinstance(progress, int) or isinstance(progress, bool) or not 0 <= progress <= 100:
        raise ValidationError({"progress": _("Progress is a percentage from 0 to 100.")})
    return CoachingSession.objects.create(
        plan=locked,
        kind=kind,
        at=at or timezone.now(),
        coach=by,
        notes=notes.strip(),
        progress=progress,
    )


@transaction.atomic
def improvement_plan_close(
    *, by: User, plan: ImprovementPlan, status: str, outcome: str
) -> ImprovementPlan:
    if status not in CLOSED:
        raise ValidationError({"status": _("A plan closes as succeeded, failed or cancelled.")})
    if not (outcome or "").strip():
        raise ValidationError({"outcome": _("Write the outcome.")})
    locked = _locked_open(by, plan)
    locked.status = status
    locked.outcome = outcome.strip()
    locked.closed_at = timezone.now()
    locked.save(update_fields=["status", "outcome", "closed_at"])
    notify(
        user_id=locked.agent_id,
        key=f"improvement-closed:{locked.pk}",
        kind="improvement_plan",
        text=_("Your improvement plan was closed: %(status)s.")
        % {"status": locked.get_status_display()},
        url=reverse("performance:improvement_plan", args=[locked.pk]),
    )
    return locked


# --- suggestions --------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    scorecard: Scorecard
    team_name: str
    below_threshold: bool
    bottom_of_team: bool

    @property
    def agent(self):
        return self.scorecard.agent


def suggest_improvement_plans(*, by: User, period: Period) -> list[Suggestion]:
    """Agents in `by`'s scope who scored low in `period` and have no open plan.

    Two queries whatever the size of the scope: the period's agent scorecards with each
    agent's current team (bottom-of-team is decided over the whole team, not only the
    agents visible), and the agents with an open plan.
    """
    if not performance_access.can_manage_performance(by):
        return []
    cards = list(
        Scorecard.objects.filter(level="agent", period_kind=period.kind, period_start=period.start)
        .filter(agent__member__role=Role.AGENT)
        .exclude(agent__member__status=MemberStatus.LEFT)
        .select_related("agent__member__team")
        .order_by("total", "agent_id")
    )
    visible = set(
        access.visible_members(by).filter(role=Role.AGENT).values_list("user_id", flat=True)
    )
    with_plan = set(
        ImprovementPlan.objects.filter(status=ImprovementPlan.Status.OPEN).values_list(
            "agent_id", flat=True
        )
    )
    by_team: dict[int | None, list[Scorecard]] = {}
    for card in cards:
        by_team.setdefault(card.agent.member.team_id, []).append(card)
    bottom: set[int] = set()
    for team_cards in by_team.values():
        size = len(team_cards)
        # cume_dist of the k-th lowest (ties share the highest position) ≤ 10 %.
        for card in team_cards:
            at_or_below = sum(1 for other in team_cards if other.total <= card.total)
            if Decimal(at_or_below) / size <= BOTTOM_SHARE:
                bottom.add(card.pk)
    limit = threshold()
    result = []
    for card in cards:
        if card.agent_id not in visible or card.agent_id in with_plan or card.agent_id == by.pk:
            continue
        low = card.total < limit
        if low or card.pk in bottom:
            team = card.agent.member.team
            result.append(
                Suggestion(
                    scorecard=card,
                    team_name=team.name if team else "",
                    below_threshold=low,
                    bottom_of_team=card.pk in bottom,
                )
            )
    return result


def suggested_plan_open(*, by: User, scorecard: Scorecard) -> ImprovementPlan:
    """One click from a suggestion: a plan with the scorecard linked and default wording."""
    if scorecard.level != "agent":
        raise ValidationError({"scorecard": _("Plans are opened from an agent's scorecard.")})
    period = Period(scorecard.period_kind, scorecard.period_start)
    today = timezone.localdate()
    return improvement_plan_open(
        by=by,
        agent=scorecard.agent,
        reason=_("Scorecard total %(total)s for %(period)s.")
        % {"total": scorecard.total, "period": str(period)},
        goals=_("Reach a scorecard total of at least %(goal)s.") % {"goal": threshold()},
        due_on=today + DEFAULT_LENGTH,
        starts_on=today,
        scorecard=scorecard,
        origin=ImprovementPlan.Origin.SUGGESTED,
    )


# --- reminders ----------------------------------------------------------------------------


def improvement_overdue_remind(*, today: dt.date | None = None) -> int:
    """Tell each overdue open plan's coach once (set-based; a second run adds nothing)."""
    from crm.models import Notification

    today = today or timezone.localdate()
    rows = ImprovementPlan.objects.filter(
        status=ImprovementPlan.Status.OPEN, due_on__lt=today, coach__isnull=False
    ).values_list("pk", "coach_id", "agent__first_name", "agent__username", "due_on")
    notes = [
        Notification(
            user_id=coach_id,
            key=f"improvement-overdue:{pk}",
            kind="improvement_plan",
            text=(
                _("The improvement plan of %(agent)s was due %(due)s and is still open.")
                % {"agent": name or username, "due": due_on.isoformat()}
            )[:300],
            url=reverse("performance:improvement_plan", args=[pk]),
        )
        for pk, coach_id, name, username, due_on in rows
    ]
    sent = set(
        Notification.objects.filter(key__in=[note.key for note in notes]).values_list(
            "key", flat=True
        )
    )
    fresh = [note for note in notes if note.key not in sent]
    Notification.objects.bulk_create(fresh, ignore_conflicts=True)  # a racing run: no twins
    return len(fresh)
