"""Who gets a lead: routing rules pick a team, the team's strategy picks the agent.

Design, and why:

- **What the job takes.** `assign_pending_leads` takes *fresh arrivals* only: open, unowned
  leads with status `new` and no team. A lead released or reclaimed to a pool keeps its
  team, so it stays in that pool for agents to claim instead of bouncing back to someone.
- **Several workers at once.** Each batch locks its leads with
  `select_for_update(skip_locked=True)`, so workers split the work instead of waiting for
  each other, and a lead locked by one worker (or by a manager reassigning it) is never
  seen by another. A row a manager assigned meanwhile no longer matches the filter when
  PostgreSQL re-checks it, so it is skipped too.
- **Capacity under concurrency.** Before reading agents' loads, a batch locks the
  `TeamLeadSettings` row of every team it touches (in team id order, so no deadlock). Two
  workers therefore never both hand out an agent's last slot of the day, and the
  round-robin pointer advances one step at a time.
- **Nobody with capacity.** A lead whose team has no active agent with capacity left today
  is parked in that team's pool (team set, owner empty) with an `Assignment` that says
  why; the team's agents can claim it and the manager can assign it by hand. It is not
  fresh any more, so later runs do not re-route it. A lead no rule matches while no
  default team is set stays in the center pool untouched (nothing happened, nothing to
  record) and is retried by the next run.
- **Daily capacity** counts what others gave an agent today (Asia/Shanghai day): kinds
  auto, manual and hand-over. Claims have their own daily limit in `pool`.
- **Open load** (for least-loaded) is read once per run per team and then kept up to date
  in memory; another worker's concurrent assignments only make it slightly stale, which
  changes fairness by a lead or two, never correctness (capacity is re-read under lock).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connections, router, transaction
from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from crm import access
from crm.models import Member, MemberStatus, Notification, Role, Skill, Team
from crm.services import notify
from leads import access as leads_access

from ..models import (
    OPEN_STATUSES,
    Assignment,
    Lead,
    LeadPolicy,
    LeadStatus,
    RoutingRule,
    TeamLeadSettings,
)

User = get_user_model()

# What counts against an agent's daily capacity: leads given to them, not leads they took.
CAPACITY_KINDS = (Assignment.Kind.AUTO, Assignment.Kind.MANUAL, Assignment.Kind.HANDOVER)
_NAMES_IN_REASON = 5


def day_start(now: dt.datetime | None = None) -> dt.datetime:
    """Midnight of the current local (Asia/Shanghai) day: capacities and limits reset then."""
    today = timezone.localdate(now or timezone.now())
    return timezone.make_aware(dt.datetime.combine(today, dt.time.min))


class _Texts:
    """The sentences of an explanation, translated once per run, not once per lead."""

    def __init__(self) -> None:
        self.rule = _("Rule “%(rule)s” (order %(order)s) matched: %(criteria)s → team %(team)s.")
        self.default = _("No routing rule matched; default team %(team)s.")
        self.no_default = _("No routing rule matched and no default team is set.")
        self.nobody = _("Team %(team)s has no active agent who takes leads; left in the team pool.")
        self.all_full = _(
            "All %(n)d active agents of team %(team)s reached their daily capacity; "
            "left in the team pool."
        )
        self.skilled_only = _("Only agents with a matching skill were considered (%(n)d).")
        self.no_skill = _("No agent with capacity has a matching skill.")
        self.round_robin = _(
            "Round-robin: %(name)s was next in turn among %(n)d agents with capacity "
            "(%(open)d open leads, %(today)d of %(cap)d assigned today)."
        )
        self.least_loaded = _(
            "Least loaded: %(name)s had the fewest open leads (%(open)d) among %(n)d agents "
            "with capacity (%(today)d of %(cap)d assigned today)."
        )
        self.skill = _("Skill: %(skill)s.")
        self.product = _("product %(name)s")
        self.region = _("region %(name)s")
        self.full = _("At daily capacity: %(names)s.")
        self.more = _("and %(n)d more")


# --- routing ------------------------------------------------------------------------------


def active_rules() -> list[RoutingRule]:
    """The rules in the order they are tried; rules of deactivated teams are left out."""
    return list(
        RoutingRule.objects.filter(is_active=True, team__is_active=True)
        .select_related("team")
        .order_by("order", "pk")
    )


def _rule_matches(rule: RoutingRule, lead: Lead) -> bool:
    if rule.region.strip() and rule.region.strip() not in (lead.region or ""):
        return False
    if rule.product.strip() and rule.product.strip().casefold() != (lead.product or "").casefold():
        return False
    if rule.channel and rule.channel != lead.channel:
        return False
    grades = rule.grades.strip().upper()
    return not grades or lead.grade in grades


def _rule_criteria(rule: RoutingRule) -> str:
    parts = []
    if rule.region.strip():
        parts.append(_("region contains “%(v)s”") % {"v": rule.region.strip()})
    if rule.product.strip():
        parts.append(_("product is “%(v)s”") % {"v": rule.product.strip()})
    if rule.channel:
        parts.append(_("channel is %(v)s") % {"v": rule.get_channel_display()})
    if rule.grades.strip():
        parts.append(_("grade in %(v)s") % {"v": rule.grades.strip().upper()})
    return ", ".join(parts) or _("no criteria, matches every lead")


class _Router:
    """The rules and the default team of one run, with each rule's explanation written once."""

    def __init__(
        self, rules: Sequence[RoutingRule], policy: LeadPolicy, texts: _Texts | None = None
    ) -> None:
        texts = texts or _Texts()
        self.rules = [
            (
                rule,
                texts.rule
                % {
                    "rule": rule.name,
                    "order": rule.order,
                    "criteria": _rule_criteria(rule),
                    "team": rule.team,
                },
            )
            for rule in rules
        ]
        team = policy.default_team
        if team is not None and team.is_active:
            self.fallback = (team, None, texts.default % {"team": team})
        else:
            self.fallback = (None, None, texts.no_default)

    def route(self, lead) -> tuple[Team | None, RoutingRule | None, str]:
        for rule, why in self.rules:
            if _rule_matches(rule, lead):
                return rule.team, rule, why
        return self.fallback


def _current_policy() -> LeadPolicy:
    policy = LeadPolicy.objects.select_related("default_team").filter(pk=1).first()
    return policy or LeadPolicy.current()


def route(
    lead: Lead, *, rules: Sequence[RoutingRule] | None = None, policy: LeadPolicy | None = None
) -> tuple[Team | None, RoutingRule | None, str]:
    """The team a lead goes to, the rule that sent it there, and why in words.

    Rules are tried in order; the first match wins; a rule's empty criteria match
    anything, its region matches when contained in the lead's region and its grades
    ("AB") list the grades it takes. With no match the policy's default team catches the
    lead; with no default team it stays in the center pool (no team).
    """
    router_ = _Router(active_rules() if rules is None else rules, policy or _current_policy())
    return router_.route(lead)


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

    def skill_for(self, lead, texts: _Texts) -> str:
        """The skill that fits this lead ("" for none): product first, then region."""
        product = (lead.product or "").casefold()
        if product and product in self.products:
            return texts.product % {"name": lead.product}
        for region in self.regions:
            if region and region in (lead.region or ""):
                return texts.region % {"name": region}
        return ""


class _Roster:
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

    def __init__(self) -> None:
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
    texts: _Texts,
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
class _Row:
    """The fields of a lead the rules read, without building a model instance per lead."""

    pk: int
    region: str
    product: str
    channel: str
    grade: str
    owner_id: int | None
    team_id: int | None


_ROW_FIELDS = ("pk", "region", "product", "channel", "grade", "owner_id", "team_id")


def _distribute(
    leads: list[_Row],
    routes: list[tuple[Team, RoutingRule | None, str]],
    *,
    roster: _Roster,
    kind: str,
    texts: _Texts,
    now: dt.datetime,
) -> Counter:
    """Give each (already locked) lead to an agent of its routed team, or park it in the
    team pool; write leads and history in bulk. Returns how many each agent received."""
    team_ids = {team.pk for team, _rule, _why in routes}
    settings_by_team = _lock_team_settings(team_ids)
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
    top = write_moves(moves, kind=kind, now=now)
    roster.written(team_ids, top)
    for team_id in pointer_moved:
        settings_by_team[team_id].save(update_fields=["last_assigned_to"])
    return received


def write_moves(
    moves: list[tuple[int, int | None, int | None, int | None, int | None, str]],
    *,
    kind: str,
    by=None,
    now: dt.datetime,
) -> int:
    """Move many leads at once and record each move; returns the highest history id.

    `moves` are (lead, from user, to user, team, rule, reason). On PostgreSQL this is a
    single statement — `UPDATE … FROM unnest(…)` feeding `INSERT … SELECT` — because
    Django's `bulk_update` builds a CASE per row and field and costs seconds per thousand
    rows, which alone would break the 100,000-leads-in-15-seconds budget. Elsewhere
    (SQLite in local runs) the ORM's bulk methods do the same.
    """
    if not moves:
        return 0
    # The audit trail gets one entry for the whole batch (signals would cost a query per
    # row); each lead's move is in its own append-only `Assignment` row.
    from risk.audit import record_bulk

    record_bulk(
        model_label="leads.assignment",
        object_id=f"{kind}@{now:%Y%m%dT%H%M%S}",
        summary={"kind": kind, "leads": len(moves), "by": by.pk if by is not None else None},
        description=f"{len(moves)} × {kind}",
    )
    by_id = by.pk if by is not None else None
    connection = connections[router.db_for_write(Lead)]
    if connection.vendor != "postgresql":
        leads = Lead.objects.in_bulk([m[0] for m in moves])
        for lead_id, _from, to_user, team_id, _rule, _why in moves:
            lead = leads[lead_id]
            lead.owner_id, lead.team_id = to_user, team_id
            lead.assigned_at = now if to_user is not None else None
            lead.reclaim_warned_at, lead.updated_at = None, now
        Lead.objects.bulk_update(
            list(leads.values()),
            ["owner", "team", "assigned_at", "reclaim_warned_at", "updated_at"],
        )
        rows = Assignment.objects.bulk_create(
            [
                Assignment(
                    lead_id=lead_id,
                    kind=kind,
                    from_user_id=from_user,
                    to_user_id=to_user,
                    team_id=team_id,
                    rule_id=rule_id,
                    reason=why,
                    by_id=by_id,
                    at=now,
                )
                for lead_id, from_user, to_user, team_id, rule_id, why in moves
            ]
        )
        return max((row.pk or 0) for row in rows)
    quote = connection.ops.quote_name
    lead_table, history_table = quote(Lead._meta.db_table), quote(Assignment._meta.db_table)

    def col(model, name: str) -> str:
        return quote(model._meta.get_field(name).column)

    sql = f"""
        WITH v AS (
            SELECT * FROM unnest(%s::bigint[], %s::bigint[], %s::bigint[], %s::bigint[],
                                 %s::bigint[], %s::text[])
                AS v(lead_id, from_user_id, to_user_id, team_id, rule_id, reason)
        ),
        moved AS (
            UPDATE {lead_table} SET
                {col(Lead, "owner")} = v.to_user_id,
                {col(Lead, "team")} = v.team_id,
                {col(Lead, "assigned_at")} =
                    CASE WHEN v.to_user_id IS NULL THEN NULL ELSE %s::timestamptz END,
                {col(Lead, "reclaim_warned_at")} = NULL,
                {col(Lead, "updated_at")} = %s::timestamptz
            FROM v WHERE {lead_table}.{col(Lead, "id")} = v.lead_id
        ),
        recorded AS (
            INSERT INTO {history_table} (
                {col(Assignment, "lead")}, {col(Assignment, "kind")},
                {col(Assignment, "from_user")}, {col(Assignment, "to_user")},
                {col(Assignment, "team")}, {col(Assignment, "rule")},
                {col(Assignment, "reason")}, {col(Assignment, "by")}, {col(Assignment, "at")}
            )
            SELECT lead_id, %s, from_user_id, to_user_id, team_id, rule_id, reason,
                   %s::bigint, %s::timestamptz
            FROM v
            RETURNING {col(Assignment, "id")} AS id
        )
        SELECT max(id) FROM recorded
    """  # noqa: S608 - only quoted names from the model's meta are interpolated
    columns = list(zip(*moves, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(sql, [*map(list, columns), now, now, kind, by_id, now])
        return cursor.fetchone()[0] or 0


# --- the job ------------------------------------------------------------------------------


def pending_leads():
    """Fresh arrivals waiting for the rules: open, unowned, status new and no team yet."""
    return Lead.objects.filter(owner__isnull=True, team__isnull=True, status=LeadStatus.NEW)


def assign_pending_leads(*, lead_ids: list[int] | None = None, batch_size: int = 2000) -> int:
    """Route and assign fresh leads (all of them, or only `lead_ids`); returns how many.

    Not one transaction on purpose: each batch is its own, committed before the next is
    locked, so a long run never holds thousands of row locks and other workers share the
    work. Safe to run twice and in parallel: a lead leaves the pending set in the
    transaction that routes it. Each agent has one notification per run, written in the
    same transaction as each batch (its count grows with the run), so a worker killed
    mid-run leaves no agent with leads they were not told of.
    """
    texts = _Texts()
    router_ = _Router(active_rules(), _current_policy(), texts)
    roster = _Roster()
    received: Counter = Counter()
    handled, cursor = 0, 0
    run_key = f"leads-assigned:{uuid.uuid4().hex}"
    while True:
        with transaction.atomic():
            _commit_without_waiting()
            batch = pending_leads().filter(pk__gt=cursor)
            if lead_ids is not None:
                batch = batch.filter(pk__in=lead_ids)
            leads = [
                _Row(*values)
                for values in batch.select_for_update(skip_locked=True, no_key=True)
                .order_by("pk")
                .values_list(*_ROW_FIELDS)[:batch_size]
            ]
            if not leads:
                break
            cursor = leads[-1].pk
            routed = [(lead, router_.route(lead)) for lead in leads]
            routed = [(lead, r) for lead, r in routed if r[0] is not None]
            if routed:
                received += _distribute(
                    [lead for lead, _r in routed],
                    [r for _lead, r in routed],
                    roster=roster,
                    kind=Assignment.Kind.AUTO,
                    texts=texts,
                    now=timezone.now(),
                )
                handled += len(routed)
                _notify_received(received, key=run_key)
    return handled


def _commit_without_waiting() -> None:
    """Let this batch's COMMIT return before its WAL reaches the disk (PostgreSQL only).

    Safe for this job: a batch lost in a crash leaves its leads pending, and the next run
    assigns them again; its notifications are in the same transaction, so they are lost
    with it, never without it. Saves a disk flush per batch (seconds per 100,000).
    """
    connection = connections[router.db_for_write(Lead)]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _notify_received(received: Counter, *, key: str) -> None:
    """One message per agent and `key`, in one statement: written again with the new count
    (and unread again) when a later batch of the same run brings the agent more leads."""
    if not received:
        return
    url = reverse("leads:worklist")
    now = timezone.now()
    Notification.objects.bulk_create(
        [
            Notification(
                user_id=user_id,
                key=f"{key}:{user_id}"[:150],
                kind="lead_assigned",
                url=url,
                created_at=now,
                text=ngettext(
                    "%(n)d new lead was assigned to you.",
                    "%(n)d new leads were assigned to you.",
                    count,
                )
                % {"n": count},
            )
            for user_id, count in sorted(received.items())
        ],
        update_conflicts=True,
        unique_fields=["user", "key"],
        update_fields=["text", "created_at", "read_at"],
    )


# --- by hand ------------------------------------------------------------------------------


def _agent_member(agent) -> Member:
    member = Member.objects.select_related("user").filter(user_id=agent.pk).first()
    if member is None or not member.takes_leads or not member.user.is_active:
        raise ValidationError(
            {"agent": _("%(name)s does not take leads (only active agents do).") % {"name": agent}}
        )
    return member


def _record_manual(
    lead: Lead,
    member: Member,
    *,
    by,
    kind: str,
    reason: str,
    rule: RoutingRule | None,
    now: dt.datetime,
) -> Assignment:
    previous = lead.owner_id
    lead.owner_id = member.user_id
    lead.team_id = member.team_id or lead.team_id
    lead.assigned_at = now
    lead.reclaim_warned_at = None
    lead.save(update_fields=["owner", "team", "assigned_at", "reclaim_warned_at", "updated_at"])
    by_name = (by.get_full_name() or by.get_username()) if by is not None else _("the system")
    why = _("Assigned by %(by)s to %(agent)s.") % {"by": by_name, "agent": member.display_name}
    return Assignment.objects.create(
        lead=lead,
        kind=kind,
        from_user_id=previous,
        to_user_id=member.user_id,
        team_id=lead.team_id,
        rule=rule,
        reason=f"{why} {reason}".strip(),
        by=by,
        at=now,
    )


@transaction.atomic
def lead_assign(
    *,
    lead: Lead,
    agent,
    by,
    kind: str = Assignment.Kind.MANUAL,
    reason: str = "",
    rule: RoutingRule | None = None,
) -> Assignment:
    """Give one lead to an agent (a manager's decision); recorded with from and to."""
    member = _agent_member(agent)
    locked = Lead.objects.select_for_update(no_key=True).get(pk=lead.pk)
    if not locked.is_open:
        raise ValidationError(_("A closed lead cannot be assigned."))
    if locked.owner_id == member.user_id:
        raise ValidationError(
            {"agent": _("This lead already belongs to %(name)s.") % {"name": member.display_name}}
        )
    assignment = _record_manual(
        locked, member, by=by, kind=kind, reason=reason, rule=rule, now=timezone.now()
    )
    notify(
        user_id=member.user_id,
        key=f"lead-assigned:{assignment.pk}",
        kind="lead_assigned",
        url=reverse("leads:detail", args=[locked.pk]),
        text=_("Lead %(lead)s was assigned to you.") % {"lead": locked},
    )
    for name in ("owner_id", "team_id", "assigned_at", "reclaim_warned_at", "updated_at"):
        setattr(lead, name, getattr(locked, name))
    return assignment


@transaction.atomic
def leads_reassign(*, lead_ids: list[int], agent, by, reason: str) -> int:
    """A manager moves many leads to one agent, all or nothing, within what they may see.

    Leads outside `by`'s scope, closed leads and agents outside their scope are refused
    with a message (the same refusal for missing and forbidden). Leads that already
    belong to the agent are left as they are. Returns how many changed hands.
    """
    if not leads_access.can_manage_leads(by):
        raise ValidationError(_("Only managers, heads and administrators reassign leads."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the leads are reassigned.")})
    wanted = sorted(set(lead_ids))
    if not wanted:
        raise ValidationError({"lead_ids": _("Choose at least one lead.")})
    if not access.visible_members(by).filter(user_id=agent.pk).exists():
        raise ValidationError({"agent": _("Unknown agent.")})
    member = _agent_member(agent)
    leads = list(
        leads_access.visible_leads(by)
        .filter(pk__in=wanted)
        .select_for_update(no_key=True, of=("self",))
        .order_by("pk")
    )
    if len(leads) != len(wanted):
        raise ValidationError(
            {
                "lead_ids": _("%(n)d of the chosen leads are not yours to reassign.")
                % {"n": len(wanted) - len(leads)}
            }
        )
    closed = [lead for lead in leads if not lead.is_open]
    if closed:
        raise ValidationError(
            {"lead_ids": _("%(n)d of the chosen leads are closed.") % {"n": len(closed)}}
        )
    now = timezone.now()
    moved = 0
    for lead in leads:
        if lead.owner_id == member.user_id:
            continue
        _record_manual(
            lead, member, by=by, kind=Assignment.Kind.MANUAL, reason=reason, rule=None, now=now
        )
        moved += 1
    if moved:
        notify(
            user_id=member.user_id,
            key=f"leads-reassigned:{uuid.uuid4().hex}",
            kind="lead_assigned",
            url=reverse("leads:worklist"),
            text=ngettext(
                "%(by)s reassigned %(n)d lead to you.",
                "%(by)s reassigned %(n)d leads to you.",
                moved,
            )
            % {"by": by.get_full_name() or by.get_username(), "n": moved},
        )
    return moved


# --- hand-over when an agent goes on leave or leaves --------------------------------------


@transaction.atomic
def handover_leads(*, member_id: int) -> int:
    """Hand over the open leads of someone on leave or gone; returns how many moved.

    The policy decides: "reassign" gives each lead to a teammate by the team's strategy
    and capacity (a lead with no team is routed by the rules; a lead nobody has room for
    is parked in the team pool, said so in its history), "pool" returns them all to their
    team's pool. Every lead gets a hand-over record, so nothing is lost silently.
    Idempotent: a second run finds nothing left to move, and a member who came back
    before the job ran keeps their leads.
    """
    member = Member.objects.select_related("user", "team").filter(pk=member_id).first()
    if member is None or member.status not in (MemberStatus.ON_LEAVE, MemberStatus.LEFT):
        return 0
    leads = [
        _Row(*values)
        for values in Lead.objects.select_for_update(no_key=True)
        .filter(owner_id=member.user_id, status__in=OPEN_STATUSES)
        .order_by("pk")
        .values_list(*_ROW_FIELDS)
    ]
    if not leads:
        return 0
    policy = _current_policy()
    texts = _Texts()
    now = timezone.now()
    because = _("%(name)s is %(status)s.") % {
        "name": member.display_name,
        "status": member.get_status_display(),
    }
    teams = Team.objects.in_bulk({lead.team_id or member.team_id for lead in leads} - {None})
    received: Counter = Counter()
    if policy.on_leave_handover == "pool":
        why = f"{because} {_('Returned to the pool, as the lead policy says.')}"
        write_moves(
            [
                (lead.pk, member.user_id, None, lead.team_id or member.team_id, None, why)
                for lead in leads
            ],
            kind=Assignment.Kind.HANDOVER,
            now=now,
        )
    else:
        router_ = _Router(active_rules(), policy, texts)
        within = _("Handed over within team %(team)s.")
        to_team, to_pool = [], []
        for lead in leads:
            team = teams.get(lead.team_id or member.team_id)
            if team is not None and team.is_active:
                to_team.append((lead, (team, None, f"{because} {within % {'team': team}}")))
                continue
            team, rule, why = router_.route(lead)
            if team is None:
                to_pool.append((lead, f"{because} {why} {_('Left in the center pool.')}"))
            else:
                to_team.append((lead, (team, rule, f"{because} {why}")))
        if to_team:
            received = _distribute(
                [lead for lead, _r in to_team],
                [r for _lead, r in to_team],
                roster=_Roster(),
                kind=Assignment.Kind.HANDOVER,
                texts=texts,
                now=now,
            )
        write_moves(
            [(lead.pk, member.user_id, None, None, None, why) for lead, why in to_pool],
            kind=Assignment.Kind.HANDOVER,
            now=now,
        )
    _notify_received(received, key=f"handover:{member.pk}:{now:%Y%m%dT%H%M%S}")
    team = member.team
    if team is not None and team.manager_id:
        notify(
            user_id=team.manager_id,
            key=f"handover:{member.pk}:{now.isoformat()}",
            kind="lead_handover",
            url=reverse("leads:team"),
            text=ngettext(
                "%(n)d open lead of %(name)s was handed over.",
                "%(n)d open leads of %(name)s were handed over.",
                len(leads),
            )
            % {"n": len(leads), "name": member.display_name},
        )
    return len(leads)
