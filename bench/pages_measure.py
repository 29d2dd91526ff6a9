"""The pages issue 21 found unmeasured: team leads (a manager's, the biggest team's, a
head's), the pool, a lead with a long history, and the service lists; and the calling
floor's next lead (issue 17: picking it ≤ 20 ms server time).

Targets are that issue's: agent pages ≤ 30 ms, manager pages ≤ 50 ms, head pages ≤ 80 ms.
The biggest team and the longest history are looked up once per run (one grouped count
over the leads or the follow-ups: a second or so at 1M leads, outside the timing).
"""

from __future__ import annotations

import functools

from django.db.models import Count
from django.urls import reverse

from crm.models import Team
from leads.models import FollowUp, Lead

from .leads_measure import lead_agent, lead_manager
from .measure import CENTER_HEAD, DIVISION_HEAD, Job, Measurement, NotAvailable
from .orders_measure import page


@functools.cache
def _biggest_team() -> Team:
    row = (
        Lead.objects.filter(team__isnull=False)
        .values("team")
        .annotate(n=Count("*"))
        .order_by("-n")
        .first()
    )
    if row is None:
        raise NotAvailable("no lead has a team")
    return Team.objects.select_related("manager").get(pk=row["team"])


def biggest_team_manager():
    team = _biggest_team()
    if team.manager is None:
        raise NotAvailable(f"team {team} has no manager")
    return team.manager


biggest_team_manager.__name__ = "manager of the team with the most leads"


@functools.cache
def _longest_history_lead() -> int:
    """The first lead owner's lead with the most follow-ups."""
    row = (
        FollowUp.objects.filter(lead__owner=lead_agent())
        .values("lead")
        .annotate(n=Count("*"))
        .order_by("-n", "lead")
        .first()
    )
    if row is None:
        raise NotAvailable("the agent's leads have no follow-ups")
    return row["lead"]


def long_history_path() -> str:
    return reverse("leads:detail", args=[_longest_history_lead()])


def _dialer_agent():
    """The first lead owner, holding nothing: the next lead is picked afresh."""
    from calling.services import dialer

    agent = lead_agent()
    dialer.session_stop(agent=agent)
    return agent


def _pick_next_lead(agent) -> str:
    """Take the next lead the way "save & next" does (candidates in worklist order, the
    calling rules, the lease claimed in one statement)."""
    from calling.services import dialer

    preview = dialer.lead_take_next(agent=agent)
    return f"lead {preview.lead.pk} ({preview.section})" if preview else "nothing to call"


MEASUREMENTS: list[Measurement | Job] = [
    # The session asks for the lead to call now; the first request picks and holds it, the
    # next ones renew the hold (the page's own reads).
    Measurement(
        "dialer: next lead (API) / agent",
        page("calling-session-next"),
        lead_agent,
        target_ms=20,
    ),
    Job("job: dialer picks the next lead / agent", _dialer_agent, _pick_next_lead, target_s=0.02),
    Measurement("team leads / team manager", page("leads:team"), lead_manager, target_ms=50),
    Measurement(
        "team leads / manager of the biggest team",
        page("leads:team"),
        biggest_team_manager,
        target_ms=50,
    ),
    Measurement("team leads / division head", page("leads:team"), DIVISION_HEAD, target_ms=80),
    Measurement("team leads / center head", page("leads:team"), CENTER_HEAD, target_ms=80),
    Measurement("public pool / agent", page("leads:pool"), lead_agent, target_ms=30),
    Measurement("public pool / team manager", page("leads:pool"), lead_manager, target_ms=50),
    Measurement("lead page, longest history / agent", long_history_path, lead_agent, 30),
    Measurement("revisits / agent", page("aftersales:revisit_list"), lead_agent, target_ms=30),
    Measurement(
        "revisits / team manager", page("aftersales:revisit_list"), lead_manager, target_ms=50
    ),
    Measurement("service tickets / agent", page("aftersales:ticket_list"), lead_agent, 30),
    Measurement(
        "service tickets / team manager",
        page("aftersales:ticket_list"),
        lead_manager,
        target_ms=50,
    ),
]
