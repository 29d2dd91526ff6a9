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

Rows are written with `bulk_create` and keep the models'
invariants by construction: one lead per E.164 phone, owned leads have `assigned_at` and
belong to the owner's team, owners are agents who take leads (active, onboarded).
Deterministic: the same seed gives the same center.

The package: the vocabulary (`vocabulary`), the setting (`setting`), one lead's story
(`stories`) and the rows behind the leads (`rows`); `seed()` puts them together.
"""

from __future__ import annotations

import random

from django.db import transaction
from django.utils import timezone

from crm import demo_steps
from crm.demo import TEAM_NAMES, chinese_names
from crm.models import Team
from risk.models import DoNotCall

from .. import demo_risk
from ..models import Campaign, Disposition, Lead, LeadPolicy, LeadStatus
from .rows import (
    score_leads,
    write_assignments,
    write_do_not_call,
    write_followups_and_calls,
    write_sources,
    write_status_events,
)
from .setting import active_agents, new_phones, team_for, write_campaigns, write_routing
from .stories import give_to_owner, plan_lead, put_in_pool, schedule_followups
from .vocabulary import CAMPAIGNS, LEADS, POOL_SHARE


def is_seeded() -> bool:
    """The demo campaigns mark the seed; leads entered by hand do not count."""
    return Campaign.objects.filter(name=CAMPAIGNS[0][0]).exists()


@transaction.atomic
def seed(*, seed: int = 2026) -> dict[str, int]:
    rng = random.Random(seed)
    now = timezone.now()
    teams = list(Team.objects.filter(name__in=TEAM_NAMES).order_by("pk"))
    if not teams:
        raise LookupError("seed the demo center (crm.demo.seed) before its leads")
    agents_of = active_agents(teams)
    policy = LeadPolicy.current()
    policy.default_team = teams[0]
    policy.save()
    rules, settings_of = write_routing(teams, rng)
    campaigns = write_campaigns(now)

    taken = set(Lead.objects.values_list("phone", flat=True))
    taken |= set(DoNotCall.objects.values_list("phone", flat=True))
    phones = new_phones(rng, LEADS + 10, taken)
    names = chinese_names(rng, LEADS)
    plans = []
    for index in range(LEADS):
        plan = plan_lead(rng, now, phones[index], names[index], campaigns)
        team = team_for(plan.lead.region, teams, policy)
        if rng.random() < POOL_SHARE or not agents_of.get(team.pk):
            put_in_pool(rng, now, plan, team, agents_of)
        else:
            give_to_owner(rng, now, plan, team, agents_of[team.pk])
        plans.append(plan)
    schedule_followups(rng, now, plans, agents_of)
    # Two customers asked, on the last call, never to be called again.
    for plan in [p for p in plans if p.lead.status == LeadStatus.LOST and p.touches][:2]:
        plan.touches[-1].disposition = Disposition.DO_NOT_CALL
        plan.lead.closed_reason = "客户要求不再来电"

    score_leads([p.lead for p in plans])
    Lead.objects.bulk_create([p.lead for p in plans], batch_size=500)
    sources = write_sources(rng, plans)
    calls, followups = write_followups_and_calls(rng, plans)
    status_moves = write_status_events(plans)
    assignments = write_assignments(now, plans, rules, settings_of)
    dnc = write_do_not_call(rng, now, plans, phones[LEADS:])
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
