"""Capture and screening: one lead per phone, a score and grade, and the do-not-call list.

Every channel (the entry form, the inbound API, file imports) goes through the same
cleaning (`lead_fields_clean`) and the same scoring (`Scorer`), so a lead looks the same
whichever door it came in by. A phone we already know never makes a second lead: the
capture is recorded as a duplicate `LeadSource` on the existing lead and only fills the
fields it still lacks, because what an agent already wrote down is worth more than what a
web form sends later.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from crm.phones import InvalidPhone, Phone, normalize_fast
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from ..models import (
    OPEN_STATUSES,
    Campaign,
    Channel,
    DoNotCall,
    Intent,
    Lead,
    LeadPolicy,
    LeadSource,
    LeadStatus,
    ScoringRule,
)

# --- cleaning -----------------------------------------------------------------------------

#: What a capture may say about the customer; only `phone` is required.
LEAD_FIELDS = (
    "name",
    "phone",
    "company",
    "region",
    "email",
    "wechat",
    "notes",
    "product",
    "budget",
    "intent",
    "timeline",
)
_TEXT_LIMITS = {
    "name": 100,
    "company": 200,
    "region": 100,
    "wechat": 100,
    "product": 100,
    "timeline": 100,
    "email": 254,
    "notes": 5000,
}
# How people write intent in a spreadsheet or a web form.
_INTENT_WORDS = {
    Intent.HIGH: {"high", "h", "a", "高", "强", "很高", "强烈", "高意向", "有意向"},
    Intent.MEDIUM: {"medium", "mid", "m", "b", "中", "一般", "中等", "中意向"},
    Intent.LOW: {"low", "l", "c", "低", "弱", "较低", "低意向", "无意向"},
    Intent.UNKNOWN: {"", "unknown", "未知", "不详", "不确定", "待定", "-", "无", "n/a", "na"},
}
_INTENT_LOOKUP = {word: intent for intent, words in _INTENT_WORDS.items() for word in words}
# A budget nobody stated is empty, not an error.
_NO_BUDGET = {"", "面议", "未知", "不详", "不确定", "待定", "-", "无", "n/a", "na", "unknown"}
_BUDGET_NUMBER = re.compile(r"(\d+(?:\.\d+)?)\s*(万|w|k|千)?", re.IGNORECASE)
_BUDGET_UNITS = {"万": 10_000, "w": 10_000, "k": 1_000, "千": 1_000}
_BUDGET_MAX = Decimal("999999999999.99")


def phone_normalize(raw: object) -> Phone:
    """`crm.phones.normalize`, with its fast path for plain Chinese mobiles (bulk imports
    are made of them); same answers, see `crm.phones.normalize_fast`."""
    return normalize_fast(raw)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if type(value) is str and value.isascii():
        return value.strip()
    text = str(value)
    if not text.isascii() and not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    return text.strip()


def budget_parse(value: Any) -> Decimal | None:
    """`50000`, `5万`, `1.5w`, `¥10,000元`, `1-2万` (the lower bound) → a Decimal; `面议` → None.

    Raises ValueError for text that is not an amount.
    """
    if value is None:
        return None
    if isinstance(value, Decimal | int | float) and not isinstance(value, bool):
        amount = Decimal(str(value))
    elif isinstance(value, str) and value.isdigit() and value.isascii():
        amount = Decimal(value)
    else:
        text = _text(value).lower().replace(",", "").replace("，", "")
        if text in _NO_BUDGET:
            return None
        text = text.lstrip("¥￥$").removesuffix("元").removesuffix("rmb").strip()
        match = _BUDGET_NUMBER.match(text)
        if not match:
            raise ValueError(text)
        rest = text[match.end() :].strip()
        if rest and not re.fullmatch(r"(?:[-~至到]\s*\d+(?:\.\d+)?\s*(?:万|w|k|千)?)", rest):
            raise ValueError(text)
        unit = match.group(2) or _range_unit(rest)
        amount = Decimal(match.group(1)) * _BUDGET_UNITS.get((unit or "").lower(), 1)
    if amount < 0 or amount > _BUDGET_MAX or not amount.is_finite():
        raise ValueError(value)
    return amount.quantize(Decimal("0.01"))


def _range_unit(rest: str) -> str | None:
    """In `1-2万` the unit after the upper bound applies to the lower one too."""
    match = re.search(r"(万|w|k|千)$", rest)
    return match.group(1) if match else None


def lead_fields_clean(
    data: Mapping[str, Any], *, require_phone: bool
) -> tuple[dict[str, Any], dict[str, str]]:
    """Clean the customer fields present in `data`; return (values, errors by field).

    `values["phone"]` is a `Phone`. Unknown keys are ignored (they stay in the payload).
    Errors are messages a user can act on; the phone's comes first because it decides
    whether there is a lead at all.
    """
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    if "phone" in data or require_phone:
        try:
            values["phone"] = phone_normalize(data.get("phone"))
        except InvalidPhone as error:
            errors["phone"] = str(error)
    for field in LEAD_FIELDS:
        if field == "phone" or field not in data:
            continue
        raw = data[field]
        if field == "budget":
            try:
                values["budget"] = budget_parse(raw)
            except (ValueError, InvalidOperation):
                errors["budget"] = _("“%(value)s” is not an amount of money.") % {
                    "value": _text(raw)[:50]
                }
            continue
        text = _text(raw)
        if field == "intent":
            intent = _INTENT_LOOKUP.get(text.lower())
            if intent is None:
                errors["intent"] = _("“%(value)s” is not an intent (high, medium, low).") % {
                    "value": text[:50]
                }
            else:
                values["intent"] = intent
            continue
        if len(text) > _TEXT_LIMITS[field]:
            errors[field] = _("Too long: at most %(limit)d characters.") % {
                "limit": _TEXT_LIMITS[field]
            }
            continue
        if field == "email" and text:
            try:
                validate_email(text)
            except ValidationError:
                errors["email"] = _("“%(value)s” is not an email address.") % {"value": text[:50]}
                continue
        values[field] = text
    return values, errors


def _payload(data: Mapping[str, Any]) -> dict[str, Any]:
    """What was received, as JSON can store it."""
    safe: dict[str, Any] = {}
    for key, value in data.items():
        if value is None or isinstance(value, str | int | float | bool):
            safe[str(key)] = value
        else:
            safe[str(key)] = str(value)
    return safe


def _is_empty(lead: Lead, field: str) -> bool:
    value = getattr(lead, field)
    if field == "intent":
        return value in ("", Intent.UNKNOWN)
    return value is None or value == ""


def lead_fill_empty(lead: Lead, values: Mapping[str, Any]) -> list[str]:
    """Fill the lead's empty fields from `values`, never overwriting; return what changed."""
    changed = []
    for field, value in values.items():
        if field == "phone" or value is None or value == "" or value == Intent.UNKNOWN:
            continue
        if _is_empty(lead, field):
            setattr(lead, field, value)
            changed.append(field)
    return changed


# --- scoring (线索筛选) -------------------------------------------------------------------

#: Fields a `has_field` rule may name.
SCORABLE_FIELDS = ("name", "company", "region", "email", "wechat", "product", "budget", "timeline")

#: The scoring model a new center starts with. Rule names are the center's own data (shown
#: on each lead's score breakdown and edited by admins), so they start in the language
#: the product ships by default, Simplified Chinese.
DEFAULT_SCORING_RULES = (
    # Where it came from: people who reached out are warmer than a bought list.
    ("转介绍", ScoringRule.Kind.CHANNEL, Channel.REFERRAL, 25),
    ("来电咨询", ScoringRule.Kind.CHANNEL, Channel.INBOUND_CALL, 25),
    ("网页表单", ScoringRule.Kind.CHANNEL, Channel.WEB_FORM, 15),
    ("广告投放", ScoringRule.Kind.CHANNEL, Channel.ADVERTISING, 10),
    ("社交媒体", ScoringRule.Kind.CHANNEL, Channel.SOCIAL, 10),
    ("市场调研名单", ScoringRule.Kind.CHANNEL, Channel.MARKET_LIST, -5),
    # How complete the record is.
    ("有姓名", ScoringRule.Kind.HAS_FIELD, "name", 5),
    ("有公司", ScoringRule.Kind.HAS_FIELD, "company", 10),
    ("有地区", ScoringRule.Kind.HAS_FIELD, "region", 5),
    ("有邮箱", ScoringRule.Kind.HAS_FIELD, "email", 5),
    ("有微信", ScoringRule.Kind.HAS_FIELD, "wechat", 5),
    ("有意向产品", ScoringRule.Kind.HAS_FIELD, "product", 10),
    ("有预计购买时间", ScoringRule.Kind.HAS_FIELD, "timeline", 5),
    # What the customer said.
    ("意向高", ScoringRule.Kind.INTENT, Intent.HIGH, 30),
    ("意向中", ScoringRule.Kind.INTENT, Intent.MEDIUM, 15),
    ("意向低", ScoringRule.Kind.INTENT, Intent.LOW, -10),
    ("预算 1 万以上", ScoringRule.Kind.BUDGET_AT_LEAST, "10000", 10),
    ("预算 10 万以上", ScoringRule.Kind.BUDGET_AT_LEAST, "100000", 15),
)


_SCORE_MEMO_SIZE = 10_000
_EMPTY = (None, "")  # `_is_empty()` for the fields a has-field rule may name


class Scorer:
    """The active rules and grade thresholds, loaded once and applied to many leads.

    Rules are sorted by kind into lookups when loaded, so scoring a lead costs a few dict
    lookups rather than a pass over every rule (it runs once per row of an import).
    """

    def __init__(self, rules: Iterable[ScoringRule], policy: LeadPolicy):
        self.rules = tuple(rule for rule in rules if rule.is_active)
        self.policy = policy
        self._exact: dict[str, dict[str, list[ScoringRule]]] = {
            "channel": {},
            "intent": {},
            "product": {},
        }
        self._has_field: list[ScoringRule] = []
        self._region: list[tuple[str, ScoringRule]] = []
        self._budget: list[tuple[Decimal, ScoringRule]] = []
        for rule in self.rules:
            value = rule.value.strip()
            if rule.kind in (ScoringRule.Kind.CHANNEL, ScoringRule.Kind.INTENT):
                self._exact[rule.kind].setdefault(value, []).append(rule)
            elif rule.kind == ScoringRule.Kind.PRODUCT and value:
                self._exact["product"].setdefault(value.casefold(), []).append(rule)
            elif rule.kind == ScoringRule.Kind.REGION and value:
                self._region.append((value.casefold(), rule))
            elif rule.kind == ScoringRule.Kind.HAS_FIELD and value in SCORABLE_FIELDS:
                self._has_field.append(rule)
            elif rule.kind == ScoringRule.Kind.BUDGET_AT_LEAST:
                try:
                    threshold = Decimal(value)
                except InvalidOperation:
                    continue  # a rule with a bad number never matches rather than break capture
                if threshold.is_finite():  # "NaN" parses, but cannot be compared with
                    self._budget.append((threshold, rule))
        # What `matching()` reads of a lead, for `apply_shared()`'s memo.
        self._key_fields = tuple(sorted({rule.value.strip() for rule in self._has_field}))
        self._memo: dict[tuple, tuple[int, str, list[dict]]] = {}

    @classmethod
    def load(cls, *, rules: Iterable[ScoringRule] | None = None, policy=None) -> Scorer:
        if rules is None:
            rules = ScoringRule.objects.filter(is_active=True).order_by("kind", "value", "pk")
        return cls(rules, policy or LeadPolicy.current())

    def matching(self, lead) -> list[ScoringRule]:
        """The rules a lead (or anything with a lead's attributes) earns points from."""
        matched = list(self._exact["channel"].get(lead.channel, ()))
        matched += self._exact["intent"].get(lead.intent, ())
        if lead.product:
            matched += self._exact["product"].get(lead.product.casefold(), ())
        if self._region and lead.region:
            region = lead.region.casefold()
            matched += [rule for value, rule in self._region if value in region]
        if lead.budget is not None:
            budget = Decimal(lead.budget)
            matched += [rule for threshold, rule in self._budget if budget >= threshold]
        matched += [rule for rule in self._has_field if not _is_empty(lead, rule.value.strip())]
        return matched

    def score(self, lead) -> tuple[int, str, list[dict]]:
        matched = self.matching(lead)
        total = max(-1000, min(1000, sum(rule.points for rule in matched)))
        details = [
            {"rule": rule.name, "kind": rule.kind, "points": rule.points} for rule in matched
        ]
        return total, self.policy.grade_for(total), details

    def apply(self, lead) -> None:
        lead.score, lead.grade, lead.score_details = self.score(lead)

    def _key(self, lead) -> tuple:
        """Everything `matching()` reads of a lead: leads with equal keys score the same."""
        return (
            lead.channel,
            lead.intent,
            lead.product.casefold() if self._exact["product"] and lead.product else None,
            lead.region.casefold() if self._region and lead.region else None,
            lead.budget if self._budget else None,
            *[getattr(lead, name) in _EMPTY for name in self._key_fields],
        )

    def apply_shared(self, lead) -> None:
        """`apply()` for bulk work (imports score a lead per row): leads the rules cannot
        tell apart share one result, so the score details are one list for all of them,
        never to be changed in place. The memo is bounded."""
        key = self._key(lead)
        result = self._memo.get(key)
        if result is None:
            if len(self._memo) >= _SCORE_MEMO_SIZE:
                self._memo.clear()
            result = self._memo[key] = self.score(lead)
        lead.score, lead.grade, lead.score_details = result


def lead_score(lead: Lead, *, rules=None, policy=None) -> tuple[int, str, list[dict]]:
    """(score, grade, details) of a lead under the active rules (or the ones given);
    details are [{"rule": name, "kind": kind, "points": n}] for the rules that matched."""
    return Scorer.load(rules=rules, policy=policy).score(lead)


@transaction.atomic
def lead_rescore(*, lead: Lead) -> Lead:
    """Score the lead again (after it changed, or after the rules did)."""
    Scorer.load().apply(lead)
    lead.save(update_fields=["score", "grade", "score_details", "updated_at"])
    return lead


@transaction.atomic
def scoring_rules_install_defaults() -> int:
    """Install the default scoring model when there is none yet; return how many rules."""
    if ScoringRule.objects.exists():
        return 0
    rules = ScoringRule.objects.bulk_create(
        ScoringRule(name=name, kind=kind, value=value, points=points)
        for name, kind, value, points in DEFAULT_SCORING_RULES
    )
    return len(rules)


# --- do-not-call (免打扰名单) -------------------------------------------------------------


def _phone_or_error(raw: object) -> Phone:
    try:
        return phone_normalize(raw)
    except InvalidPhone as error:
        raise ValidationError({"phone": [str(error)]}) from error


def dnc_closed_reason(reason: str) -> str:
    return f"do-not-call: {reason}"[:200]


def close_leads_for_do_not_call(reasons: Mapping[str, str]) -> int:
    """Close the open leads of these numbers (phone → reason); owners and history stay."""
    if not reasons:
        return 0
    from risk.audit import current_actor

    from ..models import LeadEvent
    from .moves import lead_move_many

    leads = Lead.objects.filter(phone__in=list(reasons), status__in=OPEN_STATUSES)
    why = {pk: dnc_closed_reason(reasons[phone]) for pk, phone in leads.values_list("pk", "phone")}
    return lead_move_many(
        leads_qs_or_ids=list(why),
        to=LeadStatus.LOST,
        by=current_actor(),
        why=why,
        source=LeadEvent.Source.DO_NOT_CALL,
    ).moved


@transaction.atomic
def do_not_call_add(
    *, phone: str, reason: str, source: str = DoNotCall.Source.ADMIN, by=None
) -> DoNotCall:
    """Put a number on the list (once) and close its open leads, keeping their owners."""
    e164 = _phone_or_error(phone).e164
    reason = _text(reason)
    if not reason:
        raise ValidationError({"reason": [_("Say why this number must not be called.")]})
    if len(reason) > 200:
        raise ValidationError(
            {"reason": [_("Too long: at most %(limit)d characters.") % {"limit": 200}]}
        )
    if source not in DoNotCall.Source.values:
        raise ValidationError({"source": [_("Unknown source.")]})
    entry, _created = DoNotCall.objects.get_or_create(
        phone=e164,
        defaults={"reason": reason, "source": source, "added_by": _user_or_none(by)},
    )
    close_leads_for_do_not_call({e164: entry.reason})
    return entry


@transaction.atomic
def do_not_call_remove(*, phone: str, by=None) -> bool:
    """Take a number off the list; True if it was on it. Leads it closed stay closed."""
    try:
        e164 = phone_normalize(phone).e164
    except InvalidPhone:
        e164 = _text(phone)
    deleted, _rows = DoNotCall.objects.filter(phone=e164).delete()
    return bool(deleted)


def is_do_not_call(phone_e164: str) -> bool:
    return DoNotCall.objects.filter(phone=phone_e164).exists()


class DoNotCallRefused(ValidationError):
    """A capture of a number on the do-not-call list (a field error on "phone")."""

    kind = "dnc_capture"

    def __init__(self, message: str, *, phone: str):
        super().__init__({"phone": [message]})
        self.phone = phone


def _refuse_do_not_call(phone_e164: str) -> None:
    """Raise a field error on "phone" if the number is on the do-not-call list."""
    reason = DoNotCall.objects.filter(phone=phone_e164).values_list("reason", flat=True).first()
    if reason is not None:
        raise DoNotCallRefused(
            _("This number is on the do-not-call list (%(reason)s).") % {"reason": reason},
            phone=phone_e164,
        )


def _note_dnc_capture(refusal: DoNotCallRefused, *, by, channel: str) -> None:
    """Count a refused capture for the risk dashboard (after the refusal rolled back)."""
    from risk.services import risk_event_record

    risk_event_record(
        kind=refusal.kind,
        user=_user_or_none(by),
        phone=refusal.phone,
        channel=channel,
        detail="; ".join(refusal.messages),
    )


# --- capture ----------------------------------------------------------------------------


@dataclass
class CaptureResult:
    lead: Lead
    created: bool
    duplicate_of: Lead | None


def _user_or_none(user):
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def _check_channel(channel: str, campaign: Campaign | None) -> None:
    if channel not in Channel.values:
        raise ValidationError({"channel": [_("Unknown channel “%(value)s”.") % {"value": channel}]})
    _check_campaign(campaign)


def _check_campaign(campaign: Campaign | None) -> None:
    if campaign is not None and not isinstance(campaign, Campaign):
        raise ValidationError({"campaign": [_("Unknown campaign.")]})


def lead_capture(**kwargs) -> CaptureResult:
    """Record a lead from any channel (see `_lead_capture`); a do-not-call number is
    refused and the refusal counted for the risk dashboard."""
    try:
        return _lead_capture(**kwargs)
    except DoNotCallRefused as refusal:
        _note_dnc_capture(refusal, by=kwargs.get("by"), channel=kwargs.get("channel", ""))
        raise


@transaction.atomic
def _lead_capture(
    *,
    data: dict,
    channel: str,
    campaign: Campaign | None = None,
    by=None,
    import_job=None,
    assign: bool = True,
) -> CaptureResult:
    """Record a lead from any channel; a known phone is merged, never created twice.

    Raises ValidationError naming the field for an invalid number, a number on the
    do-not-call list, or a field that cannot be read.
    """
    _check_channel(channel, campaign)
    values, errors = lead_fields_clean(data, require_phone=True)
    if errors:
        raise ValidationError({field: [message] for field, message in errors.items()})
    phone: Phone = values.pop("phone")
    _refuse_do_not_call(phone.e164)
    user = _user_or_none(by)
    source = LeadSource(
        channel=channel,
        campaign=campaign,
        import_job=import_job,
        payload=_payload(data),
        created_by=user,
    )
    existing = Lead.objects.select_for_update().filter(phone=phone.e164).first()
    if existing is None:
        lead = Lead(
            phone=phone.e164,
            is_mobile=phone.is_mobile,
            channel=channel,
            campaign=campaign,
            created_by=user,
            **values,
        )
        Scorer.load().apply(lead)
        try:
            with transaction.atomic():
                lead.save(force_insert=True)
        except IntegrityError:
            # Someone captured the same phone a moment ago: merge into theirs.
            existing = Lead.objects.select_for_update().get(phone=phone.e164)
        else:
            source.lead = lead
            source.save(force_insert=True)
            if assign:
                _queue_assignment([lead.pk])
            return CaptureResult(lead=lead, created=True, duplicate_of=None)
    changed = lead_fill_empty(existing, values)
    if changed:
        Scorer.load().apply(existing)
        existing.save(update_fields=[*changed, "score", "grade", "score_details", "updated_at"])
    source.lead = existing
    source.is_duplicate = True
    source.save(force_insert=True)
    return CaptureResult(lead=existing, created=False, duplicate_of=existing)


def _queue_assignment(lead_ids: list[int] | None) -> None:
    def queue():
        from ..tasks import assign_pending_leads

        assign_pending_leads.delay(lead_ids)

    transaction.on_commit(queue)


#: What `lead_update` may change; owner and status move through their own services.
EDITABLE_FIELDS = (*LEAD_FIELDS, "campaign")


@transaction.atomic
def lead_update(*, lead: Lead, by=None, **fields) -> Lead:
    """Edit the customer's details, then rescore. A phone already used by another lead,
    or on the do-not-call list, is an error on `phone`."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"lead_update cannot change {', '.join(sorted(unknown))}")
    campaign = fields.pop("campaign", lead.campaign)
    _check_campaign(campaign)
    values, errors = lead_fields_clean(fields, require_phone=False)
    if errors:
        raise ValidationError({field: [message] for field, message in errors.items()})
    changed: list[str] = []
    phone: Phone | None = values.pop("phone", None)
    if phone is not None and phone.e164 != lead.phone:
        other = Lead.objects.filter(phone=phone.e164).exclude(pk=lead.pk).first()
        if other is not None:
            raise ValidationError(
                {"phone": [_("This number already belongs to lead #%(id)d.") % {"id": other.pk}]}
            )
        _refuse_do_not_call(phone.e164)
        lead.phone, lead.is_mobile = phone.e164, phone.is_mobile
        changed += ["phone", "is_mobile"]
    for field, value in values.items():
        if getattr(lead, field) != value:
            setattr(lead, field, value)
            changed.append(field)
    if campaign != lead.campaign:
        lead.campaign = campaign
        changed.append("campaign")
    if not changed:
        return lead
    Scorer.load().apply(lead)
    try:
        with transaction.atomic():
            lead.save(update_fields=[*changed, "score", "grade", "score_details", "updated_at"])
    except IntegrityError as error:
        raise ValidationError(
            {"phone": [_("This number already belongs to another lead.")]}
        ) from error
    return lead
