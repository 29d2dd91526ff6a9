"""Generator step "leads": 1,000,000 leads, 200 agents in 17 teams, 3,000,000 follow-ups.

Who owns them: the org step makes 500 agents in 40 teams, of whom about 10 per team are
active (the rest onboarding, on leave or gone), so no 17 teams hold 200 active agents. The
step takes the `lead_teams` teams with the most active agents (ties by id: stable across
runs) and, in employee-number order, up to `lead_agents` of their active agents; with the
default org that is 197 agents in 17 teams spread over all four divisions, including
manager01's team, so the harness's "first active team manager" sees a full team.

What they look like (shares of all leads):
- 92% owned: new 20, contacted 35, interested 15, won 8, lost 14, invalid 8 (of owned);
  each with `assigned_at`, the owner's team, an `auto` Assignment naming its rule;
- 8% in the pool: reclaimed leads in their team's pool (status new, team kept: the
  assignment job leaves them alone) and released ones in the center's pool (contacted);
- about 10% have a follow-up due today or overdue; most other open ones one coming up;
- of the owned open leads about 3% are past the 7-day reclaim limit and were warned a
  day or more ago (the reclaim job takes them), and 2% are due a warning;
- follow-ups (exactly `followups`) spread over the worked leads, by their owner, the last
  one's disposition matching the status; `followup_count` and `last_contact_at` agree.

Rows go through COPY with explicit ids (so follow-ups can point at leads without reading
them back), sequences are moved past them afterwards. Scores come from the capture
service's scoring model, computed once per distinct combination of scored fields.
"""

from __future__ import annotations

import datetime as dt
import random
from array import array
from collections.abc import Iterator
from decimal import Decimal

from django.db.models import Count, Q
from django.utils import timezone

from crm.demo import GIVEN, PRODUCTS, SURNAMES
from crm.models import Member, MemberStatus, Role, Team
from leads.models import (
    Assignment,
    Campaign,
    Channel,
    Disposition,
    FollowUp,
    Intent,
    LawfulBasis,
    Lead,
    LeadPolicy,
    LeadSource,
    LeadStatus,
    RoutingRule,
    ScoringRule,
    TeamLeadSettings,
)
from leads.services import capture
from risk.models import DoNotCall

from . import org
from .bulk import copy_rows, move_sequences
from .config import Size

MODELS = (
    Campaign,
    Lead,
    LeadSource,
    Assignment,
    FollowUp,
    RoutingRule,
    TeamLeadSettings,
    LeadPolicy,
    ScoringRule,
    DoNotCall,
)
# Mobile prefixes libphonenumber accepts for every number behind them.
PREFIXES = (*range(130, 140), 150, 151, 152, 153, 155, 156, 157, 158, 159, *range(180, 190))
# Phone number spaces (see `phone_for`): generated leads, the assignment job's fresh leads,
# the import file's new rows. Disjoint, so nothing collides across measurements.
GENERATED, FRESH, IMPORTED = 0, 40_000_000, 60_000_000
_STATUSES = [
    (LeadStatus.NEW, 20),
    (LeadStatus.CONTACTED, 35),
    (LeadStatus.INTERESTED, 15),
    (LeadStatus.WON, 8),
    (LeadStatus.LOST, 14),
    (LeadStatus.INVALID, 8),
]
POOL_SHARE = 0.08
_LAST = {
    LeadStatus.NEW: (Disposition.NO_ANSWER, Disposition.BUSY),
    LeadStatus.CONTACTED: (Disposition.REACHED, Disposition.CALL_BACK),
    LeadStatus.INTERESTED: (Disposition.INTERESTED,),
    LeadStatus.WON: (Disposition.WON,),
    LeadStatus.LOST: (Disposition.LOST, Disposition.NOT_INTERESTED),
    LeadStatus.INVALID: (Disposition.WRONG_NUMBER,),
}
_EARLIER = (
    Disposition.NO_ANSWER,
    Disposition.BUSY,
    Disposition.REACHED,
    Disposition.CALL_BACK,
    Disposition.REACHED,
)
_NOTES = {
    Disposition.REACHED: "已接通，介绍了资费和开通流程。",
    Disposition.NO_ANSWER: "无人接听。",
    Disposition.BUSY: "占线，稍后再拨。",
    Disposition.CALL_BACK: "客户在忙，约好再回电。",
    Disposition.INTERESTED: "客户有兴趣，已发报价单。",
    Disposition.WON: "客户确认签约，等待付款。",
    Disposition.LOST: "客户选择了其他服务商。",
    Disposition.NOT_INTERESTED: "客户表示暂时不需要。",
    Disposition.WRONG_NUMBER: "空号。",
}
_CHANNELS = [
    Channel.WEB_FORM,
    Channel.ADVERTISING,
    Channel.ADVERTISING,
    Channel.SOCIAL,
    Channel.REFERRAL,
    Channel.MARKET_LIST,
    Channel.IMPORT,
    Channel.INBOUND_CALL,
]
DAY = 86_400


def phone_for(index: int) -> str:
    """The `index`-th phone of the generator: unique for index < 27 × 10^8, valid, E.164.

    The prefix cycles; the 8-digit rest walks a fixed permutation of 0..10^8-1 (an odd
    multiplier not divisible by 5 is invertible mod 10^8), so numbers look scattered.
    """
    prefix = PREFIXES[index % len(PREFIXES)]
    rest = (index // len(PREFIXES) * 48_271_937 + 13_579_246) % 100_000_000
    return f"+86{prefix}{rest:08d}"


def lead_teams(size: Size) -> list[Team]:
    """The teams with the most active agents (ties by id), `lead_teams` of them."""
    teams = (
        Team.objects.annotate(
            active=Count(
                "members",
                filter=Q(members__role=Role.AGENT, members__status=MemberStatus.ACTIVE),
            )
        )
        .order_by("-active", "pk")
        .select_related("department")
    )
    return list(teams[: size.lead_teams])


def lead_owners(size: Size) -> list[Member]:
    """Up to `lead_agents` active agents of `lead_teams`, by employee number."""
    members = (
        Member.objects.filter(
            team__in=lead_teams(size),
            role=Role.AGENT,
            status=MemberStatus.ACTIVE,
            user__is_active=True,
        )
        .select_related("user")
        .order_by("employee_no")
    )
    return list(members[: size.lead_agents])


def generate_leads(size: Size) -> None:
    rng = random.Random(size.seed + 1)
    now = timezone.now()
    teams = lead_teams(size)
    owners = lead_owners(size)
    if not owners:
        raise LookupError("the leads step needs active agents (run the org step first)")
    rules = _setting(teams, size)
    campaigns = Campaign.objects.bulk_create(
        [
            Campaign(name="企业宽带推广", channel=Channel.ADVERTISING),
            Campaign(name="官网咨询表单", channel=Channel.WEB_FORM),
            Campaign(name="抖音直播间", channel=Channel.SOCIAL),
        ]
    )
    campaign_of = {c.channel: c.pk for c in campaigns}
    owners_by_team: dict[int, list[Member]] = {}
    for member in owners:
        owners_by_team.setdefault(member.team_id, []).append(member)

    plan = _Plan(size.leads)
    scorer = capture.Scorer.load()  # not inside the COPY: the connection is busy there
    leads = _lead_rows(size, rng, now, owners, owners_by_team, rules, campaign_of, plan, scorer)
    copy_rows(Lead, LEAD_FIELDS, leads)
    copy_rows(
        LeadSource,
        ("lead", "channel", "campaign", "is_duplicate", "payload", "received_at", "basis"),
        (
            (
                i + 1,
                plan.channel[i],
                campaign_of.get(plan.channel[i]),
                False,
                {},
                plan.created(i),
                LawfulBasis.CONSENT,
            )
            for i in range(size.leads)
        ),
    )
    copy_rows(
        Assignment,
        ("lead", "kind", "from_user", "to_user", "team", "rule", "reason", "at"),
        _assignment_rows(plan, owners, rules),
    )
    copy_rows(FollowUp, FOLLOWUP_FIELDS, _followup_rows(rng, plan, owners))
    DoNotCall.objects.bulk_create(
        DoNotCall(phone=phone_for(IMPORTED - 1 - i), reason="监管名单", source="regulator")
        for i in range(20)
    )
    move_sequences((Lead,))


def _setting(teams: list[Team], size: Size) -> dict[int, RoutingRule]:
    """Routing rules (one per team: a region of its division and a product), team
    settings, the center policy and the default scoring model."""
    division_index = {name: d for d in range(size.divisions) for name in [org.division_spec(d)[0]]}
    rules = {}
    for index, team in enumerate(teams):
        regions = org.division_spec(division_index.get(team.department.name, 0))[2]
        region = regions[index % len(regions)]
        product = PRODUCTS[index % len(PRODUCTS)]
        rules[team.pk] = RoutingRule.objects.create(
            name=f"{region}·{product} → {team.name}",
            order=10 * (index + 1),
            region=region,
            product=product,
            team=team,
        )
        TeamLeadSettings.objects.create(
            team=team,
            strategy=TeamLeadSettings.Strategy.ROUND_ROBIN
            if index % 2
            else TeamLeadSettings.Strategy.LEAST_LOADED,
        )
    LeadPolicy.objects.create(pk=1, default_team=teams[0])
    capture.scoring_rules_install_defaults()
    return rules


class _Plan:
    """What later tables need to know of each lead, in compact arrays (1M leads ≈ 30 MB)."""

    def __init__(self, n: int) -> None:
        self.owner = array("h", [-1]) * n  # index into owners; for pool leads the last one
        self.status = array("b", [0]) * n  # index into _STATUSES
        self.pooled = array("b", [0]) * n  # 1: reclaimed to the team pool, 2: released
        self.followups = array("H", [0]) * n
        self.assigned = array("l", [0]) * n  # epoch seconds
        self.last = array("l", [0]) * n
        self.next = array("l", [0]) * n  # 0: none
        self.created_at = array("l", [0]) * n
        self.channel: list[str] = [""] * n
        self.product: list[str] = [""] * n

    def created(self, i: int) -> dt.datetime:
        return _at(self.created_at[i])


def _at(seconds: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)


LEAD_FIELDS = (
    "id",
    "name",
    "phone",
    "is_mobile",
    "company",
    "region",
    "email",
    "wechat",
    "notes",
    "product",
    "budget",
    "intent",
    "timeline",
    "channel",
    "campaign",
    "score",
    "grade",
    "score_details",
    "status",
    "closed_reason",
    "owner",
    "team",
    "assigned_at",
    "last_contact_at",
    "next_followup_at",
    "followup_count",
    "missed_calls",
    "reclaim_warned_at",
    "created_at",
    "updated_at",
)
FOLLOWUP_FIELDS = (
    "lead",
    "agent",
    "channel",
    "disposition",
    "notes",
    "product",
    "timeline",
    "next_followup_at",
    "created_at",
)


def _followup_counts(rng: random.Random, size: Size, worked: list[int], plan: _Plan) -> None:
    """Exactly `size.followups` follow-ups: one per worked lead, the rest spread at random."""
    if not worked:
        return
    for i in worked:
        plan.followups[i] = 1
    extra = max(0, size.followups - len(worked))
    n = len(worked)
    for _ in range(extra):
        i = worked[int(rng.random() * n)]
        if plan.followups[i] < 60_000:
            plan.followups[i] += 1


def _lead_rows(
    size, rng, now, owners, owners_by_team, rules, campaign_of, plan, scorer
) -> Iterator:
    """Decide every lead (into `plan`), then yield its row.

    Runs inside the COPY, so it must not query: everything it reads is passed in.
    """
    now_s = int(now.timestamp())
    statuses = [s for s, _w in _STATUSES]
    weights = [w for _s, w in _STATUSES]
    index_of = {member.pk: k for k, member in enumerate(owners)}
    team_ids = list(owners_by_team)
    worked: list[int] = []
    stale = array("b", [0]) * size.leads  # 1: stale and warned, 2: due a warning
    for i in range(size.leads):
        created = now_s - int(rng.random() * 180 * DAY)
        plan.channel[i] = rng.choice(_CHANNELS)
        if rng.random() < POOL_SHARE:
            # In the pool for a while: owned, then reclaimed or released (in the past).
            created = now_s - rng.randint(10 * DAY, 180 * DAY)
            plan.created_at[i] = created
            team_id = rng.choice(team_ids)
            plan.owner[i] = index_of[rng.choice(owners_by_team[team_id]).pk]
            reclaimed = rng.random() < 0.6
            plan.pooled[i] = 1 if reclaimed else 2
            plan.status[i] = 0 if reclaimed else 1
            plan.assigned[i] = created + 600
            if not reclaimed:
                worked.append(i)
            continue
        plan.created_at[i] = created
        owner_index = int(rng.random() * len(owners))
        plan.owner[i] = owner_index
        status = rng.choices(range(len(statuses)), weights)[0]
        plan.status[i] = status
        plan.assigned[i] = created + rng.randint(60, 1800)
        if statuses[status] != LeadStatus.NEW or rng.random() < 0.3:
            worked.append(i)
        if statuses[status] in (LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.INTERESTED):
            draw = rng.random()
            if draw < 0.03 and created < now_s - 9 * DAY:
                stale[i] = 1
            elif draw < 0.05 and created < now_s - 7 * DAY:
                stale[i] = 2
    _followup_counts(rng, size, worked, plan)

    scores: dict[tuple, tuple[int, str, list]] = {}
    for i in range(size.leads):
        status = statuses[plan.status[i]]
        member = owners[plan.owner[i]]
        team_id = member.team_id
        rule = rules[team_id]
        pooled = plan.pooled[i]
        created, assigned = plan.created_at[i], plan.assigned[i]
        count = plan.followups[i]
        is_open = status in (LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.INTERESTED)
        # The last touch: recent for open leads (within the reclaim limit) unless stale.
        if stale[i] == 1:
            last = now_s - rng.randint(8 * DAY, max(8 * DAY + 1, min(30 * DAY, now_s - assigned)))
        elif stale[i] == 2:
            last = now_s - rng.randint(6 * DAY + 3600, 7 * DAY - 3600)
        elif is_open and not pooled:
            last = now_s - int(rng.random() * min(6 * DAY, now_s - assigned - 60))
        else:
            last = assigned + int(rng.random() * (now_s - assigned - 60))
        last = max(last, assigned + 60)
        plan.last[i] = last if count else 0
        clock = last if count else assigned
        if not count and is_open and not pooled and stale[i] == 0:
            # Never touched: assigned recently enough not to be stale.
            plan.assigned[i] = assigned = max(assigned, now_s - int(rng.random() * 6 * DAY))
            clock = assigned
        nxt = 0
        if is_open and not pooled:
            draw = rng.random()
            if draw < 0.16:  # due: overdue (since the last touch) or later today
                nxt = (
                    clock + int(rng.random() * (now_s - clock))
                    if draw < 0.1
                    else now_s + rng.randint(60, 8 * 3600)
                )
            elif draw < 0.75:
                nxt = now_s + rng.randint(DAY, 10 * DAY)
        plan.next[i] = nxt
        channel = plan.channel[i]
        product = rule.product if not pooled else rng.choice(PRODUCTS)
        plan.product[i] = product
        intent = Intent.UNKNOWN
        budget = None
        if status in (LeadStatus.INTERESTED, LeadStatus.WON):
            intent = Intent.HIGH if status == LeadStatus.WON else Intent.MEDIUM
            budget = Decimal(rng.choice((5_000, 12_000, 30_000, 120_000)))
        has_company = rng.random() < 0.6
        key = (channel, rule.region, product, intent, budget, has_company)
        if key not in scores:
            probe = Lead(
                name="x",
                channel=channel,
                region=rule.region,
                product=product,
                intent=intent,
                budget=budget,
                company="x" if has_company else "",
            )
            scores[key] = scorer.score(probe)
        score, grade, details = scores[key]
        owned = not pooled
        yield (
            i + 1,
            rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if i % 3 else ""),
            phone_for(GENERATED + i),
            True,
            f"{rule.region}{rng.choice(SURNAMES)}氏科技有限公司" if has_company else "",
            rule.region,
            "",
            "",
            "",
            product,
            budget,
            intent,
            "",
            channel,
            campaign_of.get(channel),
            score,
            grade,
            details,
            # The status is written with the row (creation of history, not a move through
            # leads.services.moves.lead_move); the bench writes no LeadEvent.
            status if owned else (LeadStatus.NEW if pooled == 1 else LeadStatus.CONTACTED),
            "客户选择了其他服务商" if status == LeadStatus.LOST else "",
            member.user_id if owned else None,
            team_id if owned or pooled == 1 else None,
            _at(assigned) if owned else None,
            _at(last) if count else None,
            _at(nxt) if nxt else None,
            count,
            0,
            _at(clock + 6 * DAY) if stale[i] == 1 else None,
            _at(created),
            _at(max(clock, created)),
        )


def _assignment_rows(plan: _Plan, owners: list[Member], rules) -> Iterator:
    for i in range(len(plan.owner)):
        member = owners[plan.owner[i]]
        rule = rules[member.team_id]
        yield (
            i + 1,
            Assignment.Kind.AUTO,
            None,
            member.user_id,
            member.team_id,
            rule.pk,
            f"规则「{rule.name}」；组内分配给 {member.user.username}",
            _at(plan.assigned[i]),
        )
        if plan.pooled[i]:
            reclaimed = plan.pooled[i] == 1
            yield (
                i + 1,
                Assignment.Kind.RECLAIM if reclaimed else Assignment.Kind.RELEASE,
                member.user_id,
                None,
                member.team_id if reclaimed else None,
                None,
                "超过7天未跟进，自动回收" if reclaimed else "客户暂无需求，释放到公海",
                _at(max(plan.last[i], plan.assigned[i]) + (7 * DAY if reclaimed else 600)),
            )


def _followup_rows(rng: random.Random, plan: _Plan, owners: list[Member]) -> Iterator:
    statuses = [s for s, _w in _STATUSES]
    for i in range(len(plan.owner)):
        count = plan.followups[i]
        if not count:
            continue
        agent = owners[plan.owner[i]].user_id
        last = plan.last[i]
        first = min(plan.assigned[i] + 300, last)
        step = (last - first) // count if count > 1 else 0
        status = statuses[plan.status[i]]
        for k in range(count):
            is_last = k == count - 1
            if is_last:
                disposition = rng.choice(_LAST[status])
                at = last
                nxt = plan.next[i]
            else:
                disposition = rng.choice(_EARLIER)
                at = first + k * step
                nxt = first + (k + 1) * step
            yield (
                i + 1,
                agent,
                "phone",
                disposition,
                _NOTES[disposition],
                plan.product[i],
                "",
                _at(nxt) if nxt else None,
                _at(at),
            )
