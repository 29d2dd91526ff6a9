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

import copy
import datetime as dt
import uuid
from collections import Counter
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connections, router, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from crm.models import Member, MemberStatus, Notification, Team
from crm.services import notify

from ..db.assignment import Move
from ..models import OPEN_STATUSES, Assignment, Lead, LeadStatus, RoutingRule
from .distribution import ROW_FIELDS, Roster, Row, distribute
from .routing import Router, Texts, active_rules, assignment_record, current_policy, write_moves

User = get_user_model()


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
    texts = Texts()
    router_ = Router(active_rules(), current_policy(), texts)
    roster = Roster()
    received: Counter = Counter()
    handled = 0
    run_key = f"leads-assigned:{uuid.uuid4().hex}"
    for chunk in _pending_chunks(lead_ids=lead_ids, batch_size=batch_size):
        with transaction.atomic():
            _commit_without_waiting()
            leads = [
                Row(*values)
                for values in pending_leads()
                .filter(pk__in=chunk, pk__range=(chunk[0], chunk[-1]))
                .select_for_update(skip_locked=True, no_key=True)
                .order_by("pk")
                .values_list(*ROW_FIELDS)
            ]
            routed = [(lead, router_.route(lead)) for lead in leads]
            routed = [(lead, r) for lead, r in routed if r[0] is not None]
            if routed:
                received += distribute(
                    [lead for lead, _r in routed],
                    [r for _lead, r in routed],
                    roster=roster,
                    kind=Assignment.Kind.AUTO,
                    texts=texts,
                    now=timezone.now(),
                ).received
                handled += len(routed)
                _notify_received(received, key=run_key)
    return handled


#: How many batches' ids one read of the pending set lists (a page of ids, not rows).
_BATCHES_PER_PAGE = 50


def _pending_chunks(*, lead_ids: list[int] | None, batch_size: int):
    """The ids of pending leads in id order, `batch_size` at a time, read unlocked a page
    of many batches at once: each batch then locks its ids by primary key and re-checks
    the filter. Listing the pending set once per page instead of once per batch saves
    reading every pending row again for each batch (the set is found through an index on
    a part of it, then sorted: its cost grows with the set, not with the batch). Leads
    that arrive during the run have higher ids and are found by the next page."""
    cursor = 0
    while True:
        pending = pending_leads().filter(pk__gt=cursor)
        if lead_ids is not None:
            pending = pending.filter(pk__in=lead_ids)
        ids = list(
            pending.order_by("pk").values_list("pk", flat=True)[: batch_size * _BATCHES_PER_PAGE]
        )
        if not ids:
            return
        cursor = ids[-1]
        for start in range(0, len(ids), batch_size):
            yield ids[start : start + batch_size]


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


def agent_taking_leads(agent) -> Member:
    """The agent's member profile, or a refusal on `agent` when they do not take leads."""
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
    return assignment_record(
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
    member = agent_taking_leads(agent)
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


def leads_reassign(*, lead_ids: list[int], agent, by, reason: str) -> int:
    """A manager moves many leads to one agent, all or nothing, within what they may see.

    Leads outside `by`'s scope, closed leads and agents outside their scope are refused
    with a message (the same refusal for missing and forbidden). Leads that already
    belong to the agent are left as they are. Returns how many changed hands. Set-based:
    see `leads.services.bulk`, which the team page's bulk actions use too.
    """
    from .bulk import Selection, leads_bulk_reassign

    result = leads_bulk_reassign(
        by=by,
        selection=Selection(lead_ids=tuple(lead_ids)),
        agent=agent,
        reason=reason,
        refuse_closed=True,
    )
    return result.changed


# --- hand-over when an agent goes on leave or leaves --------------------------------------


class HandoverPlan(NamedTuple):
    """What a hand-over does: each open lead's move (lead, from, to user or None for a
    pool, team, rule, why) and how many each receiver gets."""

    moves: list[Move]
    received: Counter


def _handover(member: Member, *, write: bool, now: dt.datetime) -> HandoverPlan:
    """Plan (`write=False`: nothing locked or written) or carry out the hand-over of
    `member`'s open leads, by the same code either way."""
    rows = Lead.objects.filter(owner_id=member.user_id, status__in=OPEN_STATUSES).order_by("pk")
    if write:
        rows = rows.select_for_update(no_key=True)
    leads = [Row(*values) for values in rows.values_list(*ROW_FIELDS)]
    if not leads:
        return HandoverPlan([], Counter())
    policy = current_policy()
    texts = Texts()
    status = member.get_status_display()
    because = _("%(name)s is %(status)s.") % {"name": member.display_name, "status": status}
    teams = Team.objects.in_bulk({lead.team_id or member.team_id for lead in leads} - {None})
    if policy.on_leave_handover == "pool":
        why = f"{because} {_('Returned to the pool, as the lead policy says.')}"
        moves = [
            (lead.pk, member.user_id, None, lead.team_id or member.team_id, None, why)
            for lead in leads
        ]
        if write:
            write_moves(moves, kind=Assignment.Kind.HANDOVER, now=now)
        return HandoverPlan(moves, Counter())
    router_ = Router(active_rules(), policy, texts)
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
    received, moves = Counter(), []
    if to_team:
        received, moves = distribute(
            [lead for lead, _r in to_team],
            [r for _lead, r in to_team],
            roster=Roster(leaving_user_id=member.user_id),
            kind=Assignment.Kind.HANDOVER,
            texts=texts,
            now=now,
            write=write,
        )
    pooled = [(lead.pk, member.user_id, None, None, None, why) for lead, why in to_pool]
    if write:
        write_moves(pooled, kind=Assignment.Kind.HANDOVER, now=now)
    return HandoverPlan([*moves, *pooled], received)


def handover_preview(*, member: Member, status: str) -> HandoverPlan:
    """What handing over `member`'s open leads would do if their status became `status`
    now (on leave or left), by the rule `handover_leads` then follows; nothing written."""
    planned = copy.copy(member)
    planned.status = status
    return _handover(planned, write=False, now=timezone.now())


@transaction.atomic
def handover_leads(*, member_id: int) -> int:
    """Hand over the open leads of someone on leave or gone; returns how many moved.

    The policy decides: "reassign" gives each lead to a teammate by the team's strategy
    and capacity (a lead with no team is routed by the rules; a lead nobody has room for
    is parked in the team pool, said so in its history), "pool" returns them all to their
    team's pool. Every lead gets a hand-over record, so nothing is lost silently.
    Idempotent: a second run finds nothing left to move, and a member who came back
    before the job ran keeps their leads. `handover_preview` plans the same without
    writing (the org page shows it before the status changes).
    """
    member = Member.objects.select_related("user", "team").filter(pk=member_id).first()
    if member is None or member.status not in (MemberStatus.ON_LEAVE, MemberStatus.LEFT):
        return 0
    now = timezone.now()
    plan = _handover(member, write=True, now=now)
    if not plan.moves:
        return 0
    _notify_received(plan.received, key=f"handover:{member.pk}:{now:%Y%m%dT%H%M%S}")
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
                len(plan.moves),
            )
            % {"n": len(plan.moves), "name": member.display_name},
        )
    return len(plan.moves)
