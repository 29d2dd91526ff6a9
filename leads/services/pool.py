"""The public pool (公海): claim, release, return by a rule, and the automatic reclaim.

A lead in the pool has no owner; its `team` says whose pool (none: the center's). Every
move in or out writes an `Assignment`, which is also what the claim-back cool-off reads:
an agent who released or lost a lead (release, reclaim, return) cannot take it back for
`LeadPolicy.claim_back_cooloff_days`, so releasing and re-claiming cannot reset the
reclaim clock.

The reclaim clock of an owned lead is the later of its last contact and its assignment:
a lead handed to someone yesterday is not reclaimed because the previous owner last
called it two weeks ago.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import DateTimeField, F, Q
from django.db.models.functions import Coalesce, Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from crm.models import Member, MemberStatus, Notification, Role
from crm.services import notify
from leads import access as leads_access

from ..db import loads
from ..db import pool as pool_db
from ..models import OPEN_STATUSES, Assignment, Lead, LeadPolicy, TeamLeadSettings
from .distribution import day_start
from .routing import assignment_record

# Kinds by which a lead leaves an agent against the pool: they start the claim-back cool-off.
LOST_KINDS = (Assignment.Kind.RELEASE, Assignment.Kind.RECLAIM, Assignment.Kind.RETURN)
# An agent is warned at least this long before a lead is reclaimed.
RECLAIM_NOTICE = dt.timedelta(days=1)


def claim_allowance(user, *, policy: LeadPolicy | None = None) -> dict:
    """What an agent may still claim: open leads against the cap, claims today against the
    daily limit (the kept open-lead count and a small indexed count)."""
    policy = policy or LeadPolicy.cached()
    open_now = loads.open_leads_of(user.pk)
    claimed_today = Assignment.objects.filter(
        to_user_id=user.pk, kind=Assignment.Kind.CLAIM, at__gte=day_start()
    ).count()
    return {
        "open_leads": open_now,
        "open_lead_cap": policy.pool_open_lead_cap,
        "claimed_today": claimed_today,
        "daily_claim_limit": policy.pool_daily_claim_limit,
        "remaining": max(
            0,
            min(
                policy.pool_open_lead_cap - open_now,
                policy.pool_daily_claim_limit - claimed_today,
            ),
        ),
    }


@transaction.atomic
def lead_claim(*, lead_id: int, user) -> Lead:
    """Take a lead from the pool. One claim wins; the others are told at once.

    The lead row is locked with SKIP LOCKED: a second claimer does not wait for the
    first, it finds the row gone and is told someone else just claimed it. The caller's
    member row is locked too, so two claims by the same agent at once cannot both slip
    under the cap.
    """
    if not leads_access.can_work_leads(user):
        raise ValidationError(_("Only agents and team managers claim leads from the pool."))
    member = Member.objects.select_for_update().filter(user_id=user.pk).first()
    if (
        member is None
        or member.status != MemberStatus.ACTIVE
        or (member.role == Role.AGENT and not member.takes_leads)
    ):
        raise ValidationError(_("You cannot take leads while you are not active."))
    lead = (
        leads_access.visible_pool(user)
        .select_for_update(skip_locked=True, no_key=True, of=("self",))
        .filter(pk=lead_id)
        .first()
    )
    if lead is None:
        if leads_access.visible_pool(user).filter(pk=lead_id).exists():
            raise ValidationError(_("Someone else is claiming this lead right now."))
        raise ValidationError(
            _("This lead is no longer in the pool; someone else just claimed it.")
        )
    now = timezone.now()
    if lead.cooloff_until and lead.cooloff_until > now:
        raise ValidationError(
            _("This lead may not be worked before %(when)s.")
            % {"when": timezone.localtime(lead.cooloff_until).strftime("%Y-%m-%d %H:%M")}
        )
    policy = LeadPolicy.cached()
    cooloff_from = now - dt.timedelta(days=policy.claim_back_cooloff_days)
    if Assignment.objects.filter(
        lead=lead, from_user_id=user.pk, kind__in=LOST_KINDS, at__gte=cooloff_from
    ).exists():
        raise ValidationError(
            ngettext(
                "You released or lost this lead recently; you may claim it back after %(n)d day.",
                "You released or lost this lead recently; you may claim it back after %(n)d days.",
                policy.claim_back_cooloff_days,
            )
            % {"n": policy.claim_back_cooloff_days}
        )
    allowance = claim_allowance(user, policy=policy)
    if allowance["open_leads"] >= allowance["open_lead_cap"]:
        raise ValidationError(
            _("You already hold %(n)d open leads, the most you may hold to claim more.")
            % {"n": allowance["open_leads"]}
        )
    if allowance["claimed_today"] >= allowance["daily_claim_limit"]:
        raise ValidationError(
            _("You reached today's claim limit (%(n)d).") % {"n": allowance["daily_claim_limit"]}
        )
    lead.owner_id = user.pk
    lead.team_id = member.team_id or lead.team_id
    lead.assigned_at = now
    lead.reclaim_warned_at = None
    lead.save(update_fields=["owner", "team", "assigned_at", "reclaim_warned_at", "updated_at"])
    assignment_record(
        lead=lead,
        kind=Assignment.Kind.CLAIM,
        to_user_id=user.pk,
        team_id=lead.team_id,
        by=user,
        at=now,
        reason=_("Claimed from the pool (%(n)d of %(limit)d claims today).")
        % {"n": allowance["claimed_today"] + 1, "limit": allowance["daily_claim_limit"]},
    )
    return lead


def _to_pool(lead: Lead, *, kind: str, by, reason: str) -> Assignment:
    previous = lead.owner_id
    if lead.team_id is None and previous is not None:
        lead.team_id = (
            Member.objects.filter(user_id=previous).values_list("team_id", flat=True).first()
        )
    now = timezone.now()
    lead.owner_id, lead.assigned_at, lead.reclaim_warned_at = None, None, None
    lead.save(update_fields=["owner", "team", "assigned_at", "reclaim_warned_at", "updated_at"])
    return assignment_record(
        lead=lead,
        kind=kind,
        from_user_id=previous,
        team_id=lead.team_id,
        by=by,
        reason=reason,
        at=now,
    )


@transaction.atomic
def lead_release(*, lead: Lead, by, reason: str) -> Lead:
    """The owner (or a manager over them) gives a lead back to the pool of its team."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why you release the lead.")})
    locked = (
        leads_access.visible_leads(by)
        .select_for_update(no_key=True, of=("self",))
        .filter(pk=lead.pk)
        .first()
    )
    if locked is None:
        raise ValidationError(_("Unknown lead."))
    if locked.owner_id is None:
        raise ValidationError(_("This lead is already in the pool."))
    if not locked.is_open:
        raise ValidationError(_("A closed lead cannot be released."))
    if locked.owner_id != by.pk and not leads_access.can_manage_leads(by):
        raise ValidationError(_("Only the lead's owner or their manager can release it."))
    _to_pool(locked, kind=Assignment.Kind.RELEASE, by=by, reason=reason.strip())
    return locked


@transaction.atomic
def lead_return_to_pool(*, lead: Lead, reason: str, by=None) -> Lead:
    """A rule (e.g. too many unanswered calls) takes a lead back; the agent is told."""
    locked = Lead.objects.select_for_update(no_key=True).get(pk=lead.pk)
    if locked.owner_id is None or not locked.is_open:
        return locked
    owner_id = locked.owner_id
    assignment = _to_pool(locked, kind=Assignment.Kind.RETURN, by=by, reason=reason)
    notify(
        user_id=owner_id,
        key=f"lead-returned:{assignment.pk}",
        kind="lead_returned",
        url=reverse("leads:detail", args=[locked.pk]),
        text=_("Lead %(lead)s went back to the pool: %(reason)s")
        % {"lead": locked, "reason": reason},
    )
    return locked


# --- the automatic reclaim ----------------------------------------------------------------


def _reclaim_groups(policy: LeadPolicy) -> list[tuple[int, Q]]:
    """(days, which leads) for each distinct reclaim period: team overrides, then the rest."""
    overrides: dict[int, list[int]] = {}
    for team_id, days in TeamLeadSettings.objects.filter(
        reclaim_after_days__isnull=False
    ).values_list("team_id", "reclaim_after_days"):
        overrides.setdefault(days, []).append(team_id)
    groups = [
        (days, Q(team_id__in=ids))
        for days, ids in overrides.items()
        if days != policy.reclaim_after_days
    ]
    special = [
        pk for days, ids in overrides.items() if days != policy.reclaim_after_days for pk in ids
    ]
    groups.append((policy.reclaim_after_days, ~Q(team_id__in=special) | Q(team_id__isnull=True)))
    return groups


def owned_open_leads():
    """Owned open leads with `clock`: when the reclaim rule's days start counting."""
    clock = Greatest(
        Coalesce("last_contact_at", "assigned_at"), "assigned_at", output_field=DateTimeField()
    )
    return Lead.objects.filter(owner__isnull=False, status__in=OPEN_STATUSES).alias(clock=clock)


@transaction.atomic
def reclaim_stale_leads(*, now: dt.datetime | None = None) -> dict:
    """Warn agents a day ahead, then return leads with no follow-up for N days to the pool.

    Set-based: per reclaim period one statement marks the leads to warn and one moves
    the stale leads and writes their history, and each agent gets one notification per sweep (a
    sweep over a million leads may touch thousands of an agent's leads; the header is
    not the place to list them one by one, the worklist is). A lead is reclaimed only
    after its owner was warned about this very period at least a day earlier, so a
    sweep that starts late never takes a lead without notice. Idempotent: a second run
    finds nothing new to warn or take.
    """
    now = now or timezone.now()
    policy = LeadPolicy.current()
    warned_per_agent: Counter = Counter()
    reclaimed_per_agent: Counter = Counter()
    for days, which in _reclaim_groups(policy):
        warn_cutoff = now - dt.timedelta(days=days) + RECLAIM_NOTICE
        due = (
            owned_open_leads()
            .filter(which, clock__lt=warn_cutoff)
            .filter(Q(reclaim_warned_at__isnull=True) | Q(reclaim_warned_at__lt=F("clock")))
        )
        warned_per_agent.update(pool_db.warn(due, now=now))
        stale = (
            owned_open_leads()
            .filter(
                which,
                clock__lt=now - dt.timedelta(days=days),
                reclaim_warned_at__gte=F("clock"),
                reclaim_warned_at__lte=now - RECLAIM_NOTICE,
            )
            .select_for_update(skip_locked=True, no_key=True)
            .values_list("pk", "owner_id", "team_id")
        )
        reason = ngettext(
            "No follow-up for %(n)d day: reclaimed to the pool automatically.",
            "No follow-up for %(n)d days: reclaimed to the pool automatically.",
            days,
        ) % {"n": days}
        reclaimed_per_agent.update(pool_db.reclaim(stale, reason=reason, now=now))
    stamp = now.strftime("%Y%m%dT%H%M%S")
    notes = [
        Notification(
            user_id=user_id,
            key=f"reclaim-warning:{user_id}:{stamp}",
            kind="reclaim_warning",
            url=reverse("leads:worklist"),
            created_at=now,
            text=ngettext(
                "%(n)d of your leads goes back to the pool tomorrow unless you follow it up.",
                "%(n)d of your leads go back to the pool tomorrow unless you follow them up.",
                count,
            )
            % {"n": count},
        )
        for user_id, count in warned_per_agent.items()
    ] + [
        Notification(
            user_id=user_id,
            key=f"reclaimed:{user_id}:{stamp}",
            kind="lead_reclaimed",
            url=reverse("leads:pool"),
            created_at=now,
            text=ngettext(
                "%(n)d of your leads was reclaimed to the pool for lack of follow-up.",
                "%(n)d of your leads were reclaimed to the pool for lack of follow-up.",
                count,
            )
            % {"n": count},
        )
        for user_id, count in reclaimed_per_agent.items()
    ]
    Notification.objects.bulk_create(notes, ignore_conflicts=True)
    return {
        "warned": sum(warned_per_agent.values()),
        "reclaimed": sum(reclaimed_per_agent.values()),
    }
