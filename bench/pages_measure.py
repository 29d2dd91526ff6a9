"""The pages issue 21 found unmeasured: team leads (a manager's, the biggest team's, a
head's), the pool, a lead with a long history, and the service lists; and the calling
floor's wallboard (a manager's team, a head's 40 teams, and the snapshot of all teams
computed cold, as the first viewer after it expired pays it).

Targets are that issue's: agent pages ≤ 30 ms, manager pages ≤ 50 ms, head pages ≤ 80 ms;
the wallboard's: a 12-agent team ≤ 50 ms, a head over 40 teams ≤ 150 ms.
The biggest team and the longest history are looked up once per run (one grouped count
over the leads or the follow-ups: a second or so at 1M leads, outside the timing).
"""

from __future__ import annotations

import functools

from django.contrib.auth import get_user_model
from django.db.models import Count
from django.urls import reverse

from crm.models import Team
from customers.models import Contact, Customer
from customers.services.merging import customers_merge
from customers.services.tiers import tiers_recompute
from leads.models import FollowUp, Lead

from .leads_measure import lead_agent, lead_manager
from .measure import ADMIN, CENTER_HEAD, DIVISION_HEAD, Job, Measurement, NotAvailable
from .orders_measure import page

# The channel report over the whole year of the bench's leads (1M at the large size),
# read from the daily table the beat keeps (`performance.ChannelDay`).
_YEAR = "?start={start}&end={end}&by={by}"


def channel_report(by: str):
    def path() -> str:
        from django.utils import timezone

        end = timezone.localdate()
        start = end.replace(year=end.year - 1)
        return reverse("performance:channels") + _YEAR.format(start=start, end=end, by=by)

    return path


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


def _all_teams() -> list[int]:
    ids = list(Team.objects.filter(is_active=True).values_list("pk", flat=True))
    if not ids:
        raise NotAvailable("no team")
    return ids


def _snapshots_cold(team_ids: list[int]) -> str:
    from django.utils import timezone

    from performance.selectors.wallboard import compute_snapshots

    snaps = compute_snapshots(team_ids, now=timezone.now())
    agents = sum(len(s["agents"]) for s in snaps.values())
    return f"{len(snaps)} teams, {agents} agents"


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
    # Receivables aging (账龄) from the partial index of open installments: ≤ 150 ms a head.
    Measurement("receivables / center head", page("orders:receivables"), CENTER_HEAD, 150),
    Measurement("receivables / division head", page("orders:receivables"), DIVISION_HEAD, 150),
    Measurement(
        "receivables per team / center head",
        page("orders:receivables", "?by=team"),
        CENTER_HEAD,
        target_ms=150,
    ),
    Measurement("receivables / team manager", page("orders:receivables"), lead_manager, 50),
    Measurement("api receivables / center head", "/api/receivables/", CENTER_HEAD, 150),
    # The channel report over a year of leads: ≤ 300 ms.
    Measurement("channel report, year / admin", channel_report("channel"), ADMIN, 300),
    Measurement("campaign report, year / admin", channel_report("campaign"), ADMIN, 300),
    Measurement("channel report, year / center head", channel_report("channel"), CENTER_HEAD, 300),
    Measurement(
        "service tickets / team manager",
        page("aftersales:ticket_list"),
        lead_manager,
        target_ms=50,
    ),
    Measurement(
        "wallboard / team manager", page("performance:wallboard"), lead_manager, target_ms=50
    ),
    Measurement("wallboard / center head", page("performance:wallboard"), CENTER_HEAD, 150),
    Measurement(
        "wallboard live fragment / center head",
        page("performance:wallboard_live"),
        CENTER_HEAD,
        target_ms=150,
    ),
    Job(
        "wallboard snapshot of every team, cold",
        _all_teams,
        _snapshots_cold,
        target_s=0.15,
    ),
]


# --- customers (the customers issue): page ≤ 50 ms, search by phone ≤ 10 ms, merge of
# 1,000 leads and orders ≤ 2 s, the nightly tier recompute ≤ 60 s -----------------------


@functools.cache
def _biggest_customer() -> tuple[int, int]:
    """The customer with the most leads (the generator gives one 40 leads with the most
    follow-ups of their owner: its history has 200 events and more), and its owner."""
    row = (
        Lead.objects.filter(customer__isnull=False)
        .values("customer")
        .annotate(n=Count("*"))
        .order_by("-n", "customer")
        .first()
    )
    if row is None:
        raise NotAvailable("no customers: generate the customers step first")
    owner_id = Customer.objects.filter(pk=row["customer"]).values_list("owner", flat=True).get()
    if owner_id is None:
        raise NotAvailable("the biggest customer has no owner")
    return row["customer"], owner_id


def customer_page_path() -> str:
    return reverse("customers:detail", args=[_biggest_customer()[0]])


def biggest_customer_owner():
    return get_user_model().objects.get(pk=_biggest_customer()[1])


biggest_customer_owner.__name__ = "owner of the customer with the most leads"


def customer_phone_search_path() -> str:
    """A customer's phone, typed as a person would (`138 0013 8000`)."""
    value = (
        Contact.objects.filter(kind="phone", value__startswith="+861")
        .order_by("-pk")
        .values_list("value", flat=True)
        .first()
    )
    if value is None:
        raise NotAvailable("no customer has a mobile number")
    national = value[3:]
    return f"{reverse('customers:list')}?q={national[:3]}+{national[3:7]}+{national[7:]}"


def _merge_prepare():
    """Two customers holding 1,000 leads between them (moved onto them, rolled back after)
    with their orders."""
    pair = list(Customer.objects.order_by("pk").values_list("pk", flat=True)[:2])
    if len(pair) < 2:
        raise NotAvailable("fewer than two customers")
    ids = list(
        Lead.objects.filter(orders__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)
        .distinct()[:1000]
    )
    Lead.objects.filter(pk__in=ids[:500]).update(customer_id=pair[0])
    Lead.objects.filter(pk__in=ids[500:]).update(customer_id=pair[1])
    return Customer.objects.get(pk=pair[0]), Customer.objects.get(pk=pair[1]), ADMIN()


def _merge(prepared) -> str:
    winner, loser, by = prepared
    merge = customers_merge(winner=winner, loser=loser, by=by)
    return ", ".join(f"{kind} {len(ids):,}" for kind, ids in merge.moved.items())


def _tiers_prepare():
    if not Customer.objects.exists():
        raise NotAvailable("no customers")
    # Forget the figures so the recompute writes every customer (the worst night).
    Customer.objects.update(tier=None, order_count=0, money_total=0, last_order_at=None)
    return tiers_recompute


def _tiers(recompute) -> str:
    return f"{recompute():,} customers changed"


MEASUREMENTS += [
    Measurement(
        "customer page, most leads / owner", customer_page_path, biggest_customer_owner, 50
    ),
    Measurement("customer search by phone / admin", customer_phone_search_path, ADMIN, 10),
    Job("job: merge two customers holding 1,000 leads", _merge_prepare, _merge, target_s=2),
    Job("job: nightly tier recompute", _tiers_prepare, _tiers, target_s=60),
]
