"""Phone numbers as call centers receive them: normalized to E.164, or refused with a reason."""

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm.phones import InvalidPhone, normalize, normalize_fast
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


def answer(normalizer, raw):
    """What a normalizer says: the Phone, or the message of its refusal."""
    try:
        return normalizer(raw)
    except InvalidPhone as error:
        return ("refused", str(error))


FULL_WIDTH = str.maketrans("0123456789+-", "０１２３４５６７８９＋－")


def ways_of_writing(national: str) -> list[str]:
    """How an 11-digit number turns up in spreadsheets, the fast path's forms and others."""
    spaced = f"{national[:3]} {national[3:7]} {national[7:]}"
    dashed = f"{national[:3]}-{national[3:7]}-{national[7:]}"
    return [
        national,
        spaced,
        dashed,
        f"+86{national}",
        f"+86 {spaced}",
        f"+86-{dashed}",
        f"0086{national}",
        f"0086 {spaced}",
        f"86{national}",
        f" {national}\t",
        national.translate(FULL_WIDTH),
        f"+86-{dashed}".translate(FULL_WIDTH),
        f"({national[:3]}){national[3:]}",
        f"{national}转123",
        f"+86 {national}" + " " * 30,
        " ".join(national) + " " * 20,  # 41 characters: too long for normalize()
        f"+860{national}",
        f"86 {national[:-1]}",
    ]


@settings(max_examples=1000, deadline=None)
@given(
    st.from_regex(r"\A1[0-9]{10}\Z"),
    st.sampled_from(["", "+86", "86", "+86 ", "0086", "0086 ", "+86-", " "]),
    st.sampled_from(["plain", "spaced", "dashed", "full-width"]),
)
def test_the_import_fast_path_agrees_with_normalize(national, prefix, style):
    """The bulk path (one regular expression from libphonenumber's own patterns) must say
    what normalize says, number and refusal alike."""
    if style == "spaced":
        national = f"{national[:3]} {national[3:7]} {national[7:]}"
    elif style == "dashed":
        national = f"{national[:3]}-{national[3:7]}-{national[7:]}"
    raw = prefix + national
    if style == "full-width":
        raw = raw.translate(FULL_WIDTH)
    assert answer(normalize_fast, raw) == answer(normalize, raw)


def test_every_five_digit_prefix_answers_like_normalize():
    """libphonenumber's CN patterns look at up to five digits (e.g. 1740[0-5]): one number
    behind every prefix from 10000 to 19999, plus its common ways of writing on a sample."""
    rng = random.Random(2026)
    for prefix in range(10000, 20000):
        national = f"{prefix}{rng.randrange(10**6):06d}"
        assert answer(normalize_fast, national) == answer(normalize, national), national
        if prefix % 23 == 0:
            for raw in ways_of_writing(national):
                assert answer(normalize_fast, raw) == answer(normalize, raw), raw


@pytest.mark.parametrize(
    "raw", [None, 13800138000, "", "１３８", "138-0013-800x", "+1 415 555 0100"]
)
def test_what_the_fast_path_does_not_recognize_goes_to_normalize(raw):
    assert answer(normalize_fast, raw) == answer(normalize, raw)
