"""The live wallboard: each agent's state and today's work, one shared snapshot per team.

A team's snapshot is computed by a handful of grouped statements, whatever the number of
agents or teams (`compute_snapshots`): the teams and their current agents (2), their open
state rows (1), today's calls/talk/follow-ups/orders/sales/occupancy from
`performance.metrics` (one `UNION ALL` on PostgreSQL), today's first time on the floor and
last call (1), leads due and new leads waiting (2) and the pause codes (1). It is kept in
Django's cache (Redis in production) and recomputed at most once every
`WALLBOARD_SNAPSHOT_SECONDS` (2 s) per team, however many people watch: a viewer who finds
it older than that takes a short lock and recomputes it; the others meanwhile get the one
they have (`snapshots`). The page polls every 2.5 s, so a change shows within 5 s.

A snapshot holds times, not durations: the page counts "time in state" forward itself.
Alerts: a pause over its code's limit; a ready agent with no call for the floor policy's
`idle_alert_minutes` (60) since the later of their last call and their first time on the
floor today.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from calling.models import AgentState, FloorPolicy, PauseCode, StateChange
from crm.api import user_name
from crm.models import Member, MemberStatus, Role, Team
from leads.models import OPEN_STATUSES, Lead, LeadStatus

from ..metrics import aggregate_all, metric_for, sum_rows
from ..models import Source
from ..periods import today_so_far

# Today's figures on the board, each one indicator of `performance.metrics`.
BOARD_SOURCES = (
    Source.CALLS,
    Source.TALK_TIME,
    Source.FOLLOWUPS,
    Source.ORDERS,
    Source.SALES_AMOUNT,
    Source.OCCUPANCY,
)
_FIGURE_KEYS = {
    Source.CALLS: "calls",
    Source.TALK_TIME: "talk_minutes",
    Source.FOLLOWUPS: "followups",
    Source.ORDERS: "orders",
    Source.SALES_AMOUNT: "sales",
    Source.OCCUPANCY: "occupancy",
}
_ADDITIVE = ("calls", "talk_minutes", "followups", "orders", "sales")
# A pause this share of its limit shows amber, over it red.
WARN_SHARE = Decimal("0.8")
_LOCK_SECONDS = 5
_KEEP_SECONDS = 60


def snapshot_seconds() -> float:
    return float(getattr(settings, "WALLBOARD_SNAPSHOT_SECONDS", 2))


def _key(team_id: int) -> str:
    return f"performance:wallboard:{team_id}"


def snapshots(team_ids, *, now: dt.datetime | None = None) -> dict[int, dict]:
    """{team id: snapshot} of these teams (the caller checked they may see them): from the
    cache when fresh, else recomputed together (one batch of statements for all stale
    teams), unless another viewer is recomputing a team already, whose last snapshot is
    then served."""
    now = now or timezone.now()
    team_ids = sorted(set(team_ids))
    held = cache.get_many([_key(t) for t in team_ids])
    result, stale = {}, []
    fresh_after = now.timestamp() - snapshot_seconds()
    for team_id in team_ids:
        found = held.get(_key(team_id))
        if found is not None and found["computed_at"] >= fresh_after:
            result[team_id] = found
        elif found is not None and not cache.add(f"{_key(team_id)}:lock", 1, _LOCK_SECONDS):
            result[team_id] = found  # someone else is recomputing it
        else:
            stale.append(team_id)
    if stale:
        computed = compute_snapshots(stale, now=now)
        cache.set_many({_key(t): snap for t, snap in computed.items()}, _KEEP_SECONDS)
        cache.delete_many([f"{_key(t)}:lock" for t in stale])
        result.update(computed)
    return result


def compute_snapshots(team_ids, *, now: dt.datetime) -> dict[int, dict]:
    """The snapshot of each team, for all of them at once (a fixed number of queries)."""
    teams = {t.pk: t for t in Team.objects.filter(pk__in=list(team_ids))}
    members = list(
        Member.objects.filter(team_id__in=list(teams), role=Role.AGENT)
        .exclude(status=MemberStatus.LEFT)
        .select_related("user")
        .order_by("user__username")
    )
    agent_ids = [m.user_id for m in members]
    policy = FloorPolicy.cached()
    codes = {c.pk: c for c in PauseCode.objects.all()}
    open_rows = {
        row.user_id: row
        for row in StateChange.objects.filter(user_id__in=agent_ids, ended_at__isnull=True)
    }
    today = today_so_far(now)
    floor = _floor_today(agent_ids, today.start)
    work = _work(agent_ids, now)
    figures = _figures(agent_ids, today)
    alert_after = dt.timedelta(minutes=policy.idle_alert_minutes)

    rows_by_team: dict[int, list[dict]] = defaultdict(list)
    for member in members:
        uid = member.user_id
        row = open_rows.get(uid)
        state = row.state if row else AgentState.OFFLINE
        code = codes.get(row.pause_code_id) if row and row.pause_code_id else None
        since = row.started_at if row else None
        first_on, last_call = floor.get(uid, (None, None))
        idle_since = max((t for t in (last_call, first_on) if t is not None), default=None)
        level, alerts = "", []
        if code is not None and code.max_minutes and since is not None:
            used = Decimal((now - since).total_seconds()) / (code.max_minutes * 60)
            if used > 1:
                level = "over"
                alerts.append("pause_over")
            elif used >= WARN_SHARE:
                level = "near"
        if state == AgentState.READY and idle_since is not None and now - idle_since >= alert_after:
            alerts.append("no_call")
            level = level or "over"
        agent = {
            "user_id": uid,
            "name": user_name(member.user),
            "state": state,
            "state_label": str(AgentState(state).label),
            "pause_code": code.code if code else None,
            "pause_label": code.label if code else None,
            "max_minutes": code.max_minutes if code else None,
            "since": since.timestamp() if since else None,
            "last_call": last_call.timestamp() if last_call else None,
            "level": level,
            "alerts": alerts,
            "leads_due": work.get(uid, (0, 0))[0],
            "leads_waiting": work.get(uid, (0, 0))[1],
            **figures.get(uid, _no_figures()),
        }
        rows_by_team[member.team_id].append(agent)

    result = {}
    for team_id, team in teams.items():
        agents = rows_by_team.get(team_id, [])
        result[team_id] = {
            "team_id": team_id,
            "team_name": team.name,
            "computed_at": now.timestamp(),
            "agents": agents,
            "totals": _totals(agents),
        }
    return result


def _floor_today(agent_ids, start: dt.datetime) -> dict[int, tuple]:
    """{agent: (first time on the floor today, last call begun today)}: one query."""
    rows = (
        StateChange.objects.filter(user_id__in=agent_ids)
        .filter(Q(started_at__gte=start) | Q(ended_at__isnull=True) | Q(ended_at__gt=start))
        .order_by()
        .values("user_id")
        .annotate(
            first_on=Min("started_at", filter=~Q(state=AgentState.OFFLINE)),
            last_call=Max("started_at", filter=Q(state=AgentState.ON_CALL)),
        )
    )
    return {
        r["user_id"]: (max(r["first_on"], start) if r["first_on"] else None, r["last_call"])
        for r in rows
    }


def _work(agent_ids, now: dt.datetime) -> dict[int, tuple[int, int]]:
    """{agent: (open leads whose follow-up is due, new leads not yet worked)}: two grouped
    counts, each a range of the (owner, status, next follow-up) index, not every open
    lead of the agents."""
    due = (
        Lead.objects.filter(
            owner_id__in=agent_ids, status__in=OPEN_STATUSES, next_followup_at__lte=now
        )
        .order_by()
        .values_list("owner_id")
        .annotate(n=Count("*"))
    )
    waiting = (
        Lead.objects.filter(owner_id__in=agent_ids, status=LeadStatus.NEW)
        .order_by()
        .values_list("owner_id")
        .annotate(n=Count("*"))
    )
    result: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for owner, n in due:
        result[owner][0] = n
    for owner, n in waiting:
        result[owner][1] = n
    return {owner: (pair[0], pair[1]) for owner, pair in result.items()}


def _no_figures() -> dict:
    return {
        "calls": 0,
        "talk_minutes": 0.0,
        "followups": 0,
        "orders": 0,
        "sales": "0.00",
        "occupancy": None,
        "_occupancy_parts": [0.0, 0.0],
    }


def _figures(agent_ids, today) -> dict[int, dict]:
    """Today's figures per agent: `performance.metrics` in one pass (no team join)."""
    if not agent_ids:
        return {}
    rows = aggregate_all(list(BOARD_SOURCES), today, agent_ids=agent_ids, by_team=False)
    result: dict[int, dict] = defaultdict(_no_figures)
    for source in BOARD_SOURCES:
        metric = metric_for(source)
        for uid, (num, den) in sum_rows(rows[source], lambda a, _t: a).items():
            value = metric.figure(num, den if metric.denominator is not None else None)
            key = _FIGURE_KEYS[source]
            figures = result[uid]
            if key in ("calls", "followups", "orders"):
                figures[key] = int(value or 0)
            elif key == "sales":
                figures[key] = str((value or Decimal(0)).quantize(Decimal("0.01")))
            elif key == "talk_minutes":
                figures[key] = float((value or Decimal(0)).quantize(Decimal("0.1")))
            else:
                figures[key] = float(value.quantize(Decimal("0.1"))) if value is not None else None
                figures["_occupancy_parts"] = [float(num), float(den or 0)]
    return dict(result)


def _totals(agents: list[dict]) -> dict:
    """The team's row: agents per state, alerts, and today's figures summed (occupancy as
    the ratio of the sums, like every ratio in `performance.metrics`)."""
    by_state = dict.fromkeys(AgentState.values, 0)
    totals: dict = {"agents": len(agents), "alerts": 0}
    sums = {key: Decimal(0) for key in _ADDITIVE}
    talk = productive = 0.0
    for agent in agents:
        by_state[agent["state"]] += 1
        totals["alerts"] += len(agent["alerts"])
        for key in _ADDITIVE:
            sums[key] += Decimal(str(agent[key]))
        talk += agent["_occupancy_parts"][0]
        productive += agent["_occupancy_parts"][1]
    totals["by_state"] = by_state
    totals["leads_due"] = sum(a["leads_due"] for a in agents)
    totals["leads_waiting"] = sum(a["leads_waiting"] for a in agents)
    totals["calls"] = int(sums["calls"])
    totals["followups"] = int(sums["followups"])
    totals["orders"] = int(sums["orders"])
    totals["talk_minutes"] = float(sums["talk_minutes"])
    totals["sales"] = str(sums["sales"].quantize(Decimal("0.01")))
    totals["occupancy"] = round(talk * 100 / productive, 1) if productive else None
    return totals
