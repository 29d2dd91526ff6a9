"""The setting of the demo leads: who takes leads, how they are routed, the campaigns,
the phone numbers."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from crm.demo import REGIONS
from crm.models import Member, MemberStatus, Role, Team

from ..models import Campaign, LeadPolicy, RoutingRule, TeamLeadSettings
from .vocabulary import CAMPAIGNS, MOBILE_PREFIXES


def active_agents(teams: list[Team]) -> dict[int, list[Member]]:
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


def write_routing(teams: list[Team], rng: random.Random):
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


def write_campaigns(now: dt.datetime) -> list[Campaign]:
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


def new_phones(rng: random.Random, count: int, taken: set[str]) -> list[str]:
    """Unique valid Chinese mobiles in E.164, none already in use."""
    result: list[str] = []
    seen = set(taken)
    while len(result) < count:
        phone = f"+86{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"
        if phone not in seen:
            seen.add(phone)
            result.append(phone)
    return result


def team_for(region: str, teams: list[Team], policy: LeadPolicy) -> Team:
    for index, province in enumerate(REGIONS[: len(teams)]):
        if region.startswith(province):
            return teams[index]
    return policy.default_team or teams[0]
