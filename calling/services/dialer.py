"""The preview dialer: which lead an agent calls next, held for them alone while they work it.

"Start calling" opens a `DialerSession`; the agent is then shown one lead at a time, the
first one they should call now in the worklist's order (`leads.selectors.worklist`):

1. their follow-ups due by now (overdue first), earliest first (one due later today waits
   for its time);
2. their new leads with nothing scheduled, grade A first, then the longest waiting;
3. then their team's pool (公海) by grade, newest first, while they may still claim (the
   lead is claimed when they call it).

A lead is passed over when it is outside its calling window or over its attempt cap
(`leads.services.calling`), cooling off, on the do-not-call list, skipped earlier in the
session, or held by another agent's preview.

Holding is a `DialerLease` row (unique per lead) with an expiry. Taking the next lead is
one transaction: the agent's own lease is dropped, the candidates are read in order, and
the first free one is claimed with `INSERT … ON CONFLICT (lead) DO UPDATE … WHERE the
lease expired`, which answers no row while another agent's lease is live. On PostgreSQL a
second agent inserting the same lead waits for the first one's commit and then sees its
lease (no row), so two agents asking at the same moment get two different leads; SQLite
serializes writers anyway. The lease is renewed while the agent works the lead and dropped
on save & next, skip, stop and sign-out; a lease nobody renews runs out by itself.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.models import MemberStatus, Role
from leads.models import (
    OPEN_STATUSES,
    Assignment,
    FollowUp,
    FollowUpChannel,
    Lead,
    LeadPolicy,
    LeadStatus,
)
from leads.services import calling as calling_rules
from leads.services import followups, pool
from risk.models import DoNotCall

from ..access import can_dial
from ..models import DialerLease, DialerSession, DialerSkip, PhoneCall

#: Leads read per round while looking for one that may be called now.
BATCH = 20
#: Rounds per section at most (a section whose first 200 leads are all out of hours is
#: not read to its end on every "next").
MAX_ROUNDS = 10

SECTION_LABELS = {
    "due": gettext_lazy("Follow-up due"),
    "new": gettext_lazy("New lead"),
    "pool": gettext_lazy("From the team's pool"),
}


def lease_seconds() -> int:
    return int(getattr(settings, "DIALER_LEASE_SECONDS", 300))


@dataclass
class Preview:
    lead: Lead
    section: str
    expires_at: dt.datetime

    @property
    def section_label(self) -> str:
        return str(SECTION_LABELS.get(self.section, ""))


# --- the session ----------------------------------------------------------------------------


def session_for(agent) -> DialerSession | None:
    return DialerSession.objects.filter(agent_id=agent.pk, ended_at__isnull=True).first()


@transaction.atomic
def session_start(*, agent) -> DialerSession:
    """Open the agent's calling session (the open one if there is one already)."""
    if not can_dial(agent):
        raise ValidationError(_("Only agents and team managers make calls from a session."))
    session = session_for(agent)
    if session is not None:
        return session
    return DialerSession.objects.create(agent=agent)


@transaction.atomic
def session_stop(*, agent, at: dt.datetime | None = None) -> int:
    """End the agent's session and let go of the lead they held; returns leases dropped."""
    DialerSession.objects.filter(agent_id=agent.pk, ended_at__isnull=True).update(
        ended_at=at or timezone.now()
    )
    return lease_release(agent=agent)


def lease_release(*, agent, lead_id: int | None = None) -> int:
    leases = DialerLease.objects.filter(agent_id=agent.pk)
    if lead_id is not None:
        leases = leases.filter(lead_id=lead_id)
    deleted, _rows = leases.delete()
    return deleted


def lease_renew(*, agent, lead_id: int, now: dt.datetime | None = None) -> bool:
    """Keep holding the lead (the page does this while the agent works it)."""
    now = now or timezone.now()
    return bool(
        DialerLease.objects.filter(agent_id=agent.pk, lead_id=lead_id).update(
            expires_at=now + dt.timedelta(seconds=lease_seconds())
        )
    )


def held_lead_id(agent) -> int | None:
    """The lead the agent holds (even a lease just run out, if nobody took it since)."""
    return DialerLease.objects.filter(agent_id=agent.pk).values_list("lead_id", flat=True).first()


def _lease_take(*, lead_id: int, agent_id: int, now: dt.datetime) -> bool:
    """Claim the lead's lease unless another agent's is live (one statement, both DBs)."""
    table = DialerLease._meta.db_table
    ops = connection.ops
    expires = now + dt.timedelta(seconds=lease_seconds())
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (lead_id, agent_id, taken_at, expires_at) "  # noqa: S608
            "VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (lead_id) DO UPDATE SET agent_id = EXCLUDED.agent_id, "
            "taken_at = EXCLUDED.taken_at, expires_at = EXCLUDED.expires_at "
            f"WHERE {table}.expires_at <= %s OR {table}.agent_id = EXCLUDED.agent_id "
            "RETURNING lead_id",
            [
                lead_id,
                agent_id,
                ops.adapt_datetimefield_value(now),
                ops.adapt_datetimefield_value(expires),
                ops.adapt_datetimefield_value(now),
            ],
        )
        return cursor.fetchone() is not None


# --- which lead next ------------------------------------------------------------------------


def _may_claim_from_pool(agent) -> bool:
    member = getattr(agent, "member", None)
    if member is None or member.team_id is None or member.status != MemberStatus.ACTIVE:
        return False
    if member.role == Role.AGENT and not member.takes_leads:
        return False
    return pool.claim_allowance(agent)["remaining"] > 0


def _sections(agent, *, now: dt.datetime, skipped: list[int]) -> list[tuple[str, QuerySet]]:
    """The candidate lists in the order the agent works them, each already free of leads
    that are closed, cooling off, on the do-not-call list, skipped or held by another."""
    candidates = (
        Lead.objects.filter(status__in=OPEN_STATUSES)
        .filter(Q(cooloff_until__isnull=True) | Q(cooloff_until__lte=now))
        .exclude(Exists(DoNotCall.objects.filter(phone=OuterRef("phone"))))
        .exclude(
            Exists(
                DialerLease.objects.filter(lead=OuterRef("pk"), expires_at__gt=now).exclude(
                    agent_id=agent.pk
                )
            )
        )
    )
    if skipped:
        candidates = candidates.exclude(pk__in=skipped)
    mine = candidates.filter(owner_id=agent.pk)
    sections: list[tuple[str, QuerySet]] = [
        (
            "due",
            mine.filter(next_followup_at__lte=now).order_by("next_followup_at", "grade", "id"),
        ),
        (
            "new",
            mine.filter(status=LeadStatus.NEW, next_followup_at__isnull=True).order_by(
                "grade", "created_at", "id"
            ),
        ),
    ]
    member = getattr(agent, "member", None)
    if member is not None and member.team_id:
        cooloff_days = LeadPolicy.cached().claim_back_cooloff_days
        lost_lately = Assignment.objects.filter(
            lead=OuterRef("pk"),
            from_user_id=agent.pk,
            kind__in=pool.LOST_KINDS,
            at__gte=now - dt.timedelta(days=cooloff_days),
        )
        sections.append(
            (
                "pool",
                candidates.filter(owner__isnull=True, team_id=member.team_id)
                .exclude(Exists(lost_lately))
                .order_by("grade", "-created_at", "-id"),
            )
        )
    return sections


def _callable_now(leads: list[Lead], *, now: dt.datetime, rules) -> list[Lead]:
    calling_rules.mark_next_callable(leads, now=now, rules=rules)
    return [lead for lead in leads if lead.next_callable_at is None]


def lead_next(*, agent, now: dt.datetime | None = None) -> Preview | None:
    """The lead the agent should call now: the one they hold (renewed), else the next.

    Asking again gives the same lead until the agent saves, skips or stops.
    """
    now = now or timezone.now()
    lease = (
        DialerLease.objects.filter(agent_id=agent.pk, expires_at__gt=now)
        .select_related("lead")
        .first()
    )
    if lease is not None:
        lead = lease.lead
        if lead.is_open and lead.owner_id in (None, agent.pk):
            expires = now + dt.timedelta(seconds=lease_seconds())
            DialerLease.objects.filter(pk=lease.pk).update(expires_at=expires)
            section = (
                "pool"
                if lead.owner_id is None
                else ("new" if lead.next_followup_at is None else "due")
            )
            return Preview(lead=lead, section=section, expires_at=expires)
    return lead_take_next(agent=agent, now=now)


@transaction.atomic
def lead_take_next(*, agent, now: dt.datetime | None = None) -> Preview | None:
    """Let go of the held lead and take the next free one (None: nothing to call now)."""
    now = now or timezone.now()
    if not can_dial(agent):
        raise ValidationError(_("Only agents and team managers make calls from a session."))
    DialerLease.objects.filter(agent_id=agent.pk).delete()
    session = session_for(agent)
    skipped = (
        list(DialerSkip.objects.filter(session=session).values_list("lead_id", flat=True))
        if session is not None
        else []
    )
    rules = calling_rules.CallingRules.load()
    for section, rows in _sections(agent, now=now, skipped=skipped):
        if section == "pool" and not _may_claim_from_pool(agent):
            continue
        tried: list[int] = []
        for _round in range(MAX_ROUNDS):
            batch_rows = rows.exclude(pk__in=tried) if tried else rows
            if rules.has_caps:
                batch_rows = calling_rules.annotate_attempts(batch_rows, now)
            batch = list(batch_rows[:BATCH])
            if not batch:
                break
            tried.extend(lead.pk for lead in batch)
            for lead in _callable_now(batch, now=now, rules=rules):
                if _lease_take(lead_id=lead.pk, agent_id=agent.pk, now=now):
                    return Preview(
                        lead=lead,
                        section=section,
                        expires_at=now + dt.timedelta(seconds=lease_seconds()),
                    )
            if len(batch) < BATCH:
                break
    return None


# --- acting on the previewed lead ------------------------------------------------------------


def _held(agent, lead_id: int) -> Lead:
    """The lead the agent holds, else a 400 on `lead` (the lease ran out and another took it)."""
    if not DialerLease.objects.filter(agent_id=agent.pk, lead_id=lead_id).exists():
        raise ValidationError(
            {"lead": _("You no longer hold this lead; another agent may be calling it.")}
        )
    return Lead.objects.get(pk=lead_id)


def lead_skip(*, agent, lead_id: int, reason: str) -> DialerSkip:
    """Pass over the held lead, saying why; it is not offered again in this session."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why you skip this lead.")})
    with transaction.atomic():
        lead = _held(agent, lead_id)
        session = session_for(agent) or session_start(agent=agent)
        skip = DialerSkip.objects.create(
            session=session, lead=lead, agent=agent, reason=reason[:200]
        )
        lease_release(agent=agent, lead_id=lead_id)
    return skip


def _ensure_owned(agent, lead: Lead) -> Lead:
    """A lead from the team's pool becomes the agent's when they call it (the pool's claim
    with its caps and cool-offs)."""
    if lead.owner_id is None:
        return pool.lead_claim(lead_id=lead.pk, user=agent)
    return lead


def lead_prepare_call(*, agent, lead_id: int, at: dt.datetime | None = None) -> Lead:
    """Before dialing: the agent holds the lead (renewed), owns it (claimed from the pool),
    and the calling rules allow a call now. Refusals are noted for the risk dashboard."""
    at = at or timezone.now()
    lead = _held(agent, lead_id)
    lease_renew(agent=agent, lead_id=lead_id, now=at)
    lead = _ensure_owned(agent, lead)
    try:
        from risk.services import is_do_not_call

        if is_do_not_call(lead.phone):
            raise calling_rules.ContactRefused(
                _("This number is on the do-not-call list."),
                kind=followups.DNC_CONTACT,
                field="lead",
            )
        calling_rules.contact_check(lead=lead, at=at, field="lead")
    except calling_rules.ContactRefused as refusal:
        from risk.services import risk_event_record

        risk_event_record(
            kind=refusal.kind,
            user=agent,
            lead=lead,
            phone=lead.phone,
            detail="; ".join(refusal.messages),
        )
        raise
    return lead


def lead_save(
    *,
    agent,
    lead_id: int,
    disposition: str,
    notes: str = "",
    next_followup_at: dt.datetime | None = None,
    phone_call: PhoneCall | None = None,
) -> FollowUp:
    """Write up the call (a phone follow-up with the phone system's call when there is
    one), then let go of the lead. The follow-up's own rules apply (`followup_log`)."""
    lead = _ensure_owned(agent, _held(agent, lead_id))
    call = None
    if phone_call is None:
        phone_call = (
            PhoneCall.objects.filter(agent_id=agent.pk, lead_id=lead.pk, call__isnull=False)
            .filter(call__followup__isnull=True)
            .order_by("-requested_at")
            .first()
        )
    if phone_call is not None and phone_call.call_id is not None:
        if phone_call.lead_id not in (None, lead.pk) or phone_call.agent_id != agent.pk:
            raise ValidationError({"call": _("This call belongs to another lead.")})
        if not FollowUp.objects.filter(call_id=phone_call.call_id).exists():
            call = phone_call.call
    followup = followups.followup_log(
        lead=lead,
        agent=agent,
        channel=FollowUpChannel.PHONE,
        disposition=disposition,
        notes=notes,
        next_followup_at=next_followup_at,
        call=call,
    )
    lease_release(agent=agent, lead_id=lead.pk)
    return followup
