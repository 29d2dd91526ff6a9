"""Property tests: arbitrary input meets the phone normalizer, the importer's file and row
parsing and the scoring rules. Each may refuse (with its documented error) but never
raises anything else, and what it normalizes stays put when normalized again."""

import io
import string
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from crm.phones import InvalidPhone, normalize, normalize_fast
from leads.models import Channel, Grade, Intent, Lead, LeadPolicy, ScoringRule
from leads.services.capture import LEAD_FIELDS, SCORABLE_FIELDS, Scorer, lead_fields_clean
from leads.services.import_files import FileRefused, open_table

PROPERTIES = settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# Text that looks like phone numbers often: digits, separators, prefixes, full-width
# digits, extension markers, and now and then anything at all.
phone_like = st.one_of(
    st.text(alphabet="0123456789 +-()#转x.０１２３４５６７８９", max_size=30),
    st.builds(
        lambda prefix, body, sep: prefix + sep.join(body),
        st.sampled_from(["", "+86", "0086", "86", "+1", "0", "+44 "]),
        st.lists(st.text(alphabet=string.digits, min_size=1, max_size=5), max_size=5),
        st.sampled_from(["", " ", "-", "."]),
    ),
    st.text(max_size=50),
    st.integers(),
    st.none(),
)


@PROPERTIES
@given(phone_like)
@example("138 0013 8000")
@example("+86-138-0013-8000 转 123")
@example("１３８００１３８０００")
def test_phone_normalizer_refuses_only_with_invalid_phone_and_is_idempotent(raw):
    try:
        phone = normalize(raw)
    except InvalidPhone as error:
        assert str(error)  # a message a user can act on
        with pytest.raises(InvalidPhone):
            normalize_fast(raw)
        return
    assert phone.e164.startswith("+") and phone.e164[1:].isdigit()
    assert normalize(phone.e164) == phone
    assert normalize(phone.e164).e164 == normalize(normalize(phone.e164).e164).e164
    assert normalize_fast(raw) == phone


# --- the importer -------------------------------------------------------------------------

field_values = st.one_of(
    st.text(max_size=60),
    st.text(alphabet="0123456789.,万wk¥元-~面议 ", max_size=15),
    st.sampled_from(["high", "低", "中", "", "面议", "1-2万", "NaN", "Infinity", "1e999"]),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.none(),
)


@PROPERTIES
@given(st.dictionaries(st.sampled_from(LEAD_FIELDS), field_values), st.booleans())
def test_a_row_is_cleaned_into_values_or_field_errors(data, require_phone):
    values, errors = lead_fields_clean(data, require_phone=require_phone)
    assert set(values).isdisjoint(errors)
    assert set(values) | set(errors) <= set(LEAD_FIELDS)
    assert all(isinstance(message, str) and message for message in errors.values())
    if "budget" in values and values["budget"] is not None:
        assert values["budget"].is_finite() and values["budget"] >= 0
    # Cleaning what was cleaned changes nothing.
    again_input = {
        field: (value.e164 if field == "phone" else value) for field, value in values.items()
    }
    again, again_errors = lead_fields_clean(again_input, require_phone=False)
    assert not again_errors
    assert again == values


csv_text = st.lists(
    st.lists(st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=12), max_size=6),
    max_size=8,
)


@PROPERTIES
@given(st.one_of(st.binary(max_size=400), csv_text.map(lambda rows: _csv_bytes(rows))))
@example(b'a,b\n"=HYPERLINK(""x"")",1\n')
@example(b"\xef\xbb\xbf<html>")
@example(b"PK\x03\x04garbage")
def test_any_csv_upload_is_read_or_refused_with_file_refused(content):
    try:
        with open_table(io.BytesIO(content), "leads.csv") as table:
            assert all(isinstance(cell, str) for cell in table.header)
            for number, cells in table.rows:
                assert number >= 2 and all(isinstance(cell, str) for cell in cells)
    except FileRefused as error:
        assert str(error)


@PROPERTIES
@given(st.binary(max_size=400))
@example(b"PK\x03\x04\x14\x00\x00\x00\x08\x00")
def test_any_xlsx_upload_is_read_or_refused_with_file_refused(content):
    try:
        with open_table(io.BytesIO(content), "leads.xlsx") as table:
            list(table.rows)
    except FileRefused as error:
        assert str(error)


def _csv_bytes(rows) -> bytes:
    import csv

    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode("utf-8")


# --- scoring rules ------------------------------------------------------------------------

rules = st.lists(
    st.builds(
        ScoringRule,
        name=st.text(max_size=10),
        kind=st.sampled_from(ScoringRule.Kind.values),
        value=st.one_of(
            st.sampled_from(
                [*Channel.values, *Intent.values, *SCORABLE_FIELDS, "上海", "10000", "NaN"]
            ),
            st.text(max_size=12),
            st.decimals(allow_nan=True, allow_infinity=True).map(str),
        ),
        points=st.integers(min_value=-100, max_value=100),
        is_active=st.booleans(),
    ),
    max_size=12,
)
leads = st.builds(
    Lead,
    channel=st.sampled_from(Channel.values),
    intent=st.sampled_from(Intent.values),
    product=st.text(max_size=10),
    region=st.text(max_size=10),
    company=st.text(max_size=5),
    email=st.sampled_from(["", "a@b.cn"]),
    budget=st.one_of(
        st.none(), st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False)
    ),
)


@PROPERTIES
@given(rules, st.lists(leads, min_size=1, max_size=4))
@example([ScoringRule(name="b", kind="budget_at_least", value="NaN", points=5)], [Lead(budget=1)])
def test_scoring_any_rules_gives_a_bounded_score_and_a_grade(rule_list, lead_list):
    policy = LeadPolicy()
    scorer = Scorer(rule_list, policy)
    for lead in lead_list:
        total, grade, details = scorer.score(lead)
        assert -1000 <= total <= 1000
        assert grade in Grade.values and grade == policy.grade_for(total)
        assert total == max(-1000, min(1000, sum(item["points"] for item in details)))
        assert {item["kind"] for item in details} <= set(ScoringRule.Kind.values)
        scorer.apply(lead)
        alone = (lead.score, lead.grade, lead.score_details)
        scorer.apply_shared(lead)
        assert (lead.score, lead.grade, lead.score_details) == alone
        assert scorer.score(lead) == (total, grade, details)  # the same lead, the same score


def test_a_row_with_an_impossible_budget_is_a_field_error_not_a_crash():
    for budget in ("NaN", "Infinity", "-1", "1e999", Decimal("NaN"), float("inf")):
        values, errors = lead_fields_clean({"budget": budget}, require_phone=False)
        assert "budget" in errors and "budget" not in values, budget
