"""Calling hours and attempt caps: when a lead may be called (risk controls).

Admins set calling windows (`CallingWindow`: weekdays and a local time range, per
customer region and time zone) and caps on phone attempts per lead per day and per week
(`LeadPolicy`). A new outbound attempt — a phone follow-up that is not documenting a call
the phone system already recorded, or an outbound call an agent types in — is refused
outside the windows or over a cap, with the reason. Inbound calls are never refused: a
customer calling in is not an attempt.

An attempt is an outbound `Call` on the lead, or a phone `FollowUp` with no call attached
(the agent phoned but logged no call). Days and weeks are counted in the center's time
zone (a day from midnight, a week from Monday).

The worklist shows when each lead may next be called: `CallingRules` is read once per
page (two small queries) and the attempt counts come as annotations on the page's own
query, so no query is added per row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Call, CallingWindow, FollowUp, FollowUpChannel, Lead, LeadPolicy

OUTSIDE_WINDOW = "outside_window"
OVER_CAP = "over_cap"


class ContactRefused(ValidationError):
    """A contact the calling rules (or the do-not-call list) refuse; `kind` says which."""

    def __init__(self, message, *, kind: str, field: str = "channel"):
        super().__init__({field: [message]})
        self.kind = kind


@dataclass(frozen=True)
class CallingRules:
    windows: tuple[CallingWindow, ...]
    per_day: int | None
    per_week: int | None

    @classmethod
    def load(cls) -> CallingRules:
        """The rules now, kept a few seconds per process (crm.config)."""
        from crm.config import cached

        return cached("leads.calling_rules", cls.read)

    @classmethod
    def read(cls) -> CallingRules:
        # A read: the policy is not created here (its defaults have no caps).
        policy = LeadPolicy.objects.filter(pk=1).first() or LeadPolicy()
        windows = tuple(CallingWindow.objects.filter(is_active=True).order_by("start", "pk"))
        return cls(windows, policy.max_attempts_per_day, policy.max_attempts_per_week)

    @property
    def has_caps(self) -> bool:
        return bool(self.per_day or self.per_week)

    def windows_for(self, region: str) -> tuple[CallingWindow, ...]:
        """The lead's regional windows if one matches its region, else the default ones."""
        region = region or ""
        regional = tuple(w for w in self.windows if w.region and w.region in region)
        return regional or tuple(w for w in self.windows if not w.region)


def _zone(window: CallingWindow) -> ZoneInfo:
    try:
        return ZoneInfo(window.timezone)
    except (KeyError, ValueError):
        return ZoneInfo("Asia/Shanghai")


def _inside(window: CallingWindow, at: dt.datetime) -> bool:
    local = at.astimezone(_zone(window))
    return str(local.isoweekday()) in window.weekdays and window.start <= local.time() < window.end


def _next_opening(windows, at: dt.datetime) -> dt.datetime | None:
    """The first moment at or after `at` inside one of `windows` (None: none in a week)."""
    best = None
    for window in windows:
        zone = _zone(window)
        day = at.astimezone(zone).date()
        for offset in range(8):
            date = day + dt.timedelta(days=offset)
            if str(date.isoweekday()) not in window.weekdays:
                continue
            opens = dt.datetime.combine(date, window.start, tzinfo=zone)
            closes = dt.datetime.combine(date, window.end, tzinfo=zone)
            if closes <= at:
                continue
            moment = max(opens, at)
            if best is None or moment < best:
                best = moment
            break
    return best


def period_starts(at: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """Start of `at`'s day and of its week (Monday), in the center's time zone."""
    local = timezone.localtime(at)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return day, day - dt.timedelta(days=local.weekday())


def attempts(lead_id: int, at: dt.datetime) -> tuple[int, int]:
    """Phone attempts on the lead on `at`'s day and in its week (two indexed counts)."""
    day, week = period_starts(at)
    calls = Call.objects.filter(
        lead_id=lead_id, direction=Call.Direction.OUTBOUND, started_at__gte=week
    ).aggregate(day=Count("pk", filter=Q(started_at__gte=day)), week=Count("pk"))
    phoned = FollowUp.objects.filter(
        lead_id=lead_id, channel=FollowUpChannel.PHONE, call__isnull=True, created_at__gte=week
    ).aggregate(day=Count("pk", filter=Q(created_at__gte=day)), week=Count("pk"))
    return calls["day"] + phoned["day"], calls["week"] + phoned["week"]


def _count(model_rows: QuerySet, since: dt.datetime, time_field: str) -> Subquery:
    rows = (
        model_rows.filter(lead=OuterRef("pk"), **{f"{time_field}__gte": since})
        .order_by()
        .values("lead")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def annotate_attempts(queryset: QuerySet[Lead], now: dt.datetime) -> QuerySet[Lead]:
    """Add `attempts_today` and `attempts_week` to each lead (subqueries, same query)."""
    day, week = period_starts(now)
    calls = Call.objects.filter(direction=Call.Direction.OUTBOUND)
    phoned = FollowUp.objects.filter(channel=FollowUpChannel.PHONE, call__isnull=True)
    return queryset.annotate(
        attempts_today=_count(calls, day, "started_at") + _count(phoned, day, "created_at"),
        attempts_week=_count(calls, week, "started_at") + _count(phoned, week, "created_at"),
    )


def next_callable_at(
    *,
    region: str,
    now: dt.datetime,
    rules: CallingRules,
    attempts_today: int = 0,
    attempts_week: int = 0,
) -> dt.datetime | None:
    """When the lead may next be called; None if it may be called now."""
    candidate = now
    day, week = period_starts(now)
    if rules.per_week and attempts_week >= rules.per_week:
        candidate = max(candidate, _local_midnight(week + dt.timedelta(days=7)))
    elif rules.per_day and attempts_today >= rules.per_day:
        candidate = max(candidate, _local_midnight(day + dt.timedelta(days=1)))
    windows = rules.windows_for(region)
    if windows:
        opening = _next_opening(windows, candidate)
        candidate = opening or candidate
    return None if candidate <= now else candidate


def _local_midnight(moment: dt.datetime) -> dt.datetime:
    """Midnight of `moment`'s local date (safe across a DST change in the center's zone)."""
    local = timezone.localtime(moment)
    naive = dt.datetime.combine(local.date(), dt.time())
    return timezone.make_aware(naive, timezone.get_current_timezone())


def mark_next_callable(leads, *, now: dt.datetime, rules: CallingRules) -> None:
    """Set `next_callable_at` on each lead of a page (annotated by `annotate_attempts`)."""
    for lead in leads:
        lead.next_callable_at = next_callable_at(
            region=lead.region,
            now=now,
            rules=rules,
            attempts_today=getattr(lead, "attempts_today", 0) or 0,
            attempts_week=getattr(lead, "attempts_week", 0) or 0,
        )


def contact_check(
    *, lead: Lead, at: dt.datetime, field: str = "channel", rules: CallingRules | None = None
) -> None:
    """Raise `ContactRefused` if a new phone attempt on `lead` at `at` breaks a rule."""
    rules = rules or CallingRules.load()
    windows = rules.windows_for(lead.region)
    if windows and not any(_inside(window, at) for window in windows):
        opening = _next_opening(windows, at)
        when = timezone.localtime(opening).strftime("%m-%d %H:%M") if opening else "—"
        raise ContactRefused(
            _("Outside calling hours: this customer may be called from %(time)s.") % {"time": when},
            kind=OUTSIDE_WINDOW,
            field=field,
        )
    if not rules.has_caps:
        return
    today, week = attempts(lead.pk, at)
    if rules.per_day and today >= rules.per_day:
        raise ContactRefused(
            _("This customer was already called %(count)d times today (the limit).")
            % {"count": today},
            kind=OVER_CAP,
            field=field,
        )
    if rules.per_week and week >= rules.per_week:
        raise ContactRefused(
            _("This customer was already called %(count)d times this week (the limit).")
            % {"count": week},
            kind=OVER_CAP,
            field=field,
        )
