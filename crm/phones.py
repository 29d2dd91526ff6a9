"""Phone numbers as Chinese call centers receive them, normalized to E.164.

Accepts `138 0013 8000`, `+86-138-0013-8000`, `0086 138…`, `86138…`, full-width digits
(`１３８…`), landlines with area codes (`021-6212 3456`, `(0755)8888 6666`) and extensions
after `转`/`ext`/`#`. Validation is Google's libphonenumber (the `phonenumbers` package), so
number plans stay current with its releases.

`normalize_fast` gives the same answers sooner for what bulk imports are mostly made of
(see its docstring); `normalize` is the reference it is tested against.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import phonenumbers
from django.utils.translation import gettext as _

DEFAULT_REGION = "CN"
_EXTENSION = re.compile(r"(转|ext\.?|x|#).*$", re.IGNORECASE)
# What separates digits once NFKC has folded full-width forms: dashes, brackets, dots.
_NOISE = re.compile(r"[\s\-\u2010-\u2015()\[\]\u3010\u3011.\u00b7/]")


class InvalidPhone(ValueError):
    """The text is not a phone number we can call; the message says why."""


@dataclass(frozen=True)
class Phone:
    e164: str
    is_mobile: bool

    def masked(self) -> str:
        return mask(self.e164)


def normalize(raw: object, region: str = DEFAULT_REGION) -> Phone:
    """Parse `raw` into E.164, or raise InvalidPhone with a reason a user can act on."""
    text = unicodedata.normalize("NFKC", str(raw or "")).strip()
    if not text:
        raise InvalidPhone(_("The phone number is empty."))
    if len(text) > 40:
        raise InvalidPhone(_("The phone number is too long."))
    text = _EXTENSION.sub("", text)
    text = _NOISE.sub("", text)
    if text.startswith("00"):
        text = "+" + text[2:]
    elif region == "CN" and text.startswith("86") and len(text) == 13 and text[2] == "1":
        text = "+" + text  # 86 + an 11-digit mobile, written without the plus
    if not re.fullmatch(r"\+?\d{5,20}", text):
        raise InvalidPhone(_("The phone number contains characters that are not digits."))
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as error:
        raise InvalidPhone(_("The phone number cannot be read.")) from error
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(_("This is not a valid phone number."))
    kind = phonenumbers.number_type(number)
    is_mobile = kind in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )
    return Phone(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), is_mobile)


# --- the fast path ------------------------------------------------------------------------


def _common_mobile_pattern(region: str = DEFAULT_REGION, length: int = 11) -> re.Pattern:
    """One regular expression for a Chinese mobile written plainly (after spaces and dashes
    are removed): an optional +86 / 0086 / 86, then an 11-digit national number that
    libphonenumber calls a mobile — decided with its own patterns, in the logic of its
    `number_type()`, folded into lookaheads.

    The national number is a mobile (or fixed-line-or-mobile) when it matches the general
    pattern, none of the types tested before fixed line and mobile (premium rate …
    voicemail) and the mobile pattern (the fixed-line one when the region says they are
    the same). One the region's national-prefix pattern matches the start of is left to
    `parse()`, which might strip that prefix (a carrier code such as 17951) first. The
    patterns come from the installed metadata, so this follows its releases.
    """
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)

    def applies(desc) -> bool:
        return bool(
            desc is not None
            and desc.national_number_pattern
            and (not desc.possible_length or length in desc.possible_length)
        )

    mobile = metadata.fixed_line if metadata.same_mobile_and_fixed_line_pattern else metadata.mobile
    if not (applies(metadata.general_desc) and applies(mobile)):
        return re.compile(r"(?!)")  # never: everything goes through normalize()
    excluded = (
        metadata.premium_rate,
        metadata.toll_free,
        metadata.shared_cost,
        metadata.voip,
        metadata.personal_number,
        metadata.pager,
        metadata.uan,
        metadata.voicemail,
    )
    national = f"(?=1[0-9]{{{length - 1}}}\\Z)"
    if metadata.national_prefix_for_parsing:
        national += f"(?!{metadata.national_prefix_for_parsing})"
    for desc in excluded:
        if applies(desc):
            national += f"(?!(?:{desc.national_number_pattern})\\Z)"
    national += f"(?=(?:{metadata.general_desc.national_number_pattern})\\Z)"
    national += f"(?:{mobile.national_number_pattern})"
    return re.compile(f"(?:\\+86|0086|86)?({national})")


_COMMON_MOBILE = _common_mobile_pattern()
_COMMON_SEPARATORS = str.maketrans("", "", " -")


def normalize_fast(raw: object, region: str = DEFAULT_REGION) -> Phone:
    """`normalize()`, with a short cut for the common case of a bulk import.

    A Chinese mobile written plainly — `13800138000`, `138 0013 8000`, `+86-138-…`,
    `0086…`, `86…`, full-width digits — is recognized with one regular expression (see
    `_common_mobile_pattern`) instead of libphonenumber's parser, which costs ten times
    more. Anything else goes through `normalize()` itself, so the answer (or the error)
    is always the same; tests/leads/test_phones.py checks that on every 5-digit prefix
    and many ways of writing.
    """
    if type(raw) is str and region == "CN":
        text = raw.strip() if raw.isascii() else unicodedata.normalize("NFKC", raw).strip()
        if len(text) <= 40:
            match = _COMMON_MOBILE.fullmatch(text.translate(_COMMON_SEPARATORS))
            if match:
                return Phone("+86" + match.group(1), True)
    return normalize(raw, region)


def normalize_or_none(raw: object, region: str = DEFAULT_REGION) -> str | None:
    try:
        return normalize(raw, region).e164
    except InvalidPhone:
        return None


def mask(e164: str) -> str:
    """`+8613912340945` → `139****0945`: enough to recognize, not enough to call."""
    national = e164[3:] if e164.startswith("+86") else e164.lstrip("+")
    if len(national) <= 7:
        return national[:2] + "*" * max(0, len(national) - 4) + national[-2:]
    return national[:3] + "****" + national[-4:]


def display(e164: str) -> str:
    """The national form a Chinese agent dials: `138 0013 8000`, `021 6212 3456`."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if number.country_code == 86:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


# --- searching what a mask shows ------------------------------------------------------------

# A typed search that repeats the visible parts of a masked number: `136****5635`,
# `136*5635`, `1365635`, `136`, `5635`, `****5635`, `136****` (stars in any number).
_SHOWN_PARTS = re.compile(r"(?P<prefix>\d{3})?(?P<stars>\*+)?(?P<last>\d{4})?")


@dataclass(frozen=True)
class ShownParts:
    """The parts of a number that `mask()` shows, as a search typed them: the first
    three digits of the national number and its last four (either may be empty)."""

    prefix: str = ""
    last_four: str = ""


def looks_like_number(text: str) -> bool:
    """Is `text` only digits (and the stars, spaces, dashes and brackets numbers are written
    with)? Such a search is about a phone number, never a name."""
    text = _NOISE.sub("", unicodedata.normalize("NFKC", str(text or "")))
    return bool(re.fullmatch(r"\+?[\d*]+", text))


def shown_parts(text: str) -> ShownParts | None:
    """What `text` says about the visible parts of a masked number, or None when it is not
    made of them only.

    Exactly 3 digits are the shown prefix, exactly 4 the shown last four, exactly 7 both
    (`1365635` is `136****5635` typed without stars); with stars, digits before them are
    the prefix (3) and after them the last four (4). Any other run of digits is None: a
    search must never tell a user more about a number than the mask does.
    """
    text = _NOISE.sub("", unicodedata.normalize("NFKC", str(text or "")))
    match = _SHOWN_PARTS.fullmatch(text)
    if not match or not (match["prefix"] or match["last"]):
        return None
    return ShownParts(prefix=match["prefix"] or "", last_four=match["last"] or "")
