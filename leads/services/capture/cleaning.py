"""Cleaning, the first step of every capture: what a form, the API, the inbound API or a
row of an import says about the customer, as the values a lead holds (a `Phone` for the
number, a Decimal budget, an intent) or a message per field a user can act on.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import unquote

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from crm.phones import InvalidPhone, Phone, normalize_fast

from ...models import Intent, Lead

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


# A link to a number as pages and phones copy it: `tel:+86-138-0013-8000`, `tel://138…`,
# `callto:`; RFC 3966 parameters (`;ext=12`, `;phone-context=…`) follow a semicolon.
_PHONE_LINK = re.compile(r"^\s*(?:tel|callto):(?://)?([^;]*)", re.IGNORECASE)


def phone_normalize(raw: object) -> Phone:
    """`crm.phones.normalize`, with its fast path for plain Chinese mobiles (bulk imports
    are made of them); same answers, see `crm.phones.normalize_fast`. A `tel:` or
    `callto:` link (as copied from a web page or a phone) is read as the number it holds."""
    if isinstance(raw, str) and (":" in raw or "：" in raw):
        text = unicodedata.normalize("NFKC", raw)
        link = _PHONE_LINK.match(text)
        if link:
            raw = unquote(link.group(1))
    return normalize_fast(raw)


def text_clean(value: Any) -> str:
    """A value as text: NFKC-folded (full-width forms) and stripped; None is empty."""
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
        text = text_clean(value).lower().replace(",", "").replace("，", "")
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
                    "value": text_clean(raw)[:50]
                }
            continue
        text = text_clean(raw)
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


def payload_of(data: Mapping[str, Any]) -> dict[str, Any]:
    """What was received, as JSON can store it."""
    safe: dict[str, Any] = {}
    for key, value in data.items():
        if value is None or isinstance(value, str | int | float | bool):
            safe[str(key)] = value
        else:
            safe[str(key)] = str(value)
    return safe


def is_empty(lead: Lead, field: str) -> bool:
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
        if is_empty(lead, field):
            setattr(lead, field, value)
            changed.append(field)
    return changed
