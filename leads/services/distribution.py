"""Which agent of a team gets a lead: the team's strategy (round-robin or least loaded),
daily capacity, skills, and the lock that keeps two workers from giving an agent's last
slot twice (see `leads.services.assignment` for the design). The leads and their history
are written by `leads.services.routing.write_moves`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db.models import Count, Max, Q
from django.utils import timezone

from crm.models import Member, MemberStatus, Role, Skill, Team

from ..models import OPEN_STATUSES, Assignment, Lead, LeadPolicy, RoutingRule, TeamLeadSettings
from .routing import Texts, route, write_moves

# What counts against an agent's daily capacity: leads given to them, not leads they took.
CAPACITY_KINDS = (Assignment.Kind.AUTO, Assignment.Kind.MANUAL, Assignment.Kind.HANDOVER)
_NAMES_IN_REASON = 5


def day_start(now: dt.datetime | None = None) -> dt.datetime:
    """Midnight of the current local (Asia/Shanghai) day: capacities and limits reset then."""
    today = timezone.localdate(now or timezone.now())
    return timezone.make_aware(dt.datetime.combine(today, dt.time.min))


# --- the agents of a team -----------------------------------------------------------------


@dataclass(slots=True)
class _Agent:
    user_id: int
    team_id: int
    name: str
    capacity: int
    open_load: int = 0
    today: int = 0
    products: set[str] = field(default_factory=set)
    regions: list[str] = field(default_factory=list)

    def skill_for(self, lead, texts: Texts) -> str:
        """The skill that fits this lead ("" for none): product first, then region."""
        product = (lead.product or "").casefold()
        if product and product in self.products:
            return texts.product % {"name": lead.product}
        for region in self.regions:
            if region and region in (lead.region or ""):
                return texts.region % {"name": region}
        return ""


class Roster:
    """The agents who take leads, per team, with their loads, kept for one run.

    Members, skills and open loads are read once per team and run and then updated in
    memory. Today's counts decide capacity, so they are brought up to date every batch
    while the team's settings row is locked — incrementally: every automatic writer
    (this job, hand-overs) inserts its rows while holding the lock of the agent's team,
    so after taking the lock, the rows it has not seen yet are exactly those with an id
    above the last one this run wrote for that team. A manager's manual reassignment
    does not take the lock; it overrides capacity by design and may be counted only by
    the next run.
    """

    def __init__(self, *, leaving_user_id: int | None = None) -> None:
        # Someone whose hand-over is being previewed is still active: never a candidate.
        self.leaving_user_id = leaving_user_id
        self.by_team: dict[int, list[_Agent]] = {}
        self.seen_up_to: dict[int, int] = {}
        self.day: dt.date | None = None

    def load(self, team_ids: set[int], *, now: dt.datetime) -> None:
        if self.day != timezone.localdate(now):
            self.day, self.seen_up_to = timezone.localdate(now), {}
            for agents in self.by_team.values():
                for agent in agents:
                    agent.today = 0
        if new_ids := [pk for pk in team_ids if pk not in self.by_team]:
            self._read_teams(new_ids)
        self._count_today(team_ids, now=now)

    def written(self, team_ids: set[int], up_to: int) -> None:
        """This run inserted rows up to id `up_to` while holding these teams' locks."""
        for pk in team_ids:
            self.seen_up_to[pk] = max(self.seen_up_to.get(pk, 0), up_to)

    def _read_teams(self, team_ids: list[int]) -> None:
        rows = (
            Member.objects.filter(
                team_id__in=team_ids,
                role=Role.AGENT,
                status=MemberStatus.ACTIVE,
                user__is_active=True,
            )
            .exclude(user_id=self.leaving_user_id)
            .order_by("user_id")
            .values_list(
                "pk",
                "user_id",
                "team_id",
                "daily_lead_capacity",
                "user__first_name",
                "user__last_name",
                "user__username",
            )
        )
        agents: dict[int, _Agent] = {}
        member_to_user: dict[int, int] = {}
        for member_id, user_id, team_id, capacity, first, last, username in rows:
            name = f"{first} {last}".strip() or username
            agents[user_id] = _Agent(user_id, team_id, name, capacity)
            member_to_user[member_id] = user_id
        if member_to_user:
            skills = Member.skills.through.objects.filter(member_id__in=member_to_user).values_list(
                "member_id", "skill__kind", "skill__name"
            )
            for member_id, kind, name in skills:
                agent = agents[member_to_user[member_id]]
                if kind == Skill.Kind.PRODUCT:
                    agent.products.add(name.casefold())
                elif kind == Skill.Kind.REGION:
                    agent.regions.append(name)
            loads = (
                Lead.objects.filter(owner_id__in=agents, status__in=OPEN_STATUSES)
                .order_by()
                .values("owner_id")
                .annotate(n=Count("pk"))
                .values_list("owner_id", "n")
            )
            for user_id, count in loads:
                agents[user_id].open_load = count
        for team_id in team_ids:
            self.by_team[team_id] = []
        for agent in agents.values():
            self.by_team[agent.team_id].append(agent)

    def _count_today(self, team_ids: set[int], *, now: dt.datetime) -> None:
        """Add the rows not counted yet. Teams new to this run are counted in full through
        the (to_user, at) index; known teams only past their watermark, which the primary
        key range makes a scan of the last batch's rows, not of the whole day's."""
        fresh, known = Q(pk__in=[]), Q(pk__in=[])
        agents: dict[int, _Agent] = {}
        lowest: int | None = None
        for team_id in team_ids:
            team_agents = {a.user_id: a for a in self.by_team.get(team_id, [])}
            if not team_agents:
                continue
            agents.update(team_agents)
            if team_id in self.seen_up_to:
                seen = self.seen_up_to[team_id]
                known |= Q(to_user_id__in=team_agents, pk__gt=seen)
                lowest = seen if lowest is None else min(lowest, seen)
            else:
                fresh |= Q(to_user_id__in=team_agents)
                self.seen_up_to[team_id] = 0
        if not agents:
            return
        today = Assignment.objects.filter(kind__in=CAPACITY_KINDS, at__gte=day_start(now))
        queries = [today.filter(fresh)]
        if lowest is not None:
            queries.append(today.filter(known, pk__gt=lowest))
        for query in queries:
            counts = (
                query.order_by()
                .values("to_user_id")
                .annotate(n=Count("pk"), top=Max("pk"))
                .values_list("to_user_id", "n", "top")
            )
            for user_id, count, top in counts:
                agent = agents[user_id]
                agent.today += count
                self.seen_up_to[agent.team_id] = max(self.seen_up_to[agent.team_id], top)


def _pick(
    lead,
    team: Team,
    agents: list[_Agent],
    *,
    strategy: str,
    prefer_skills: bool,
    pointer: int | None,
    texts: Texts,
) -> tuple[_Agent | None, str]:
    """Choose an agent of `team` for `lead` and say why (load, capacity, skill)."""
    if not agents:
        return None, texts.nobody % {"team": team}
    with_room = [a for a in agents if a.today < a.capacity]
    if not with_room:
        return None, texts.all_full % {"n": len(agents), "team": team}
    candidates, skill_note = with_room, ""
    if prefer_skills:
        matching = [a for a in with_room if a.skill_for(lead, texts)]
        if matching:
            candidates = matching
            skill_note = texts.skilled_only % {"n": len(matching)}
        else:
            skill_note = texts.no_skill
    if strategy == TeamLeadSettings.Strategy.ROUND_ROBIN:
        chosen = next(
            (a for a in candidates if pointer is not None and a.user_id > pointer), candidates[0]
        )
        why = texts.round_robin
    else:
        chosen = min(candidates, key=lambda a: (a.open_load, a.today, a.user_id))
        why = texts.least_loaded
    parts = [
        why
        % {
            "name": chosen.name,
            "n": len(candidates),
            "open": chosen.open_load,
            "today": chosen.today,
            "cap": chosen.capacity,
        }
    ]
    if prefer_skills and (skill := chosen.skill_for(lead, texts)):
        parts.append(texts.skill % {"skill": skill})
    if skill_note:
        parts.append(skill_note)
    if len(with_room) < len(agents):
        full = [a.name for a in agents if a.today >= a.capacity]
        names = ", ".join(full[:_NAMES_IN_REASON])
        if len(full) > _NAMES_IN_REASON:
            names += " " + texts.more % {"n": len(full) - _NAMES_IN_REASON}
        parts.append(texts.full % {"names": names})
    return chosen, " ".join(parts)


def _read_team_settings(team_ids: set[int]) -> dict[int, TeamLeadSettings]:
    """The settings of these teams as they stand, unlocked (for a preview): a team without
    its row gets the defaults, as `_lock_team_settings` would create them."""
    found = {s.team_id: s for s in TeamLeadSettings.objects.filter(team_id__in=team_ids)}
    return {pk: found.get(pk) or TeamLeadSettings(team_id=pk) for pk in team_ids}


def _lock_team_settings(team_ids: set[int]) -> dict[int, TeamLeadSettings]:
    """Lock (creating if needed) the settings rows of these teams, in team id order."""
    if not team_ids:
        return {}
    have = set(
        TeamLeadSettings.objects.filter(team_id__in=team_ids).values_list("team_id", flat=True)
    )
    if missing := team_ids - have:
        TeamLeadSettings.objects.bulk_create(
            [TeamLeadSettings(team_id=pk) for pk in sorted(missing)], ignore_conflicts=True
        )
    return {
        s.team_id: s
        for s in TeamLeadSettings.objects.select_for_update()
        .filter(team_id__in=team_ids)
        .order_by("team_id")
    }


@dataclass(slots=True)
class Row:
    """The fields of a lead the rules read, without building a model instance per lead."""

    pk: int
    region: str
    product: str
    channel: str
    grade: str
    owner_id: int | None
    team_id: int | None


ROW_FIELDS = ("pk", "region", "product", "channel", "grade", "owner_id", "team_id")


class Distribution(NamedTuple):
    """Who got how many leads, and each lead's move (lead, from, to, team, rule, why)."""

    received: Counter
    moves: list[tuple[int, int | None, int | None, int, int | None, str]]


def distribute(
    leads: list[Row],
    routes: list[tuple[Team, RoutingRule | None, str]],
    *,
    roster: Roster,
    kind: str,
    texts: Texts,
    now: dt.datetime,
    write: bool = True,
) -> Distribution:
    """Give each (already locked) lead to an agent of its routed team, or park it in the
    team pool; write leads and history in bulk. Returns how many each agent received and
    the moves. With `write=False` nothing is locked or written: the same choices are only
    planned (a hand-over's preview)."""
    team_ids = {team.pk for team, _rule, _why in routes}
    settings_by_team = _lock_team_settings(team_ids) if write else _read_team_settings(team_ids)
    roster.load(team_ids, now=now)
    received: Counter = Counter()
    moves: list[tuple[int, int | None, int | None, int, int | None, str]] = []
    pointer_moved: set[int] = set()
    for lead, (team, rule, route_why) in zip(leads, routes, strict=True):
        team_settings = settings_by_team[team.pk]
        agent, pick_why = _pick(
            lead,
            team,
            roster.by_team.get(team.pk, []),
            strategy=team_settings.strategy,
            prefer_skills=rule.match_agent_skills if rule is not None else False,
            pointer=team_settings.last_assigned_to_id,
            texts=texts,
        )
        to_user = None
        if agent is not None:
            to_user = agent.user_id
            agent.today += 1
            agent.open_load += 1
            received[to_user] += 1
            team_settings.last_assigned_to_id = to_user
            pointer_moved.add(team.pk)
        moves.append(
            (
                lead.pk,
                lead.owner_id,
                to_user,
                team.pk,
                rule.pk if rule is not None else None,
                f"{route_why} {pick_why}",
            )
        )
    if not write:
        return Distribution(received, moves)
    top = write_moves(moves, kind=kind, now=now)
    roster.written(team_ids, top)
    for team_id in pointer_moved:
        settings_by_team[team_id].save(update_fields=["last_assigned_to"])
    return Distribution(received, moves)


# --- "try a lead": where a lead would go, read only -----------------------------------------


@dataclass(frozen=True)
class RoutePreview:
    """Where a lead would go now, and why; nothing is written to find it out."""

    team: Team | None
    rule: RoutingRule | None
    agent_id: int | None
    agent_name: str
    strategy: str
    why: str


def route_preview(lead, *, now: dt.datetime | None = None) -> RoutePreview:
    """The team and agent the rules and the team's strategy would give `lead` (an unsaved
    lead, or anything with its region, product, channel and grade) at this moment.

    The same steps as the assignment job (`route`, then `_pick` over the team's roster)
    without its locks and writes: the team settings row is read, not created; the
    round-robin pointer and the agents' counts are not moved.
    """

    now = now or timezone.now()
    texts = Texts()
    policy = LeadPolicy.objects.select_related("default_team").filter(pk=1).first() or LeadPolicy()
    team, rule, route_why = route(lead, policy=policy)
    if team is None:
        return RoutePreview(None, None, None, "", "", route_why)
    team_settings = TeamLeadSettings.objects.filter(team=team).first() or TeamLeadSettings(
        team=team
    )
    roster = Roster()
    roster.load({team.pk}, now=now)
    agent, pick_why = _pick(
        lead,
        team,
        roster.by_team.get(team.pk, []),
        strategy=team_settings.strategy,
        prefer_skills=rule.match_agent_skills if rule is not None else False,
        pointer=team_settings.last_assigned_to_id,
        texts=texts,
    )
    return RoutePreview(
        team,
        rule,
        agent.user_id if agent else None,
        agent.name if agent else "",
        team_settings.get_strategy_display(),
        f"{route_why} {pick_why}",
    )
