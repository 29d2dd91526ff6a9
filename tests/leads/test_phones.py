"""Phone numbers as call centers receive them: normalized to E.164, or refused with a reason."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from leads.phones import InvalidPhone, normalize
from leads.services.capture import phone_normalize


@pytest.mark.parametrize(
    ("raw", "e164", "is_mobile"),
    [
        ("138 0013 8000", "+8613800138000", True),
        ("+86-138-0013-8000", "+8613800138000", True),
        ("0086 138 0013 8000", "+8613800138000", True),
        ("8613800138000", "+8613800138000", True),
        ("１３８００１３８０００", "+8613800138000", True),
        ("021-6212 3456", "+862162123456", False),
        ("(0755)8888 6666", "+8675588886666", False),
        ("021-62123456转123", "+862162123456", False),
    ],
)
def test_the_usual_ways_of_writing_a_number_give_one_e164(raw, e164, is_mobile):
    phone = normalize(raw)
    assert (phone.e164, phone.is_mobile) == (e164, is_mobile)
    assert phone_normalize(raw) == phone


@pytest.mark.parametrize("raw", ["", "   ", "abc", "123", "1380013800", "138001380001", None])
def test_what_is_not_a_number_is_refused_with_a_reason(raw):
    with pytest.raises(InvalidPhone) as error:
        phone_normalize(raw)
    assert str(error.value)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_normalize_raises_nothing_but_invalid_phone_on_any_text(text):
    try:
        phone = phone_normalize(text)
    except InvalidPhone:
        return
    assert phone.e164.startswith("+")


@settings(max_examples=300, deadline=None)
@given(st.from_regex(r"\A(\+?86)?1[3-9][0-9]{9}\Z"))
def test_normalize_is_idempotent_on_its_own_output(text):
    try:
        phone = normalize(text)
    except InvalidPhone:
        return
    assert normalize(phone.e164) == phone


@settings(max_examples=1000, deadline=None)
@given(
    st.from_regex(r"\A1[0-9]{10}\Z"),
    st.sampled_from(["", "+86", "86", "+86 "]),
    st.sampled_from(["plain", "spaced", "dashed"]),
)
def test_the_import_fast_path_agrees_with_normalize(national, prefix, style):
    """The bulk path (a remembered answer per 7-digit block) must say what normalize says."""
    if style == "spaced":
        national = f"{national[:3]} {national[3:7]} {national[7:]}"
    elif style == "dashed":
        national = f"{national[:3]}-{national[3:7]}-{national[7:]}"
    raw = prefix + national
    try:
        expected = normalize(raw)
    except InvalidPhone:
        expected = None
    try:
        actual = phone_normalize(raw)
    except InvalidPhone:
        actual = None
    assert actual == expected


def test_mobile_blocks_answer_like_normalize():
    """A number from every 37th 7-digit block of 130 0000 … 199 9999 (the cache key)."""
    for block in range(1300000, 2000000, 37):
        raw = f"{block}{block % 10000:04d}"
        try:
            expected = normalize(raw)
        except InvalidPhone:
            expected = None
        try:
            actual = phone_normalize(raw)
        except InvalidPhone:
            actual = None
        assert actual == expected, raw
