"""The leads of the demo center that `make run` seeds: a working day, visible at first sign-in.

About 3,000 leads in every state, spread over the five teams by region (one routing rule
per team) and the public pool, with the follow-ups, calls and assignments that explain
each lead's state. Every open lead an agent works has a next follow-up time, and each
active agent has some overdue, some due today (a few within the hour, so the reminder job
fires soon after `make run`) and some later, so the worklist is never empty.

The data respects what the background jobs will do to it as soon as `make run` starts
them: no open lead has gone longer than the reclaim limit without a follow-up (the first
sweep would empty the worklists; a few are close, so it has warnings to send), and every
lead in the pool has the assignment history that put it there and is not new without a
team, which the assignment sweep would take for a fresh arrival and hand out again.

Rows are written with `bulk_create` (a few seconds on SQLite) and keep the models'
invariants by construction: one lead per E.164 phone, owned leads have `assigned_at` and
belong to the owner's team, owners are agents who take leads (active, onboarded).
Deterministic: the same seed gives the same center.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from crm import demo_steps
from crm.demo import PRODUCTS, REGIONS, SURNAMES, TEAM_NAMES, chinese_names
from crm.models import Member, MemberStatus, Role, Team
from risk.models import DoNotCall

from . import demo_risk
from .models import (
    Assignment,
    Call,
    Campaign,
    Channel,
    Disposition,
    FollowUp,
    FollowUpChannel,
    Intent,
    Lead,
    LeadEvent,
    LeadPolicy,
    LeadSource,
    LeadStatus,
    RoutingRule,
    ScoringRule,
    TeamLeadSettings,
)
from .services import capture
from .services.followups import DEFAULT_DISPOSITION_RULES
from .services.routing import assignments_insert
from .states import can_move

LEADS = 3000
POOL_SHARE = 0.10
# Mobile prefixes libphonenumber accepts for every number behind them (checked in tests).
MOBILE_PREFIXES = (*range(130, 140), 150, 151, 152, 153, 155, 156, 157, 158, 159, *range(180, 190))

CAMPAIGNS = [
    ("2026秋季企业宽带推广", Channel.ADVERTISING, "企业宽带"),
    ("云服务器官网咨询表单", Channel.WEB_FORM, "云服务器"),
    ("抖音财税代账直播间", Channel.SOCIAL, "财税代账"),
    ("老客户转介绍计划", Channel.REFERRAL, ""),
    ("长三角工商名录外呼", Channel.MARKET_LIST, ""),
    ("商标注册搜索推广", Channel.ADVERTISING, "商标注册"),
]
# Province (as routing rules match it) → cities or districts; the demo teams cover the first
# five (crm.demo.REGIONS), the rest go to the default team.
CITIES = {
    "上海": ["浦东新区", "闵行区", "徐汇区", "静安区", "嘉定区", "松江区"],
    "江苏": ["南京", "苏州", "无锡", "常州", "南通"],
    "浙江": ["杭州", "宁波", "温州", "嘉兴", "绍兴", "金华"],
    "广东": ["广州", "深圳", "东莞", "佛山", "珠海"],
    "福建": ["福州", "厦门", "泉州", "漳州"],
    "北京": ["朝阳区", "海淀区"],
    "四川": ["成都", "绵阳"],
    "湖北": ["武汉", "宜昌"],
}
REGION_WEIGHTS = [20, 20, 18, 20, 14, 3, 3, 2]
BRANDS = [
    "恒信",
    "华辰",
    "德润",
    "鼎盛",
    "嘉禾",
    "瑞丰",
    "云帆",
    "启航",
    "博远",
    "金桥",
    "汇通",
    "宏达",
    "安泰",
    "明创",
    "联创",
    "锦程",
    "润泽",
    "天合",
    "新元",
    "卓越",
    "盛世",
    "远航",
    "星河",
    "同创",
    "海纳",
    "乐家",
    "百川",
    "正和",
    "永辉",
    "信达",
]
INDUSTRIES = [
    "科技",
    "贸易",
    "餐饮管理",
    "建材",
    "电子商务",
    "文化传媒",
    "物流",
    "教育咨询",
    "服装",
    "机械设备",
    "医疗器械",
    "装饰工程",
    "网络科技",
    "食品",
    "家居",
]
COMPANY_SUFFIXES = ["有限公司"] * 6 + ["股份有限公司", "工作室", "商行"]
TIMELINES = ["本周内", "本月内", "一个月内", "三个月内", "年底前", "暂不确定"]
BUDGETS = {
    "企业宽带": (3_000, 30_000),
    "云服务器": (5_000, 200_000),
    "财税代账": (2_400, 12_000),
    "商标注册": (1_000, 5_000),
}
# Share of owned leads per status; the pool holds open leads only.
STATUS_WEIGHTS = {
    LeadStatus.NEW: 22,
    LeadStatus.CONTACTED: 30,
    LeadStatus.INTERESTED: 16,
    LeadStatus.WON: 10,
    LeadStatus.LOST: 14,
    LeadStatus.INVALID: 8,
}
LOST_REASONS = ["预算不足", "已选择其他服务商", "暂无需求", "价格高于预期", "项目取消"]
NOTES = {
    Disposition.REACHED: [
        "已接通，客户了解{product}的基本情况，介绍了资费和开通流程。",
        "客户正在开会，简单介绍了{product}，约好改天细聊。",
        "联系上负责人，目前在用其他家的服务，合同快到期了，可以再跟。",
    ],
    Disposition.NO_ANSWER: ["无人接听。", "响铃无人接，稍后再拨。", "未接通，已发短信说明来意。"],
    Disposition.BUSY: ["占线。", "客户正忙，说稍后回电。"],
    Disposition.CALL_BACK: [
        "客户在外地出差，要求下周再联系。",
        "客户说要和老板商量一下，约好再回电。",
        "客户在开车，不方便接听，约下午再打。",
    ],
    Disposition.INTERESTED: [
        "客户对{product}很感兴趣，索要报价单，已通过微信发送。",
        "确认需求：{product}，预算约{budget}元，{timeline}上线。",
        "客户比较了两家方案，倾向我们，等待内部审批。",
    ],
    Disposition.WON: [
        "客户确认签约{product}，合同已发出，等待付款。",
        "已成交，客户付款完成，转交付部门开通。",
    ],
    Disposition.NOT_INTERESTED: ["客户表示暂时不需要。", "客户已有合作服务商，不考虑更换。"],
    Disposition.LOST: ["客户选择了其他服务商，主要是价格因素。", "预算取消，项目暂停。"],
    Disposition.WRONG_NUMBER: ["空号。", "号码有误，对方说不认识这家公司。"],
    Disposition.DO_NOT_CALL: ["客户明确要求不要再来电，已加入免打扰名单。"],
}
WRITTEN_NOTES = {
    FollowUpChannel.WECHAT: "已通过微信发送{product}的产品资料和报价。",
    FollowUpChannel.SMS: "短信发送了本月{product}优惠活动信息。",
    FollowUpChannel.EMAIL: "邮件发送报价单和合同模板。",
}
CALL_SECONDS = {
    Disposition.REACHED: (60, 600),
    Disposition.CALL_BACK: (20, 90),
    Disposition.INTERESTED: (180, 1200),
    Disposition.WON: (300, 1500),
    Disposition.NOT_INTERESTED: (20, 90),
    Disposition.LOST: (60, 300),
    Disposition.WRONG_NUMBER: (5, 30),
    Disposition.DO_NOT_CALL: (15, 60),
}
STRATEGY_LABELS = {
    TeamLeadSettings.Strategy.ROUND_ROBIN: "轮流分配",
    TeamLeadSettings.Strategy.LEAST_LOADED: "最少负载",
}


def is_seeded() -> bool:
    """The demo campaigns mark the seed; leads entered by hand do not count."""
    return Campaign.objects.filter(name=CAMPAIGNS[0][0]).exists()


@dataclass
class _Touch:
    disposition: str
    channel: str
    at: dt.datetime


@dataclass
class _Plan:
    """A lead to be, with the history that explains its state."""

    lead: Lead
    agent: Member | None = None  # the owner, or the last owner of a lead now in the pool
    touches: list[_Touch] = field(default_factory=list)
    pool_kind: str = ""  # how it reached the pool: reclaim, release or return


@transaction.atomic
def seed(*, seed: int = 2026) -> dict[str, int]:
    rng = random.Random(seed)
    now = timezone.now()
    teams = list(Team.objects.filter(name__in=TEAM_NAMES).order_by("pk"))
    if not teams:
        raise LookupError("seed the demo center (crm.demo.seed) before its leads")
    agents_of = _active_agents(teams)
    policy = LeadPolicy.current()
    policy.default_team = teams[0]
    policy.save()
    rules, settings_of = _routing(teams, rng)
    campaigns = _campaigns(now)

    taken = set(Lead.objects.values_list("phone", flat=True))
    taken |= set(DoNotCall.objects.values_list("phone", flat=True))
    phones = _phones(rng, LEADS + 10, taken)
    names = chinese_names(rng, LEADS)
    plans = []
    for index in range(LEADS):
        plan = _plan_lead(rng, now, phones[index], names[index], campaigns)
        team = _team_for(plan.lead.region, teams, policy)
        if rng.random() < POOL_SHARE or not agents_of.get(team.pk):
            _to_pool(rng, now, plan, team, agents_of)
        else:
            _to_owner(rng, now, plan, team, agents_of[team.pk])
        plans.append(plan)
    _schedule_followups(rng, now, plans, agents_of)
    # Two customers asked, on the last call, never to be called again.
    for plan in [p for p in plans if p.lead.status == LeadStatus.LOST and p.touches][:2]:
        plan.touches[-1].disposition = Disposition.DO_NOT_CALL
        plan.lead.closed_reason = "客户要求不再来电"

    _score([p.lead for p in plans])
    Lead.objects.bulk_create([p.lead for p in plans], batch_size=500)
    sources = _sources(rng, plans)
    calls, followups = _followups(rng, plans)
    status_moves = _status_events(plans)
    assignments = _assignments(now, plans, rules, settings_of)
    dnc = _do_not_call(rng, now, plans, phones[LEADS:])
    return {
        "campaigns": len(campaigns),
        "leads": len(plans),
        "pool": sum(1 for p in plans if p.lead.owner_id is None),
        "sources": sources,
        "followups": followups,
        "calls": calls,
        "status_moves": status_moves,
        "assignments": assignments,
        "do_not_call": dnc,
    }


# --- the setting: who takes leads, how they are routed, the campaigns ---------------------


def _active_agents(teams: list[Team]) -> dict[int, list[Member]]:
    members = (
        Member.objects.filter(team__in=teams, role=Role.AGENT, status=MemberStatus.ACTIVE)
        .select_related("user")
        .order_by("employee_no")
    )
    agents_of: dict[int, list[Member]] = {}
    for member in members:
        if member.takes_leads and member.user.is_active:
            agents_of.setdefault(member.team_id, []).append(member)
    return agents_of


def _routing(teams: list[Team], rng: random.Random):
    """One rule per team by region (crm.demo gives team i the region REGIONS[i])."""
    rules: dict[int, RoutingRule] = {}
    settings_of: dict[int, TeamLeadSettings] = {}
    for index, team in enumerate(teams):
        region = REGIONS[index % len(REGIONS)]
        rules[team.pk], _created = RoutingRule.objects.get_or_create(
            team=team,
            region=region,
            defaults={"name": f"{region}线索 → {team.name}", "order": 10 * (index + 1)},
        )
        strategy = (
            TeamLeadSettings.Strategy.ROUND_ROBIN
            if index % 2
            else TeamLeadSettings.Strategy.LEAST_LOADED
        )
        settings_of[team.pk], _created = TeamLeadSettings.objects.get_or_create(
            team=team,
            defaults={"strategy": strategy, "reclaim_after_days": 10 if index == 2 else None},
        )
    return rules, settings_of


def _campaigns(now: dt.datetime) -> list[Campaign]:
    today = timezone.localdate(now)
    return Campaign.objects.bulk_create(
        [
            Campaign(
                name=name,
                channel=channel,
                starts_on=today - dt.timedelta(days=60 - 8 * index),
                ends_on=today + dt.timedelta(days=30 + 10 * index) if index != 4 else None,
            )
            for index, (name, channel, _product) in enumerate(CAMPAIGNS)
        ]
    )


def _phones(rng: random.Random, count: int, taken: set[str]) -> list[str]:
    """Unique valid Chinese mobiles in E.164, none already in use."""
    result: list[str] = []
    seen = set(taken)
    while len(result) < count:
        phone = f"+86{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"
        if phone not in seen:
            seen.add(phone)
            result.append(phone)
    return result


def _team_for(region: str, teams: list[Team], policy: LeadPolicy) -> Team:
    for index, province in enumerate(REGIONS[: len(teams)]):
        if region.startswith(province):
            return teams[index]
    return policy.default_team or teams[0]


# --- one lead: who they are and where they stand ------------------------------------------


def _plan_lead(
    rng: random.Random, now: dt.datetime, phone: str, name: str, campaigns: list[Campaign]
) -> _Plan:
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
    return _Plan(lead=lead)


def _to_owner(
    rng: random.Random, now: dt.datetime, plan: _Plan, team: Team, agents: list[Member]
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


def _to_pool(
    rng: random.Random,
    now: dt.datetime,
    plan: _Plan,
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
) -> list[_Touch]:
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
        touches.append(_Touch(disposition, channel, at))
        previous = at
    return touches


def _apply_story(rng: random.Random, plan: _Plan) -> None:
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


def _schedule_followups(
    rng: random.Random, now: dt.datetime, plans: list[_Plan], agents_of: dict[int, list[Member]]
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


# --- the rows behind each lead ------------------------------------------------------------


def _score(leads: list[Lead]) -> None:
    """Score with the capture service's model, loaded once for all the leads."""
    capture.scoring_rules_install_defaults()
    rules = list(ScoringRule.objects.filter(is_active=True).order_by("kind", "value", "pk"))
    policy = LeadPolicy.current()
    for lead in leads:
        lead.score, lead.grade, lead.score_details = capture.lead_score(
            lead, rules=rules, policy=policy
        )


def _sources(rng: random.Random, plans: list[_Plan]) -> int:
    """Each lead's first capture; a few were captured again later (duplicates)."""
    rows = []
    for plan in plans:
        lead = plan.lead
        rows.append(
            LeadSource(
                lead=lead,
                channel=lead.channel,
                campaign=lead.campaign,
                payload={"name": lead.name, "phone": lead.phone[3:], "region": lead.region},
                received_at=lead.created_at,
            )
        )
        if rng.random() < 0.04:
            rows.append(
                LeadSource(
                    lead=lead,
                    channel=Channel.WEB_FORM,
                    is_duplicate=True,
                    payload={"name": lead.name, "phone": f"+86 {lead.phone[3:]}"},
                    received_at=lead.created_at + dt.timedelta(days=rng.randint(1, 3)),
                )
            )
    LeadSource.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def _status_events(plans: list[_Plan]) -> int:
    """Each worked lead's status moves, replayed from its follow-ups along the table as
    `lead_move` would have written them; bulk-created with the rest of the history. A
    lead whose replay does not end at its status (a story the rules would not tell) gets
    none."""
    events = []
    for plan in plans:
        if plan.agent is None:
            continue
        status, moves = LeadStatus.NEW, []
        for touch in plan.touches:
            to = DEFAULT_DISPOSITION_RULES.get(touch.disposition, {}).get("set_status")
            if to and can_move(status, to):
                moves.append(
                    LeadEvent(
                        lead=plan.lead,
                        at=touch.at,
                        by=plan.agent.user,
                        from_status=status,
                        to_status=to,
                        why=str(Disposition(touch.disposition).label),
                        source=LeadEvent.Source.DISPOSITION,
                    )
                )
                status = to
        if status == plan.lead.status:
            events += moves
    LeadEvent.objects.bulk_create(events, batch_size=1000)
    return len(events)


def _followups(rng: random.Random, plans: list[_Plan]) -> tuple[int, int]:
    """Follow-ups by the (last) owner, and a call behind each phone follow-up."""
    pairs: list[tuple[FollowUp, Call | None]] = []
    for plan in plans:
        lead, agent = plan.lead, plan.agent
        if agent is None:
            continue
        for index, touch in enumerate(plan.touches):
            is_last = index == len(plan.touches) - 1
            next_at = lead.next_followup_at if is_last else plan.touches[index + 1].at
            if touch.disposition in (
                Disposition.WON,
                Disposition.LOST,
                Disposition.NOT_INTERESTED,
                Disposition.WRONG_NUMBER,
                Disposition.DO_NOT_CALL,
            ):
                next_at = None
            interested = touch.disposition in (Disposition.INTERESTED, Disposition.WON)
            budget = f"{lead.budget:,.0f}" if lead.budget else "若干"
            template = (
                WRITTEN_NOTES[touch.channel]
                if touch.channel != FollowUpChannel.PHONE
                else rng.choice(NOTES[touch.disposition])
            )
            followup = FollowUp(
                lead=lead,
                agent=agent.user,
                channel=touch.channel,
                disposition=touch.disposition,
                notes=template.format(
                    product=lead.product, budget=budget, timeline=lead.timeline or "尽快"
                ),
                product=lead.product if touch.disposition != Disposition.NO_ANSWER else "",
                budget=lead.budget if interested else None,
                timeline=lead.timeline if interested else "",
                next_followup_at=next_at,
                created_at=touch.at,
            )
            call = None
            if touch.channel == FollowUpChannel.PHONE:
                low, high = CALL_SECONDS.get(touch.disposition, (0, 0))
                seconds = rng.randint(low, high) if high else 0
                call = Call(
                    lead=lead,
                    agent=agent.user,
                    direction=Call.Direction.OUTBOUND,
                    caller=agent.extension,
                    callee=lead.phone,
                    extension=agent.extension,
                    started_at=touch.at - dt.timedelta(seconds=seconds + rng.randint(5, 25)),
                    duration_seconds=seconds,
                    source="manual",
                    created_at=touch.at,
                )
            pairs.append((followup, call))
    calls = Call.objects.bulk_create([c for _f, c in pairs if c is not None], batch_size=1000)
    for followup, call in pairs:
        followup.call = call
    FollowUp.objects.bulk_create([f for f, _c in pairs], batch_size=1000)
    return len(calls), len(pairs)


_ASSIGNMENT_COLUMNS = (
    "lead_id", "kind", "from_user_id", "to_user_id", "team_id", "rule_id", "reason", "by_id", "at"
)  # fmt: skip


def _assignments(
    now: dt.datetime,
    plans: list[_Plan],
    rules: dict[int, RoutingRule],
    settings_of: dict[int, TeamLeadSettings],
) -> int:
    """Why each lead is where it is: the rule that routed it, and how it left its owner."""
    rows = []
    for plan in plans:
        lead, agent = plan.lead, plan.agent
        if agent is None:
            continue
        team_id = agent.team_id
        rule = rules.get(team_id)
        matched = rule is not None and rule.region in lead.region
        strategy = STRATEGY_LABELS[settings_of[team_id].strategy]
        who = f"组内{strategy}分配给{agent.display_name}"
        if matched:
            reason = f"规则「{rule.name}」匹配地区「{lead.region}」；{who}"
        else:
            reason = f"地区「{lead.region}」无匹配规则，进入默认团队；{who}"
        assigned_at = lead.assigned_at or lead.created_at + dt.timedelta(minutes=1)
        rows.append(
            (
                lead.pk,
                Assignment.Kind.AUTO,
                None,
                agent.user_id,
                team_id,
                rule.pk if matched else None,
                reason,
                None,
                assigned_at,
            )
        )
        if plan.pool_kind:
            last = lead.last_contact_at or assigned_at
            reasons = {
                Assignment.Kind.RECLAIM: (7, "超过7天未跟进，自动回收到团队公海"),
                Assignment.Kind.RELEASE: (0, "客户暂无需求，半年后再联系，释放到公海"),
                Assignment.Kind.RETURN: (0, "连续3次未接通，按规则退回公海"),
            }
            days, text = reasons[plan.pool_kind]
            rows.append(
                (
                    lead.pk,
                    plan.pool_kind,
                    agent.user_id,
                    None,
                    lead.team_id,
                    None,
                    text,
                    agent.user_id if plan.pool_kind == Assignment.Kind.RELEASE else None,
                    min(now, last + dt.timedelta(days=days, minutes=5)),
                )
            )
    assignments_insert(_ASSIGNMENT_COLUMNS, rows)
    return len(rows)


def _do_not_call(
    rng: random.Random, now: dt.datetime, plans: list[_Plan], spare_phones: list[str]
) -> int:
    """A few numbers from the regulator's list, and two customers who asked on the phone."""
    rows = [
        DoNotCall(
            phone=phone,
            reason="工信部骚扰电话投诉名单",
            source=DoNotCall.Source.REGULATOR,
            added_at=now - dt.timedelta(days=rng.randint(10, 60)),
        )
        for phone in spare_phones[:5]
    ]
    asked = [p for p in plans if p.touches and p.touches[-1].disposition == Disposition.DO_NOT_CALL]
    rows += [
        DoNotCall(
            phone=plan.lead.phone,
            reason="客户要求不再来电",
            source=DoNotCall.Source.CUSTOMER,
            added_by=plan.agent.user,
            added_at=plan.touches[-1].at,
        )
        for plan in asked
    ]
    DoNotCall.objects.bulk_create(rows)
    return len(rows)


demo_steps.register(
    "leads",
    demo_steps.DemoStep(
        order=10,
        seed=seed,
        is_seeded=is_seeded,
        created="Demo leads created: {summary}",
        present="Demo leads already present; nothing to do.",
    ),
)
# Calling hours, attempt caps and a week of reveals and exports on the demo leads.
demo_steps.register(
    "risk",
    demo_steps.DemoStep(
        order=30, seed=demo_risk.seed, created="Demo risk controls: {summary}"
    ),  # idempotent: adds only what is missing
)
