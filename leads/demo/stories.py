"""One demo lead: who they are, where they stand, and the touches that explain it."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from crm.demo import PRODUCTS, SURNAMES
from crm.models import Member, Team

from ..models import (
    Assignment,
    Campaign,
    Channel,
    Disposition,
    FollowUpChannel,
    Intent,
    Lead,
    LeadStatus,
)
from .vocabulary import (
    BRANDS,
    BUDGETS,
    CAMPAIGNS,
    CITIES,
    COMPANY_SUFFIXES,
    INDUSTRIES,
    LOST_REASONS,
    REGION_WEIGHTS,
    STATUS_WEIGHTS,
    TIMELINES,
)


@dataclass
class Touch:
    disposition: str
    channel: str
    at: dt.datetime


@dataclass
class LeadPlan:
    """A lead to be, with the history that explains its state."""

    lead: Lead
    agent: Member | None = None  # the owner, or the last owner of a lead now in the pool
    touches: list[Touch] = field(default_factory=list)
    pool_kind: str = ""  # how it reached the pool: reclaim, release or return


def plan_lead(
    rng: random.Random, now: dt.datetime, phone: str, name: str, campaigns: list[Campaign]
) -> LeadPlan:
    province = rng.choices(list(CITIES), weights=REGION_WEIGHTS)[0]
    city = rng.choice(CITIES[province])
    municipal = province in ("上海", "北京")
    region = f"{province}市{city}" if municipal else f"{province}省{city}市"
    draw = rng.random()
    campaign = rng.choice(campaigns) if draw < 0.7 else None
    if campaign is not None:
        channel = campaign.channel
        product = next(p for c, _ch, p in CAMPAIGNS if c == campaign.name) or rng.choice(PRODUCTS)
    else:
        channel = rng.choice([Channel.MANUAL, Channel.IMPORT, Channel.INBOUND_CALL])
        product = rng.choice(PRODUCTS)
    company = ""
    if rng.random() < 0.7:
        company = (
            f"{city}{rng.choice(BRANDS)}{rng.choice(INDUSTRIES)}{rng.choice(COMPANY_SUFFIXES)}"
        )
    if rng.random() < 0.15:  # many customers give only a surname
        name = rng.choice(SURNAMES) + rng.choice(["先生", "女士", "总"])
    lead = Lead(
        name=name,
        phone=phone,
        is_mobile=True,
        company=company,
        region=region,
        email=f"{rng.randrange(10**7, 10**10)}@qq.com" if rng.random() < 0.25 else "",
        wechat=f"wxid_{rng.randrange(36**8):x}" if rng.random() < 0.3 else "",
        product=product,
        channel=channel,
        campaign=campaign,
        status=rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()))[0],
    )
    return LeadPlan(lead=lead)


def give_to_owner(
    rng: random.Random, now: dt.datetime, plan: LeadPlan, team: Team, agents: list[Member]
) -> None:
    lead = plan.lead
    agent = rng.choice(agents)
    plan.agent = agent
    lead.owner, lead.team = agent.user, team
    status = lead.status
    if status == LeadStatus.NEW:
        # Fresh: captured in the last few days, maybe a missed call or two.
        lead.created_at = _work_time(rng, now, rng.randint(0, 4))
        attempts = rng.choice([0, 0, 0, 1, 2])
        dispositions = [rng.choice([Disposition.NO_ANSWER, Disposition.BUSY])] * attempts
        last_day = 0
    else:
        dispositions = _story(rng, status)
        open_lead = status in (LeadStatus.CONTACTED, LeadStatus.INTERESTED)
        # Open leads were touched in the last week (the reclaim limit is 7 days); a few
        # are close to it, so the reclaim job has warnings to send.
        last_day = rng.choice([0, 1, 1, 2, 3, 4, 5, 6]) if open_lead else rng.randint(0, 25)
        first_day = last_day + rng.randint(len(dispositions) - 1, 3 * len(dispositions))
        lead.created_at = _work_time(rng, now, first_day + rng.randint(0, 2))
    lead.assigned_at = lead.created_at + dt.timedelta(minutes=rng.randint(1, 30))
    plan.touches = _touches(rng, now, dispositions, lead.assigned_at, last_day)
    _apply_story(rng, plan)


def put_in_pool(
    rng: random.Random,
    now: dt.datetime,
    plan: LeadPlan,
    team: Team,
    agents_of: dict[int, list[Member]],
) -> None:
    """Leads that went back to the pool, each with the history that sent it there.

    The status is set on a lead not saved yet (they are bulk-created): creation, not a
    move, so `leads.services.moves.lead_move` is not involved."""
    lead = plan.lead
    everyone = [a for agents in agents_of.values() for a in agents]
    plan.agent = rng.choice(agents_of.get(team.pk) or everyone)
    draw = rng.random()
    if draw < 0.5:  # reclaimed: nobody followed it up in time; stays in the team's pool
        plan.pool_kind = Assignment.Kind.RECLAIM
        lead.status, lead.team = LeadStatus.NEW, team
        lead.created_at = _work_time(rng, now, rng.randint(9, 25))
        dispositions: list[str] = []
    elif draw < 0.8:  # released by the agent to the center's pool: no need for now
        plan.pool_kind = Assignment.Kind.RELEASE
        lead.status, lead.team = LeadStatus.CONTACTED, None
        lead.created_at = _work_time(rng, now, rng.randint(5, 28))
        dispositions = [Disposition.REACHED, Disposition.CALL_BACK][: rng.randint(1, 2)]
    else:  # returned by the disposition rules after unanswered calls; stays in the team
        plan.pool_kind = Assignment.Kind.RETURN
        lead.status, lead.team = LeadStatus.NEW, team
        lead.created_at = _work_time(rng, now, rng.randint(4, 20))
        dispositions = [Disposition.NO_ANSWER] * 3
    assigned = lead.created_at + dt.timedelta(minutes=rng.randint(1, 30))
    days_old = (now - assigned).days
    plan.touches = _touches(rng, now, dispositions, assigned, max(0, days_old - rng.randint(1, 3)))
    lead.owner, lead.assigned_at = None, None
    _apply_story(rng, plan)
    lead.next_followup_at = None


def _story(rng: random.Random, status: str) -> list[str]:
    """The dispositions that lead to `status`, oldest first."""
    opening = [
        rng.choice([Disposition.NO_ANSWER, Disposition.BUSY, Disposition.CALL_BACK])
        for _ in range(rng.randint(0, 2))
    ]
    if status == LeadStatus.CONTACTED:
        return [*opening, rng.choice([Disposition.REACHED, Disposition.CALL_BACK])]
    if status == LeadStatus.INTERESTED:
        return [*opening, Disposition.REACHED, Disposition.INTERESTED][-rng.randint(1, 4) :]
    if status == LeadStatus.WON:
        middle = [Disposition.INTERESTED] * rng.randint(1, 2)
        return [*opening, Disposition.REACHED, *middle, Disposition.WON]
    if status == LeadStatus.LOST:
        last = rng.choice([Disposition.NOT_INTERESTED, Disposition.LOST, Disposition.LOST])
        return [*opening, Disposition.REACHED, last][-rng.randint(1, 3) :]
    return [Disposition.NO_ANSWER] * rng.randint(0, 1) + [Disposition.WRONG_NUMBER]


def _touches(
    rng: random.Random,
    now: dt.datetime,
    dispositions: list[str],
    start: dt.datetime,
    last_day: int,
) -> list[Touch]:
    """Spread the follow-ups from `start` to `last_day` days ago, in working hours."""
    if not dispositions:
        return []
    days_back = max(last_day, (now - start).days)
    earlier = rng.choices(range(last_day, days_back + 1), k=len(dispositions) - 1)
    days = [*sorted(earlier, reverse=True), last_day]
    touches = []
    previous = start
    for disposition, day in zip(dispositions, days, strict=True):
        at = max(_work_time(rng, now, day), previous + dt.timedelta(minutes=rng.randint(5, 90)))
        at = min(at, now - dt.timedelta(minutes=rng.randint(2, 30)))
        at = max(at, previous + dt.timedelta(minutes=1))
        written = disposition in (Disposition.REACHED, Disposition.INTERESTED)
        channel = FollowUpChannel.PHONE
        if written and rng.random() < 0.25:
            channel = rng.choice(
                [FollowUpChannel.WECHAT] * 2 + [FollowUpChannel.SMS, FollowUpChannel.EMAIL]
            )
        touches.append(Touch(disposition, channel, at))
        previous = at
    return touches


def _apply_story(rng: random.Random, plan: LeadPlan) -> None:
    """Lead fields that follow from its follow-ups: counts, last contact, needs, reasons."""
    lead = plan.lead
    lead.followup_count = len(plan.touches)
    lead.last_contact_at = plan.touches[-1].at if plan.touches else None
    missed = 0
    for touch in plan.touches:
        unanswered = (Disposition.NO_ANSWER, Disposition.BUSY)
        missed = missed + 1 if touch.disposition in unanswered else 0
    lead.missed_calls = missed
    dispositions = {t.disposition for t in plan.touches}
    if dispositions & {Disposition.INTERESTED, Disposition.WON}:
        low, high = BUDGETS.get(lead.product, (1_000, 50_000))
        lead.budget = Decimal(rng.randrange(low, high, 100))
        lead.intent = (
            Intent.HIGH
            if Disposition.WON in dispositions
            else rng.choice([Intent.HIGH, Intent.MEDIUM])
        )
        lead.timeline = rng.choice(TIMELINES)
    elif Disposition.REACHED in dispositions or Disposition.CALL_BACK in dispositions:
        lead.intent = rng.choice([Intent.MEDIUM, Intent.LOW, Intent.UNKNOWN])
    if lead.status == LeadStatus.LOST:
        lead.closed_reason = rng.choice(LOST_REASONS)
    elif lead.status == LeadStatus.INVALID:
        lead.closed_reason = "空号或号码错误"
    elif lead.status == LeadStatus.WON:
        lead.closed_reason = f"已签约{lead.product}"
    if lead.channel in (Channel.WEB_FORM, Channel.ADVERTISING) and rng.random() < 0.5:
        lead.notes = f"表单留言：想了解{lead.product}的价格和开通时间"


def schedule_followups(
    rng: random.Random, now: dt.datetime, plans: list[LeadPlan], agents_of: dict[int, list[Member]]
) -> None:
    """Give every open worked lead a next follow-up: overdue, due today or later.

    Per agent, so each one's worklist has all three; the first lead of each is due within
    the hour (the reminder job's first notifications), and agent01 gets a handful more.
    """
    end_of_today = timezone.localtime(now).replace(hour=23, minute=59, second=0, microsecond=0)
    by_agent: dict[int, list[Lead]] = {}
    for plan in plans:
        lead = plan.lead
        worked = lead.status != LeadStatus.NEW or plan.touches
        if lead.owner_id is not None and lead.is_open and worked:
            by_agent.setdefault(lead.owner_id, []).append(lead)
    for leads in by_agent.values():
        for position, lead in enumerate(leads):
            kinds = ("hour", "overdue", "today")
            if position < len(kinds):
                kind = kinds[position]
            else:
                kind = rng.choices(["overdue", "today", "later"], [3, 3, 4])[0]
            lead.next_followup_at = _due(rng, now, end_of_today, kind, lead.last_contact_at)
    demo_agent = next(
        (a for agents in agents_of.values() for a in agents if a.user.username == "agent01"),
        None,
    )
    if demo_agent is not None:
        for index, lead in enumerate(by_agent.get(demo_agent.user_id, [])[:8]):
            kind = "hour" if index < 2 else "today"
            lead.next_followup_at = _due(rng, now, end_of_today, kind, lead.last_contact_at)


def _due(
    rng: random.Random,
    now: dt.datetime,
    end_of_today: dt.datetime,
    kind: str,
    last_contact: dt.datetime | None,
) -> dt.datetime:
    if kind == "hour":
        return now + dt.timedelta(minutes=rng.randint(5, 55))
    if kind == "overdue":  # set at the last contact, for some time since then
        earliest = (last_contact or now - dt.timedelta(days=2)) + dt.timedelta(hours=1)
        minutes = int((now - earliest).total_seconds() // 60) - 10
        if minutes <= 0:
            return now - dt.timedelta(minutes=5)
        return earliest + dt.timedelta(minutes=rng.randint(0, min(minutes, 3 * 24 * 60)))
    if kind == "today":  # in office hours when some are left today, else this evening
        local = timezone.localtime(now)
        start = max(now + dt.timedelta(hours=1), local.replace(hour=9, minute=0))
        closes = local.replace(hour=18, minute=0)
        end = closes if start < closes else end_of_today
        if start >= end:  # late in the evening: in what is left of today
            start = now + dt.timedelta(minutes=1)
        minutes = max(0, int((end - start).total_seconds() // 60))
        return start + dt.timedelta(minutes=rng.randint(0, minutes))
    return _work_time(rng, now, -rng.randint(1, 6))


def _work_time(rng: random.Random, now: dt.datetime, days_ago: int) -> dt.datetime:
    """A time in office hours (9:00–18:00 local) `days_ago` days back, never in the future."""
    local = timezone.localtime(now)
    day = local.date() - dt.timedelta(days=days_ago)
    at = timezone.make_aware(
        dt.datetime.combine(day, dt.time(rng.randint(9, 17), rng.randint(0, 59))),
        local.tzinfo,
    )
    if days_ago >= 0 and at > now:
        at -= dt.timedelta(days=1)
    return at
