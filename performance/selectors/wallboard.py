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
from django.db import connection
from django.db.models import BooleanField, Count, Max, Min, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from calling.models import AgentState, FloorPolicy, PauseCode, StateChange
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
    teams = dict(Team.objects.filter(pk__in=list(team_ids)).values_list("pk", "name"))
    members = list(
        Member.objects.filter(team_id__in=list(teams), role=Role.AGENT)
        .exclude(status=MemberStatus.LEFT)
        .order_by("user__username")
        .values_list("user_id", "team_id", "user__username", "user__first_name", "user__last_name")
    )
    agent_ids = [uid for uid, *_rest in members]
    policy = FloorPolicy.cached()
    codes = {c.pk: c for c in PauseCode.objects.all()}
    open_states = _open_states(agent_ids)
    today = today_so_far(now)
    floor = _floor_today(agent_ids, today.start)
    work = _work(agent_ids, now)
    figures = _figures(agent_ids, today)
    alert_after = dt.timedelta(minutes=policy.idle_alert_minutes)
    no_work = (0, 0)
    no_floor = (None, None)
    offline = (AgentState.OFFLINE, None, None)
    state_labels = {value: str(label) for value, label in AgentState.choices}

    rows_by_team: dict[int, list[dict]] = defaultdict(list)
    for uid, team_id, username, first_name, last_name in members:
        state, code_id, since = open_states.get(uid, offline)
        first_on, last_call = floor.get(uid, no_floor)
        code = codes.get(code_id) if code_id else None
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
        leads_due, leads_waiting = work.get(uid, no_work)
        agent = {
            "user_id": uid,
            # `crm.api.user_name`: the full name, else the username.
            "name": f"{first_name} {last_name}".strip() or username,
            "state": state,
            "state_label": state_labels[state],
            "pause_code": code.code if code else None,
            "pause_label": code.label if code else None,
            "max_minutes": code.max_minutes if code else None,
            "since": since.timestamp() if since else None,
            "last_call": last_call.timestamp() if last_call else None,
            "level": level,
            "alerts": alerts,
            "leads_due": leads_due,
            "leads_waiting": leads_waiting,
            **(figures.get(uid) or _no_figures()),
        }
        rows_by_team[team_id].append(agent)

    result = {}
    for team_id, team_name in teams.items():
        agents = rows_by_team.get(team_id, [])
        result[team_id] = {
            "team_id": team_id,
            "team_name": team_name,
            "computed_at": now.timestamp(),
            "agents": agents,
            "totals": _totals(agents),
        }
    return result


def _among(model, field: str, ids: list[int]):
    """`field IN ids`, on PostgreSQL as `= ANY(%s::<its type>[])` with the ids as one array
    parameter: 472 placeholders cost more to build, send and parse than some of the
    statements take to run. The array has the column's type, so the planner's estimate is
    the one of the IN list."""
    if connection.vendor != "postgresql":
        return Q(**{f"{field}__in": ids})
    column = model._meta.get_field(field)
    sql = f"{connection.ops.quote_name(column.column)} = ANY(%s::{column.db_type(connection)}[])"
    return RawSQL(sql, [list(ids)], BooleanField())  # noqa: S611 - the ids are a parameter


def _open_states(agent_ids) -> dict[int, tuple]:
    """{agent: (state, pause code id, since)} from their open state row (one each,
    `state_one_open`): one probe of that partial index per agent."""
    if not agent_ids:
        return {}
    rows = (
        StateChange.objects.filter(_among(StateChange, "user", agent_ids), ended_at__isnull=True)
        .order_by()
        .values_list("user_id", "state", "pause_code_id", "started_at")
    )
    return {uid: (state, code_id, since) for uid, state, code_id, since in rows}


def _floor_today(agent_ids, start: dt.datetime) -> dict[int, tuple]:
    """{agent: (first time on the floor today, last call begun today)}: one query."""
    if not agent_ids:
        return {}
    rows = (
        StateChange.objects.filter(_among(StateChange, "user", agent_ids))
        .filter(Q(started_at__gte=start) | Q(ended_at__isnull=True) | Q(ended_at__gt=start))
        .order_by()
        .values_list("user_id")
        .annotate(
            first_on=Min("started_at", filter=~Q(state=AgentState.OFFLINE)),
            last_call=Max("started_at", filter=Q(state=AgentState.ON_CALL)),
        )
    )
    return {
        uid: (max(first_on, start) if first_on else None, last_call)
        for uid, first_on, last_call in rows
    }


def _work(agent_ids, now: dt.datetime) -> dict[int, tuple[int, int]]:
    """{agent: (open leads whose follow-up is due, new leads not yet worked)}: two grouped
    counts, each a range of the (owner, status, next follow-up) index, not every open
    lead of the agents."""
    if not agent_ids:
        return {}
    owned = _among(Lead, "owner", agent_ids)
    due = (
        Lead.objects.filter(owned, status__in=OPEN_STATUSES, next_followup_at__lte=now)
        .order_by()
        .values_list("owner_id")
        .annotate(n=Count("*"))
    )
    waiting = (
        Lead.objects.filter(owned, status=LeadStatus.NEW)
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
    talk = productive = 0.0
    # Minutes and money summed as decimals (as shown), not as binary floats.
    talk_minutes = sales = Decimal(0)
    for agent in agents:
        by_state[agent["state"]] += 1
        totals["alerts"] += len(agent["alerts"])
        if agent["talk_minutes"]:
            talk_minutes += Decimal(str(agent["talk_minutes"]))
        if agent["sales"] != "0.00":
            sales += Decimal(agent["sales"])
        talk += agent["_occupancy_parts"][0]
        productive += agent["_occupancy_parts"][1]
    totals["by_state"] = by_state
    for key in ("leads_due", "leads_waiting", "calls", "followups", "orders"):
        totals[key] = sum(agent[key] for agent in agents)
    totals["talk_minutes"] = float(talk_minutes)
    totals["sales"] = str(sales.quantize(Decimal("0.01")))
    totals["occupancy"] = round(talk * 100 / productive, 1) if productive else None
    return totals
