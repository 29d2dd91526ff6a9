"""Follow-ups, calls and the disposition rules that move a lead along.

Every touch of a customer is a `FollowUp` (跟进记录). What happens next is not coded per
disposition here but read from the admin-editable `DispositionRule` table (defaults come
from a data migration): the status the lead moves to, the retry that is scheduled, how
many unanswered calls in a row send it back to the pool, the cool-off before it may be
worked again. The status itself only ever moves forward along the table in
`leads.states` (through `leads.services.moves.lead_move`), so a "reached" logged on an
interested lead does not demote it.

Calls come from two places: phone systems (`call_record`, matched to the lead by the
customer's number and to the agent by extension, never failing on an unknown number) and
agents typing them in with a follow-up (`call_log`).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.config import cached
from crm.models import Member, Notification
from crm.phones import mask, normalize_or_none
from crm.selectors import member_extension
from leads.access import can_work_lead
from leads.models import (
    OPEN_STATUSES,
    Call,
    Disposition,
    DispositionRule,
    FollowUp,
    FollowUpChannel,
    Lead,
    LeadEvent,
    LeadStatus,
)
from leads.states import can_move
from risk.audit import stored_as_read
from risk.models import DoNotCall
from risk.services import do_not_call_add, is_do_not_call

from . import calling, capture, pool
from .moves import lead_move

DNC_CONTACT = "dnc_contact"

# Attempts that did not reach the customer: they count towards "K misses → pool".
MISSED_DISPOSITIONS = frozenset({Disposition.NO_ANSWER, Disposition.BUSY})

REMINDER_KEY_PREFIX = "followup-due"


def reminder_key(lead_id: int, due_at: dt.datetime) -> str:
    """The notification key of one due follow-up: one reminder per lead and due time."""
    return f"{REMINDER_KEY_PREFIX}:{lead_id}:{due_at:%Y%m%d%H%M}"


# The rules a center starts with (the data migration installs a frozen copy of these).
DEFAULT_DISPOSITION_RULES: dict[str, dict] = {
    Disposition.REACHED: {"set_status": LeadStatus.CONTACTED},
    Disposition.NO_ANSWER: {"retry_after_minutes": 120, "return_to_pool_after": 5},
    Disposition.BUSY: {"retry_after_minutes": 120, "return_to_pool_after": 5},
    Disposition.WRONG_NUMBER: {"set_status": LeadStatus.INVALID},
    Disposition.CALL_BACK: {"set_status": LeadStatus.CONTACTED, "requires_next_followup": True},
    Disposition.NOT_INTERESTED: {"set_status": LeadStatus.LOST, "cooloff_days": 30},
    Disposition.INTERESTED: {"set_status": LeadStatus.INTERESTED},
    Disposition.WON: {"set_status": LeadStatus.WON},
    Disposition.LOST: {"set_status": LeadStatus.LOST},
    Disposition.DO_NOT_CALL: {"set_status": LeadStatus.LOST},
}


@transaction.atomic
def disposition_rules_install_defaults() -> int:
    """Add the default rule of every disposition that has none; keep the admin's edits.

    Returns how many were added.
    """
    added = 0
    for disposition, values in DEFAULT_DISPOSITION_RULES.items():
        _rule, created = DispositionRule.objects.get_or_create(
            disposition=disposition, defaults=values
        )
        added += created
    return added


DISPOSITION_RULES_CACHE_KEY = "leads.disposition_rules"


def _rules() -> dict[str, DispositionRule]:
    return {rule.disposition: rule for rule in DispositionRule.objects.all()}


def _rule_for(disposition: str) -> DispositionRule:
    """The admin's rule, or an inert one (only the follow-up is recorded) if deleted.

    Every follow-up reads it: the rules are kept a few seconds per process (`crm.config`,
    cleared when a rule is saved). Read-only: the settings pages edit the stored rows."""
    rule = cached(DISPOSITION_RULES_CACHE_KEY, _rules).get(disposition)
    return rule or DispositionRule(disposition=disposition)


def followup_log(
    *,
    lead: Lead,
    agent,
    channel: str,
    disposition: str,
    notes: str = "",
    product: str = "",
    budget: Decimal | None = None,
    timeline: str = "",
    next_followup_at: dt.datetime | None = None,
    call: Call | None = None,
    call_started_at: dt.datetime | None = None,
    call_duration_seconds: int | None = None,
    at: dt.datetime | None = None,
) -> FollowUp:
    """Record one touch of a lead (see `_followup_log`); a contact the risk controls refuse
    (do-not-call, calling hours, attempt caps) is noted for the risk dashboard after the
    refused transaction rolled back, then raised as the field error it is."""
    try:
        return _followup_log(
            lead=lead,
            agent=agent,
            channel=channel,
            disposition=disposition,
            notes=notes,
            product=product,
            budget=budget,
            timeline=timeline,
            next_followup_at=next_followup_at,
            call=call,
            call_started_at=call_started_at,
            call_duration_seconds=call_duration_seconds,
            at=at,
        )
    except calling.ContactRefused as refusal:
        _note_refusal(refusal, lead=lead, user=agent)
        raise


def _note_refusal(refusal: calling.ContactRefused, *, lead: Lead, user) -> None:
    from risk.services import risk_event_record

    risk_event_record(
        kind=refusal.kind,
        user=user,
        lead=lead,
        phone=lead.phone,
        detail="; ".join(refusal.messages),
    )


@transaction.atomic
def _followup_log(
    *,
    lead: Lead,
    agent,
    channel: str,
    disposition: str,
    notes: str = "",
    product: str = "",
    budget: Decimal | None = None,
    timeline: str = "",
    next_followup_at: dt.datetime | None = None,
    call: Call | None = None,
    call_started_at: dt.datetime | None = None,
    call_duration_seconds: int | None = None,
    at: dt.datetime | None = None,
) -> FollowUp:
    """Record one touch of a lead and apply its disposition's rule.

    The lead row is locked for the whole action, so two follow-ups logged at once both
    count and the "K misses in a row" rule sees every miss. A phone follow-up may bring
    its call along: an existing `call` (e.g. one a phone system posted), or a call the
    agent typed in (`call_duration_seconds`, started at `call_started_at` or `at`), which
    is stored in the same transaction so a refused follow-up leaves no stray call.

    Refused with a field error: a closed or cooling-off lead, a phone follow-up to a
    do-not-call number, a next follow-up time in the past, a disposition whose rule needs
    a next follow-up time without one, someone who may not work this lead.
    """
    now = timezone.now()
    at = at or now
    if channel not in FollowUpChannel.values:
        raise ValidationError({"channel": _("Unknown channel.")})
    if disposition not in Disposition.values:
        raise ValidationError({"disposition": _("Unknown disposition.")})
    locked = Lead.objects.select_for_update().get(pk=lead.pk)
    stored_as_read(locked)
    if not can_work_lead(agent, locked):
        raise ValidationError(
            {"lead": _("Only the lead's owner or their manager may log a follow-up.")}
        )
    if locked.status not in OPEN_STATUSES:
        raise ValidationError(
            {
                "lead": _("This lead is closed (%(status)s).")
                % {"status": locked.get_status_display()}
            }
        )
    if locked.cooloff_until and locked.cooloff_until > now:
        raise ValidationError(
            {
                "lead": _("This lead may not be worked before %(date)s.")
                % {"date": timezone.localtime(locked.cooloff_until).strftime("%Y-%m-%d")}
            }
        )
    if channel == FollowUpChannel.PHONE and is_do_not_call(locked.phone):
        raise calling.ContactRefused(_("This number is on the do-not-call list."), kind=DNC_CONTACT)
    if channel == FollowUpChannel.PHONE and call is None:
        # A new attempt (not the write-up of a call the phone system recorded).
        calling.contact_check(lead=locked, at=call_started_at or at)
    if next_followup_at is not None and next_followup_at <= now:
        raise ValidationError({"next_followup_at": _("The next follow-up must be in the future.")})
    rule = _rule_for(disposition)
    if rule.requires_next_followup and next_followup_at is None:
        raise ValidationError(
            {"next_followup_at": _("This outcome needs a time for the next follow-up.")}
        )
    if call is None and call_duration_seconds is not None:
        if channel != FollowUpChannel.PHONE:
            raise ValidationError({"channel": _("Only a phone follow-up has a call.")})
        call = _call_create(
            lead=locked,
            agent=agent,
            started_at=call_started_at or at,
            duration_seconds=call_duration_seconds,
        )
    elif call is not None:
        if call.lead_id not in (None, locked.pk):
            raise ValidationError({"call": _("This call belongs to another lead.")})
        if FollowUp.objects.filter(call=call).exists():
            raise ValidationError({"call": _("This call already has a follow-up.")})
        if call.lead_id is None:
            call.lead = locked
            call.save(update_fields=["lead"])

    followup = FollowUp.objects.create(
        lead=locked,
        agent=agent,
        channel=channel,
        disposition=disposition,
        notes=notes,
        product=product,
        budget=budget,
        timeline=timeline,
        next_followup_at=next_followup_at,
        call=call,
        created_at=at,
    )

    fields = ["last_contact_at", "next_followup_at", "followup_count", "missed_calls"]
    locked.last_contact_at = max(at, locked.last_contact_at) if locked.last_contact_at else at
    # The row is locked: its count is exact, no F() (and no read back) needed.
    locked.followup_count += 1
    missed = locked.missed_calls + 1 if disposition in MISSED_DISPOSITIONS else 0
    locked.missed_calls = missed
    # Needs analysis (需求分析): what the customer said last is what the lead shows.
    needs = {"product": product, "budget": budget, "timeline": timeline}
    needs = {name: value for name, value in needs.items() if value not in (None, "")}
    if needs:
        for name, value in needs.items():
            setattr(locked, name, value)
        # What the customer wants is part of the score (budget, product): grade again.
        capture.Scorer.load().apply(locked)
        fields += [*needs, "score", "grade", "score_details"]
    # A rule's status is applied only when the table allows the move; anything else keeps
    # the current status (closed leads take no follow-ups at all, see above).
    move_to = rule.set_status if can_move(locked.status, rule.set_status) else None
    status_after = move_to or locked.status
    if rule.cooloff_days:
        locked.cooloff_until = at + dt.timedelta(days=rule.cooloff_days)
        fields.append("cooloff_until")
    if status_after not in OPEN_STATUSES:
        locked.next_followup_at = None
    elif next_followup_at is not None:
        locked.next_followup_at = next_followup_at
    elif rule.retry_after_minutes:
        locked.next_followup_at = max(at, now) + dt.timedelta(minutes=rule.retry_after_minutes)
    else:
        locked.next_followup_at = None
    back_to_pool = bool(
        rule.return_to_pool_after
        and status_after in OPEN_STATUSES
        and missed >= rule.return_to_pool_after
    )
    if back_to_pool:
        # The next owner starts afresh; the misses stay on record in the follow-ups.
        locked.next_followup_at = None
        locked.missed_calls = 0
    if move_to:
        # The status and the follow-up's own fields in one UPDATE (one audit entry).
        lead_move(
            lead=locked,
            to=move_to,
            by=agent,
            why=str(Disposition(disposition).label),
            source=LeadEvent.Source.DISPOSITION,
            at=at,
            also=fields,
        )
    else:
        locked.save(update_fields=[*fields, "updated_at"])

    _reminders_mark_handled(lead_id=locked.pk, user_ids={agent.pk, locked.owner_id})
    if disposition == Disposition.DO_NOT_CALL:
        do_not_call_add(
            phone=locked.phone,
            reason=_("The customer asked not to be called again."),
            source=DoNotCall.Source.CUSTOMER,
            by=agent,
        )
    if back_to_pool:
        pool.lead_return_to_pool(
            lead=locked,
            reason=_("%(count)s unanswered calls in a row") % {"count": missed},
            by=agent,
        )
    if back_to_pool or disposition == Disposition.DO_NOT_CALL:
        lead.refresh_from_db()  # other services moved the row
    else:
        # The locked row is the lead as stored now: the caller's copy takes its values.
        for field in Lead._meta.concrete_fields:
            setattr(lead, field.attname, getattr(locked, field.attname))
    return followup


def _reminders_mark_handled(*, lead_id: int, user_ids: set) -> None:
    """A follow-up was logged: its "due" reminders need no more attention."""
    Notification.objects.filter(
        user_id__in=[pk for pk in user_ids if pk],
        key__startswith=f"{REMINDER_KEY_PREFIX}:{lead_id}:",
        read_at__isnull=True,
    ).update(read_at=timezone.now())


@transaction.atomic
def lead_mark_won(*, lead: Lead, by: AbstractBaseUser | None, reason: str = "") -> Lead:
    """The customer bought (an order was taken): an open lead becomes won.

    A lead already won stays as it is (a second order); a lost or invalid one is refused.
    """
    locked = Lead.objects.select_for_update().get(pk=lead.pk)
    if locked.status == LeadStatus.WON:
        return locked
    if not can_move(locked.status, LeadStatus.WON):
        raise ValidationError(
            {
                "lead": _("This lead is closed (%(status)s).")
                % {"status": locked.get_status_display()}
            }
        )
    locked.next_followup_at = None
    lead_move(
        lead=locked,
        to=LeadStatus.WON,
        by=by,
        why=reason or str(LeadStatus.WON.label),
        source=LeadEvent.Source.ORDER,
        also=["next_followup_at"],
    )
    _reminders_mark_handled(lead_id=locked.pk, user_ids={getattr(by, "pk", None), locked.owner_id})
    lead.refresh_from_db(fields=["status", "closed_reason", "next_followup_at"])
    return locked


# --- calls --------------------------------------------------------------------------------

# No call is older than this: an earlier start is a wrong date (a year typed as 0371, a
# phone system's clock at zero), and dates before 1901 are shown in Asia/Shanghai's local
# mean time, +08:05:43, which is no valid RFC 3339 date-time.
EARLIEST_CALL = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
# How far ahead of ours a phone system's or an agent's clock may be.
CLOCK_SKEW = dt.timedelta(minutes=5)


def _check_call_times(started_at: dt.datetime, duration_seconds: int | None) -> None:
    if duration_seconds is None or duration_seconds < 0:
        raise ValidationError({"duration_seconds": _("The duration cannot be negative.")})
    if started_at < EARLIEST_CALL:
        raise ValidationError({"started_at": _("A call cannot start before the year 2000.")})
    if started_at > timezone.now() + CLOCK_SKEW:
        raise ValidationError({"started_at": _("A call cannot start in the future.")})


def _call_create(
    *,
    lead: Lead,
    agent,
    started_at: dt.datetime,
    duration_seconds: int,
    direction: str = Call.Direction.OUTBOUND,
    recording_url: str = "",
) -> Call:
    _check_call_times(started_at, duration_seconds)
    extension = member_extension(agent)
    outbound = direction == Call.Direction.OUTBOUND
    return Call.objects.create(
        lead=lead,
        agent=agent,
        direction=direction,
        caller=extension if outbound else lead.phone,
        callee=lead.phone if outbound else extension,
        extension=extension,
        started_at=started_at,
        duration_seconds=duration_seconds,
        recording_url=recording_url,
        source="manual",
    )


def call_log(**kwargs) -> Call:
    """An agent records a call (see `_call_log`); refusals are noted like follow-ups'."""
    try:
        return _call_log(**kwargs)
    except calling.ContactRefused as refusal:
        _note_refusal(refusal, lead=kwargs["lead"], user=kwargs.get("agent"))
        raise


@transaction.atomic
def _call_log(
    *,
    lead: Lead,
    agent,
    started_at: dt.datetime,
    duration_seconds: int,
    direction: str = Call.Direction.OUTBOUND,
    recording_url: str = "",
) -> Call:
    """An agent records a call they made or took on their lead (no phone system feed).

    An outbound call is a new attempt: refused to a do-not-call number, outside calling
    hours or over the attempt caps. An inbound one is always recorded.
    """
    if direction not in Call.Direction.values:
        raise ValidationError({"direction": _("Unknown direction.")})
    if not can_work_lead(agent, lead):
        raise ValidationError({"lead": _("Only the lead's owner or their manager may log a call.")})
    if direction == Call.Direction.OUTBOUND:
        locked = Lead.objects.select_for_update().get(pk=lead.pk)
        if is_do_not_call(locked.phone):
            raise calling.ContactRefused(
                _("This number is on the do-not-call list."),
                kind=DNC_CONTACT,
                field="direction",
            )
        calling.contact_check(lead=locked, at=started_at, field="started_at")
    return _call_create(
        lead=lead,
        agent=agent,
        started_at=started_at,
        duration_seconds=duration_seconds,
        direction=direction,
        recording_url=recording_url,
    )


@transaction.atomic
def call_record(
    *,
    caller: str,
    callee: str,
    extension: str = "",
    started_at: dt.datetime,
    duration_seconds: int,
    recording_url: str = "",
    external_id: str = "",
    source: str = "",
    direction: str = Call.Direction.OUTBOUND,
) -> Call:
    """Store a call record posted by a phone system (Asterisk, FreeSWITCH, a cloud center).

    Idempotent on (`source`, `external_id`): phone systems retry, and the second post
    returns the call stored by the first. The customer's number (the callee of an outbound
    call, the caller of an inbound one) is normalized and matched to `Lead.phone` (one
    unique-index lookup), the agent by their extension. A number or extension nobody
    knows is not an error: the call is kept unmatched, because the phone system's record
    is a fact the center may need later (talk-time totals, disputes).
    """
    if direction not in Call.Direction.values:
        raise ValidationError({"direction": _("Unknown direction.")})
    _check_call_times(started_at, duration_seconds)
    source, external_id, extension = (
        source.strip()[:50],
        external_id.strip()[:100],
        extension.strip(),
    )
    if external_id:
        existing = Call.objects.filter(source=source, external_id=external_id).first()
        if existing is not None:
            return existing
    caller_e164, callee_e164 = normalize_or_none(caller), normalize_or_none(callee)
    customer = callee_e164 if direction == Call.Direction.OUTBOUND else caller_e164
    lead_id = (
        Lead.objects.filter(phone=customer).values_list("pk", flat=True).first()
        if customer
        else None
    )
    agent_id = (
        Member.objects.filter(extension=extension).values_list("user_id", flat=True).first()
        if extension
        else None
    )
    call = Call(
        lead_id=lead_id,
        agent_id=agent_id,
        direction=direction,
        caller=(caller_e164 or str(caller or "").strip())[:32],
        callee=(callee_e164 or str(callee or "").strip())[:32],
        extension=extension[:20],
        started_at=started_at,
        duration_seconds=duration_seconds,
        recording_url=recording_url[:500],
        external_id=external_id,
        source=source,
    )
    try:
        with transaction.atomic():
            call.save()
    except IntegrityError:
        # The same call posted twice at once: the other post stored it first.
        if not external_id:
            raise
        return Call.objects.get(source=source, external_id=external_id)
    return call


# --- reminders ----------------------------------------------------------------------------


def remind_due_followups(
    *, now: dt.datetime | None = None, window_minutes: int = 15, lookback_hours: int = 24
) -> int:
    """Tell each owner about their follow-ups coming due in the next `window_minutes`.

    Overdue ones are included once, as far back as `lookback_hours` (older ones are on the
    worklist in red anyway, and the bound keeps the sweep a short index range scan). The
    notification key carries the lead and its due time, so running the sweep twice, or on
    two workers, sends nothing twice; a lead rescheduled to a new time gets a new reminder.
    Set-based: one query for the due leads, one for reminders already sent, one insert.
    Returns how many reminders were sent.
    """
    now = now or timezone.now()
    due = list(
        Lead.objects.filter(
            owner__isnull=False,
            status__in=OPEN_STATUSES,
            next_followup_at__gte=now - dt.timedelta(hours=lookback_hours),
            next_followup_at__lte=now + dt.timedelta(minutes=window_minutes),
        )
        .order_by("next_followup_at")
        .values_list("pk", "owner_id", "name", "phone", "next_followup_at")
    )
    if not due:
        return 0
    keys = {(owner_id, reminder_key(pk, at)) for pk, owner_id, _name, _phone, at in due}
    sent = set(
        Notification.objects.filter(
            user_id__in={owner for owner, _key in keys}, key__in={key for _owner, key in keys}
        ).values_list("user_id", "key")
    )
    fresh = []
    for pk, owner_id, name, phone, at in due:
        key = reminder_key(pk, at)
        if (owner_id, key) in sent:
            continue
        sent.add((owner_id, key))
        when = timezone.localtime(at).strftime("%m-%d %H:%M")
        who = f"{name} ({mask(phone)})" if name else mask(phone)
        text = (
            _("Overdue follow-up (%(time)s): %(lead)s")
            if at < now
            else _("Follow-up due at %(time)s: %(lead)s")
        ) % {"time": when, "lead": who}
        fresh.append(
            Notification(
                user_id=owner_id,
                key=key,
                kind="followup_due",
                text=text[:300],
                url=reverse("leads:detail", args=[pk]),
                created_at=now,
            )
        )
    Notification.objects.bulk_create(fresh, ignore_conflicts=True)
    return len(fresh)
