"""Phone numbers as Chinese call centers receive them, normalized to E.164.

Accepts `138 0013 8000`, `+86-138-0013-8000`, `0086 138…`, `86138…`, full-width digits
(`１３８…`), landlines with area codes (`021-6212 3456`, `(0755)8888 6666`) and extensions
after `转`/`ext`/`#`. Validation is Google's libphonenumber (the `phonenumbers` package), so
number plans stay current with its releases.
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
