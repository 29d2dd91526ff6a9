"""Demo reviews, incentives, improvement plans and a year of leavers (for the turnover page).

Called by `seed_demo` after the org (and the scorecards' demo when there is one); runs once
(`is_seeded`). Everything goes through the services, as a manager or the head would do it.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from crm import services as crm_services
from crm.models import LeaveReason, Member, MemberStatus, Role, Team

from .models import Evaluation, EvaluationRating, ImprovementPlan, Incentive, Scorecard
from .periods import current_period
from .services import improvement, incentives, reviews

# Names of the former agents (the demo's names are two to five characters, all distinct).
FORMER_NAMES = [
    "覃思远",
    "甘晓雯",
    "阮建国",
    "蓝丽娟",
    "欧阳海波",
    "司马雅琪",
    "莫志强",
    "卢欣然",
    "柯文博",
    "邝静怡",
]
FORMER_STAFF = [
    # (months ago, day, reason, tenure in days at exit)
    (11, 6, LeaveReason.RESIGNED, 420),
    (10, 18, LeaveReason.CONTRACT_ENDED, 365),
    (9, 3, LeaveReason.RESIGNED, 95),
    (7, 22, LeaveReason.DISMISSED, 60),
    (6, 11, LeaveReason.RESIGNED, 230),
    (5, 27, LeaveReason.TRANSFERRED, 700),
    (4, 8, LeaveReason.RESIGNED, 40),
    (3, 15, LeaveReason.OTHER, 150),
    (2, 2, LeaveReason.RESIGNED, 310),
    (1, 19, LeaveReason.DISMISSED, 80),
]


def is_seeded() -> bool:
    return Incentive.objects.exists() or ImprovementPlan.objects.exists()


def _month_back(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


def _agents(team: Team) -> list[Member]:
    return list(
        Member.objects.filter(team=team, role=Role.AGENT, status=MemberStatus.ACTIVE)
        .select_related("user")
        .order_by("employee_no")
    )


@transaction.atomic
def seed(*, seed: int = 2026) -> dict[str, int]:
    """A few reviews with ratings, 6 incentives, 2 improvement plans, 10 former agents."""
    rng = random.Random(seed)
    today = timezone.localdate()
    teams = list(Team.objects.filter(manager__isnull=False).select_related("manager"))
    teams.sort(key=lambda t: t.manager.username)
    head = Member.objects.filter(role=Role.DEPARTMENT_HEAD, user__username="head").first()
    counts = {"evaluations": 0, "incentives": 0, "improvement_plans": 0, "former_staff": 0}
    if not teams:
        return counts

    # Former agents, spread over the last twelve months (the turnover page's numbers).
    n = Member.objects.count()
    for i, (months_ago, day, reason, tenure) in enumerate(FORMER_STAFF):
        team = teams[i % len(teams)]
        leave_date = _month_back(today, months_ago) + dt.timedelta(days=day - 1)
        if leave_date >= today:
            leave_date = today - dt.timedelta(days=1)
        former = crm_services.member_create(
            username=f"former{i + 1:02d}",
            full_name=FORMER_NAMES[i % len(FORMER_NAMES)],
            employee_no=f"X{n + i + 1:04d}",
            role=Role.AGENT,
            team=team,
            status=MemberStatus.ACTIVE,
            hire_date=leave_date - dt.timedelta(days=tenure),
        )
        crm_services.member_set_status(
            member=former,
            status=MemberStatus.LEFT,
            leave_date=leave_date,
            leave_reason=reason,
            note="演示数据",
        )
        counts["former_staff"] += 1

    # Reviews of the first team for last month: supervisor, self and peer ratings.
    first = teams[0]
    # Last month's review, unless its scorecards are empty (a young demo): then this month's.
    period = current_period().previous()
    last_month = Scorecard.objects.filter(
        level="agent",
        agent__member__team=first,
        period_kind=period.kind,
        period_start=period.start,
        total__gt=0,
    )
    if not last_month.exists():
        period = current_period()
    manager = first.manager
    agents = _agents(first)
    counts["evaluations"] = reviews.open_team_evaluations(by=manager, team=first, period=period)
    evaluations = {
        e.agent_id: e
        for e in Evaluation.objects.filter(
            agent__member__team=first, period_kind=period.kind, period_start=period.start
        )
    }
    for index, agent in enumerate(agents[:4]):
        evaluation = evaluations.get(agent.user_id)
        if evaluation is None:
            continue
        reviews.rate(
            by=manager,
            evaluation=evaluation,
            kind=EvaluationRating.Kind.SUPERVISOR,
            score=rng.choice([3, 4, 4, 5]),
            comment="沟通积极，跟进及时" if index % 2 == 0 else "需加强异议处理",
        )
        reviews.rate(
            by=agent.user,
            evaluation=evaluation,
            kind=EvaluationRating.Kind.SELF,
            score=rng.choice([3, 4, 5]),
        )
        peer = agents[(index + 1) % len(agents)]
        if peer.user_id != agent.user_id:
            reviews.rate(
                by=peer.user,
                evaluation=evaluation,
                kind=EvaluationRating.Kind.PEER,
                score=rng.choice([3, 4, 5]),
                comment="乐于分享话术",
            )
    if agents and agents[0].user_id in evaluations:
        closed = reviews.close_evaluation(
            by=manager,
            evaluation=evaluations[agents[0].user_id],
            summary="整体表现良好，下月重点提升转化率。",
        )
        reviews.development_plan_create(
            by=manager,
            agent=agents[0].user,
            evaluation=closed,
            goals="转化率提升到 15%",
            actions="每周两次通话复盘；学习异议处理话术",
            due_on=today + dt.timedelta(days=45),
        )

    # Six incentives: proposed by three managers, three of them approved by the head.
    month = current_period()
    plans = [
        (0, 0, Incentive.Kind.BONUS, Decimal("800.00"), "月度销售额第一", True),
        (0, 1, Incentive.Kind.WARNING, None, "连续三天未按时跟进", True),
        (0, 2, Incentive.Kind.PROMOTION, None, "连续三个月达成目标，推荐晋升", False),
        (1, 0, Incentive.Kind.BONUS, Decimal("500.00"), "客户满意度全组最高", True),
        (1, 1, Incentive.Kind.DEDUCTION, Decimal("200.00"), "违规承诺优惠", False),
        (min(3, len(teams) - 1), 0, Incentive.Kind.BONUS, Decimal("300.00"), "新人成长最快", False),
    ]
    for team_index, agent_index, kind, amount, reason, approve in plans:
        team = teams[team_index]
        team_agents = _agents(team)
        if not team_agents:
            continue
        agent = team_agents[agent_index % len(team_agents)]
        incentive = incentives.incentive_propose(
            by=team.manager,
            agent=agent.user,
            kind=kind,
            amount=amount,
            period=month,
            reason=reason,
        )
        counts["incentives"] += 1
        if approve and head is not None:
            incentives.incentive_approve(by=head.user, incentive=incentive, note="同意")

    # Two improvement plans with coaching sessions and check-ins.
    for team_index, agent_index, progress in ((0, 3, (20, 45)), (1, 4, (10,))):
        if team_index >= len(teams):
            continue
        team = teams[team_index]
        team_agents = _agents(team)
        if len(team_agents) <= agent_index:
            continue
        agent = team_agents[agent_index]
        plan = improvement.improvement_plan_open(
            by=team.manager,
            agent=agent.user,
            reason="上月绩效总分低于 60 分",
            goals="每日有效通话 ≥ 40 通；跟进及时率 ≥ 90%",
            starts_on=today - dt.timedelta(days=20),
            due_on=today + dt.timedelta(days=40),
        )
        for step, value in enumerate(progress):
            improvement.coaching_session_add(
                by=team.manager,
                plan=plan,
                kind="coaching" if step == 0 else "check_in",
                notes="一对一辅导：开场白与需求挖掘" if step == 0 else "复盘本周通话，进度良好",
                progress=value,
                at=timezone.now() - dt.timedelta(days=15 - 7 * step),
            )
        counts["improvement_plans"] += 1
    return counts
