"""One person as the center may hold them: their leads, numbers, emails and names, and how
to recognise (`mentions`) and blank out (`scrub`) them in any text the center stored.

A number is recognised however it was written: E.164 (`+8613912345678`), with `0086`,
`86` or a trunk `0`, national digits with spaces, dashes or dots (`139 1234 5678`), and any
masked form that keeps more than the last four digits (`139****5678`). A masked form
keeping only the last four (`****5678`) identifies nobody and is left alone.

A name alone identifies nobody (thousands of customers are called 张伟): names are blanked
only in what belongs to the person's own records (`with_names=True`), never in other
people's rows. Numbers and emails are blanked wherever they appear.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

import phonenumbers

#: What replaces what was erased, in any text (stored data, not translated).
ERASED = "[erased]"
#: Names shorter than this are not looked for in texts (one character is any word).
MIN_NAME_LENGTH = 2
_SEPARATORS = r"[\s\-.()\u00a0]{0,2}"
_VISIBLE_DIGITS_AT_MOST = 4


def _national(e164: str) -> tuple[str, str]:
    """(country code, national significant number) of an E.164 number."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        digits = re.sub(r"\D", "", e164)
        return "", digits
    return str(number.country_code), phonenumbers.national_significant_number(number)


def _phone_pattern(e164: str) -> str:
    country, national = _national(e164)
    if len(national) < 5:
        return re.escape(e164)
    written = _SEPARATORS.join(re.escape(digit) for digit in national)
    prefix = rf"(?:(?:\+|00)?{country}{_SEPARATORS})?" if country else ""
    plain = rf"(?<!\d){prefix}0?{written}(?!\d)"
    masks = []
    n = len(national)
    for kept_start in range(n):
        for kept_end in range(n - kept_start):
            if kept_start + kept_end <= _VISIBLE_DIGITS_AT_MOST:
                continue
            if kept_start + kept_end >= n:
                continue
            start = re.escape(national[:kept_start])
            end = re.escape(national[n - kept_end :]) if kept_end else ""
            masks.append(rf"{start}\*+{end}")
    masked = rf"(?<![\d*])(?:{'|'.join(masks)})(?![\d*])" if masks else ""
    return f"{plain}|{masked}" if masked else plain


@dataclass
class Person:
    """The person a request is about: what the center holds and how it is recognised."""

    lead_ids: list[int] = field(default_factory=list)
    phones: set[str] = field(default_factory=set)  # E.164
    emails: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)

    @classmethod
    def of(
        cls,
        *,
        lead_ids: Iterable[int] = (),
        phones: Iterable[str] = (),
        emails: Iterable[str] = (),
        names: Iterable[str] = (),
    ) -> Person:
        return cls(
            lead_ids=sorted(set(lead_ids)),
            phones={phone for phone in phones if phone and phone.startswith("+")},
            emails={email.strip().lower() for email in emails if email and email.strip()},
            names={name.strip() for name in names if len((name or "").strip()) >= MIN_NAME_LENGTH},
        )

    # --- numbers as stored ---------------------------------------------------------------

    @cached_property
    def phone_forms(self) -> set[str]:
        """Exact forms a number field may hold (E.164, national, 0086…, 86…)."""
        forms: set[str] = set()
        for e164 in self.phones:
            country, national = _national(e164)
            forms |= {e164, national, f"0{national}", f"00{country}{national}"}
            forms.add(f"{country}{national}")
        return forms

    @property
    def last_fours(self) -> set[str]:
        """What any written form of the numbers contains: a cheap database pre-filter."""
        return {_national(e164)[1][-4:] for e164 in self.phones}

    # --- texts ---------------------------------------------------------------------------

    @cached_property
    def _identifiers(self) -> re.Pattern | None:
        parts = [_phone_pattern(e164) for e164 in sorted(self.phones)]
        parts += [re.escape(email) for email in sorted(self.emails)]
        return re.compile("|".join(parts), re.IGNORECASE) if parts else None

    @cached_property
    def _names(self) -> re.Pattern | None:
        if not self.names:
            return None
        names = sorted(self.names, key=len, reverse=True)
        return re.compile("|".join(re.escape(name) for name in names), re.IGNORECASE)

    def mentions(self, text: str, *, with_names: bool = False) -> bool:
        if not text:
            return False
        if self._identifiers is not None and self._identifiers.search(text):
            return True
        return bool(with_names and self._names is not None and self._names.search(text))

    def scrub(self, text: str, *, with_names: bool = False) -> str:
        """`text` with the person's numbers and emails (and names) replaced by ERASED."""
        if not text:
            return text
        if self._identifiers is not None:
            text = self._identifiers.sub(ERASED, text)
        if with_names and self._names is not None:
            text = self._names.sub(ERASED, text)
        return text

    def scrub_json(self, value, *, with_names: bool = False):
        """`scrub` on every string of a JSON value (keys are field names and stay)."""
        if isinstance(value, str):
            return self.scrub(value, with_names=with_names)
        if isinstance(value, list):
            return [self.scrub_json(item, with_names=with_names) for item in value]
        if isinstance(value, dict):
            return {
                key: self.scrub_json(item, with_names=with_names) for key, item in value.items()
            }
        return value

    def hint(self) -> str:
        """What a request keeps once the person is erased: the last four digits."""
        fours = sorted(self.last_fours)
        return f"****{fours[0]}" if fours else ERASED
