"""The demo's scorecards: this month's targets for every agent, some forty quality scores by
the inspector and the managers, then this month's, last month's and this week's scorecards
computed, so the pages show live figures right after `make run`.

Idempotent: nothing is added when the demo already has targets or quality scores (the
recompute runs again, which is harmless).
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from crm import demo_steps
from crm.models import Member, Role
from leads.models import Call, FollowUp

from . import demo_people
from .models import Indicator, Level, QualityScore, Target
from .periods import current_period
from .services.scorecards import recompute_scorecards

# A month's target per agent for the indicators that add up; rates and scores get one too.
AGENT_TARGETS = {
    "sales_amount": Decimal("30000"),
    "orders": Decimal("6"),
    "calls": Decimal("120"),
    "talk_time": Decimal("300"),
    "followups": Decimal("80"),
    "conversion": Decimal("10"),
    "revisit_score": Decimal("4.2"),
    "complaints": Decimal("1"),
    "ontime_followup": Decimal("85"),
    "contacted_24h": Decimal("90"),
    "quality_overall": Decimal("80"),
}
QUALITY_SCORES = 40


def is_seeded() -> bool:
    return QualityScore.objects.exists() or Target.objects.exists()


def seed(*, rng: random.Random | None = None) -> dict:
    rng = rng or random.Random(6)
    month = current_period("month")
    counts = {"targets": 0, "quality_scores": 0}
    if not is_seeded():
        with transaction.atomic():
            counts["targets"] = _targets(month)
            counts["quality_scores"] = _quality_scores(rng)
    for period in (month, month.previous(), current_period("week")):
        recompute_scorecards(period=period)
    counts["periods"] = 3
    return counts


def _targets(month) -> int:
    indicators = {i.code: i for i in Indicator.objects.filter(code__in=AGENT_TARGETS)}
    agents = Member.objects.filter(role=Role.AGENT, team__isnull=False).values_list(
        "user_id", flat=True
    )
    rows = [
        Target(
            level=Level.AGENT,
            agent_id=user_id,
            indicator=indicator,
            period_kind=month.kind,
            period_start=month.start,
            value=AGENT_TARGETS[code],
        )
        for user_id in agents
        for code, indicator in indicators.items()
    ]
    Target.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def _quality_scores(rng: random.Random) -> int:
    since = timezone.now() - dt.timedelta(days=60)
    managers = dict(
        Member.objects.filter(role=Role.AGENT, team__manager__isnull=False).values_list(
            "user_id", "team__manager_id"
        )
    )
    inspector = Member.objects.filter(role=Role.INSPECTOR).values_list("user_id", flat=True)
    inspector_id = next(iter(inspector), None)
    followups = list(
        FollowUp.objects.filter(created_at__gte=since, agent_id__in=list(managers))
        .order_by("-created_at")
        .values_list("pk", "agent_id", "created_at")[:200]
    )
    calls = list(
        Call.objects.filter(started_at__gte=since, agent_id__in=list(managers))
        .order_by("-started_at")
        .values_list("pk", "agent_id", "started_at")[:200]
    )
    records = [("followup", *row) for row in followups] + [("call", *row) for row in calls]
    rng.shuffle(records)
    scores = []
    now = timezone.now()
    for kind, pk, agent_id, at in records[:QUALITY_SCORES]:
        scorer = inspector_id if (inspector_id and rng.random() < 0.6) else managers[agent_id]
        parts = [min(5, max(1, round(rng.gauss(3.8, 0.8)))) for _ in range(3)]
        score = QualityScore(
            agent_id=agent_id,
            scorer_id=scorer,
            professionalism=parts[0],
            communication=parts[1],
            problem_solving=parts[2],
            comment=rng.choice(["", "开场白规范", "需求挖掘不够", "语速偏快", "异议处理到位"]),
            scored_at=min(now, at + dt.timedelta(hours=rng.randint(1, 48))),
            **{kind + "_id": pk},
        )
        score.overall = (Decimal(sum(parts)) * 20 / 3).quantize(Decimal("0.01"))
        scores.append(score)
    QualityScore.objects.bulk_create(scores)
    return len(scores)


def channels_seed() -> dict:
    """Campaign costs for this month and the last two (where none are entered), then the
    channel report's daily table over the last year: every run."""
    from django.utils import timezone

    from leads.models import Campaign, CampaignCost

    from .services.channels import channel_days_refresh

    today = timezone.localdate()
    month, months = today.replace(day=1), []
    for _ in range(3):
        months.append(month)
        month = (month - dt.timedelta(days=1)).replace(day=1)
    made = 0
    for index, campaign in enumerate(Campaign.objects.order_by("pk")):
        for month in months:
            _cost, created = CampaignCost.objects.get_or_create(
                campaign=campaign,
                month=month,
                defaults={"amount": Decimal(2000 + 1500 * (index % 4)), "note": "演示"},
            )
            made += created
    rows = channel_days_refresh(
        start=today - dt.timedelta(days=400), end=today + dt.timedelta(days=1)
    )
    return {"campaign costs": made, "channel days": rows}


# Targets and quality scores, then the scorecards recomputed: every run.
demo_steps.register(
    "performance", demo_steps.DemoStep(order=60, seed=seed, created="Demo scorecards: {summary}")
)
demo_steps.register(
    "performance.channels",
    demo_steps.DemoStep(order=65, seed=channels_seed, created="Demo channel report: {summary}"),
)
demo_steps.register(
    "performance.people",
    demo_steps.DemoStep(
        order=70,
        seed=demo_people.seed,
        is_seeded=demo_people.is_seeded,
        created="Demo reviews and incentives created: {summary}",
        present="Demo reviews and incentives already present.",
    ),
)
