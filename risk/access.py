"""Risk controls: who sees full phone numbers, who exports, who reads the risk pages.

The settings live in `risk.models.RiskPolicy` (admin-editable, cached: no query per row).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.db.models.functions import Length, Right
from django.db.models.lookups import Exact, GreaterThan

from crm.access import restrict, scope_of
from crm.models import Role
from crm.phones import ShownParts, mask, normalize_or_none, shown_parts

from .models import AuditEntry, DoNotCall, ExportRecord, PhoneReveal, RiskEvent, RiskPolicy

_FULL_NUMBERS_ATTR = "_crm_sees_full_numbers"


def sees_full_numbers(user) -> bool:
    """May `user` read customers' full phone numbers without revealing them one by one?

    By default only administrators: agents see their own leads masked too, and use the
    logged "reveal" or click-to-call on the lead page when they need the number.
    """
    scope = scope_of(user)
    if scope.role is None:
        return False
    # Memoized on the user like the scope: `phone_for` asks once per row (serializers,
    # list templates), and the policy comes from a cache that may be a network call.
    cached = getattr(user, _FULL_NUMBERS_ATTR, None)
    if cached is None:
        cached = scope.role in RiskPolicy.current().full_number_roles
        setattr(user, _FULL_NUMBERS_ATTR, cached)
    return cached


def phone_for(user, e164: str | None) -> str:
    """The phone number as `user` may see it: in full, or masked (`139****0945`).

    Every page, API serializer, export and search result of every app shows phones
    through this (or the `phone_for` template filter in `risk_tags`).
    """
    if not e164:
        return ""
    return e164 if sees_full_numbers(user) else mask(e164)


def phone_search(user, text: str, *, field: str = "phone") -> Q | None:
    """The condition a search for `text` may put on the E.164 column `field`, or None
    when the text says nothing about a number that `user` may use.

    Everyone finds a number by the whole of it, in any written form (one probe of the
    unique index). Users who see full numbers also find any run of 4 or more digits
    anywhere in it. Users who see masked numbers (`139****0945`) find only what the mask
    already shows them: the first three digits, the last four, or both
    (`crm.phones.shown_parts`). Any other run of digits finds nothing, or adding one
    digit at a time to the known last four would recover the number without a logged
    reveal. The last four are read through the `lead_phone_last_four` index.
    """
    text = (text or "").strip()
    e164 = normalize_or_none(text) if text else None
    if e164:
        return Q(**{field: e164})
    if sees_full_numbers(user):
        digits = text.replace(" ", "").replace("-", "")
        if digits.isdigit() and len(digits) >= 4:
            return Q(**{f"{field}__contains": digits})
    parts = shown_parts(text)
    return None if parts is None else _shown_parts_condition(field, parts)


def _shown_parts_condition(field: str, parts: ShownParts) -> Q:
    """Numbers whose mask shows `parts` (see `crm.phones.mask`): the national number's
    first three digits and last four, for numbers of more than 7 national digits (a
    shorter one shows two and two, so three or four of its digits would say more)."""
    chinese = Q(**{f"{field}__startswith": "+86"})
    condition = (chinese & Q(GreaterThan(Length(field), 10))) | (
        ~chinese & Q(GreaterThan(Length(field), 8))
    )
    if parts.prefix:
        condition &= Q(**{f"{field}__startswith": "+86" + parts.prefix}) | (
            ~chinese & Q(**{f"{field}__startswith": "+" + parts.prefix})
        )
    if parts.last_four:
        condition &= Q(Exact(Right(field, 4), parts.last_four))
    return condition


def can_export(user, kind: str = "") -> bool:
    """Downloads (of any `kind`) are for the roles the risk policy names."""
    scope = scope_of(user)
    return scope.role is not None and scope.role in RiskPolicy.current().export_roles


def can_see_risk(user) -> bool:
    """The risk dashboard and the export log: administrators and heads (scoped)."""
    return scope_of(user).role in (Role.ADMIN, Role.DEPARTMENT_HEAD)


def can_see_exports(user) -> bool:
    """Who exported what: managers for their team, heads for their subtree, admins all."""
    return scope_of(user).role in (Role.TEAM_MANAGER, Role.DEPARTMENT_HEAD, Role.ADMIN)


def can_search_audit(user) -> bool:
    return scope_of(user).is_admin


def visible_exports(user) -> QuerySet[ExportRecord]:
    if not can_see_exports(user):
        return ExportRecord.objects.none()
    return restrict(ExportRecord.objects.all(), user, owner="user")


def visible_reveals(user) -> QuerySet[PhoneReveal]:
    if not can_see_risk(user):
        return PhoneReveal.objects.none()
    return restrict(PhoneReveal.objects.all(), user, owner="user")


def visible_risk_events(user) -> QuerySet[RiskEvent]:
    if not can_see_risk(user):
        return RiskEvent.objects.none()
    return restrict(RiskEvent.objects.all(), user, owner="user")


def visible_audit_entries(user) -> QuerySet[AuditEntry]:
    """The whole trail is searched by administrators; a record's own entries are shown on
    its timeline to whoever may open the record (see `audit_entries_for`)."""
    if not can_search_audit(user):
        return AuditEntry.objects.none()
    return AuditEntry.objects.all()


def visible_risk_policy(user) -> QuerySet[RiskPolicy]:
    """The one policy row (made on first read), for administrators."""
    if not scope_of(user).is_admin:
        return RiskPolicy.objects.none()
    return RiskPolicy.objects.filter(pk=RiskPolicy.current().pk)


def visible_do_not_call(user) -> QuerySet[DoNotCall]:
    """The do-not-call list itself is for admins, heads and inspectors; agents only get
    told that a number is on it."""
    scope = scope_of(user)
    if scope.sees_all or scope.role == Role.DEPARTMENT_HEAD:
        return DoNotCall.objects.all()
    return DoNotCall.objects.none()
