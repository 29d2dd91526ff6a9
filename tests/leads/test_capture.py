"""Capture and screening: one lead per phone, a score and grade, the do-not-call list,
and the pages for manual entry, the do-not-call list and inbound keys."""

from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import ValidationError

from leads.inbound_auth import inbound_key_issue
from leads.models import (
    Channel,
    Grade,
    InboundKey,
    Intent,
    Lead,
    LeadPolicy,
    LeadSource,
    LeadStatus,
    ScoringRule,
)
from leads.services import capture
from risk.models import DoNotCall
from risk.services import do_not_call_add, do_not_call_remove, is_do_not_call
from tests.leads.factories import CampaignFactory, LeadFactory


@pytest.fixture
def rules(db):
    """A small scoring model: grades A ≥ 70, B ≥ 45, C ≥ 20 (the policy's defaults)."""
    ScoringRule.objects.all().delete()
    LeadPolicy.current()
    return [
        ScoringRule.objects.create(name="网站表单", kind="channel", value="web_form", points=20),
        ScoringRule.objects.create(name="上海", kind="region", value="上海", points=10),
        ScoringRule.objects.create(name="有公司", kind="has_field", value="company", points=10),
        ScoringRule.objects.create(name="高意向", kind="intent", value="high", points=30),
        ScoringRule.objects.create(
            name="预算1万", kind="budget_at_least", value="10000", points=10
        ),
        ScoringRule.objects.create(name="产品", kind="product", value="CRM", points=5),
        ScoringRule.objects.create(
            name="停用", kind="channel", value="manual", points=99, is_active=False
        ),
    ]


def capture_lead(**data):
    data.setdefault("phone", "138 0013 8000")
    return capture.lead_capture(data=data, channel=Channel.WEB_FORM, assign=False)


class TestCapture:
    def test_a_new_phone_makes_a_lead_with_its_source_and_score(self, rules):
        campaign = CampaignFactory()
        result = capture.lead_capture(
            data={"phone": "+86-138-0013-8000", "name": "张三", "region": "上海市", "intent": "高"},
            channel=Channel.WEB_FORM,
            campaign=campaign,
            assign=False,
        )
        lead = result.lead
        assert result.created and result.duplicate_of is None
        assert lead.phone == "+8613800138000" and lead.is_mobile
        assert (lead.channel, lead.campaign) == (Channel.WEB_FORM, campaign)
        assert lead.intent == Intent.HIGH
        assert (lead.score, lead.grade) == (60, Grade.B)
        assert {d["rule"] for d in lead.score_details} == {"网站表单", "上海", "高意向"}
        source = lead.sources.get()
        assert (source.channel, source.campaign, source.is_duplicate) == (
            Channel.WEB_FORM,
            campaign,
            False,
        )
        assert source.payload["name"] == "张三"

    def test_a_new_lead_is_queued_for_assignment_after_commit(
        self, rules, django_capture_on_commit_callbacks
    ):
        with (
            mock.patch("leads.tasks.assign_pending_leads.delay") as delay,
            django_capture_on_commit_callbacks(execute=True),
        ):
            result = capture.lead_capture(data={"phone": "13800138000"}, channel=Channel.MANUAL)
        delay.assert_called_once_with([result.lead.pk])

    def test_a_known_phone_is_merged_not_created_twice(self, rules):
        first = capture_lead(phone="13800138000", name="张三", company="").lead
        second = capture.lead_capture(
            data={
                "phone": "0086 138 0013 8000",
                "name": "张先生",
                "company": "某公司",
                "intent": "high",
            },
            channel=Channel.ADVERTISING,
            assign=False,
        )
        assert not second.created and second.duplicate_of == first
        assert Lead.objects.count() == 1
        first.refresh_from_db()
        assert first.name == "张三"  # never overwritten
        assert first.company == "某公司" and first.intent == Intent.HIGH  # filled in
        assert first.score == 20 + 10 + 30  # rescored
        duplicate = first.sources.get(is_duplicate=True)
        assert duplicate.channel == Channel.ADVERTISING
        assert duplicate.payload["name"] == "张先生"

    def test_an_invalid_number_is_an_error_on_phone(self, rules):
        with pytest.raises(ValidationError) as error:
            capture_lead(phone="12345")
        assert "phone" in error.value.message_dict
        assert not Lead.objects.exists()

    def test_a_number_on_the_do_not_call_list_is_refused_with_the_reason(self, rules):
        do_not_call_add(phone="13800138000", reason="客户投诉")
        with pytest.raises(ValidationError) as error:
            capture_lead(phone="+86 138 0013 8000")
        assert "客户投诉" in error.value.message_dict["phone"][0]
        assert not Lead.objects.exists()

    def test_unreadable_fields_are_errors_on_their_field(self, rules):
        with pytest.raises(ValidationError) as error:
            capture_lead(email="not-an-email", budget="a lot", intent="maybe")
        assert set(error.value.message_dict) == {"email", "budget", "intent"}

    def test_an_unknown_channel_is_refused(self, rules):
        with pytest.raises(ValidationError) as error:
            capture.lead_capture(data={"phone": "13800138000"}, channel="fax", assign=False)
        assert "channel" in error.value.message_dict


class TestCleaning:
    @pytest.mark.parametrize(
        ("raw", "amount"),
        [
            ("50000", Decimal("50000")),
            ("5万", Decimal("50000")),
            ("1.5w", Decimal("15000")),
            ("¥10,000元", Decimal("10000")),
            ("1-2万", Decimal("10000")),
            ("面议", None),
            ("", None),
            (12000, Decimal("12000")),
        ],
    )
    def test_budgets_as_people_write_them(self, raw, amount):
        assert capture.budget_parse(raw) == amount

    @pytest.mark.parametrize("raw", ["a lot", "-5", "5万多一点"])
    def test_what_is_not_an_amount_is_an_error(self, raw):
        with pytest.raises(ValueError):
            capture.budget_parse(raw)


class TestScoring:
    def test_grades_follow_the_policy_thresholds(self, rules):
        lead = LeadFactory.build(
            channel=Channel.WEB_FORM,
            region="上海",
            company="某公司",
            intent=Intent.HIGH,
            budget=Decimal("20000"),
            product="crm",
        )
        score, grade, details = capture.lead_score(lead)
        assert (score, grade) == (20 + 10 + 10 + 30 + 10 + 5, Grade.A)
        assert {"rule": "高意向", "kind": "intent", "points": 30} in details
        policy = LeadPolicy.current()
        policy.grade_a_from = 90
        assert capture.lead_score(lead, policy=policy)[1] == Grade.B

    def test_inactive_rules_and_bad_rule_values_do_not_count(self, rules):
        ScoringRule.objects.create(name="坏", kind="budget_at_least", value="很多", points=50)
        lead = LeadFactory.build(channel=Channel.MANUAL, region="", budget=Decimal("1"))
        assert capture.lead_score(lead)[0] == 0

    def test_a_lead_is_rescored_when_it_changes(self, rules):
        lead = capture_lead(phone="13800138000").lead
        assert (lead.score, lead.grade) == (20, Grade.C)
        capture.lead_update(lead=lead, intent="high", company="某公司")
        lead.refresh_from_db()
        assert (lead.score, lead.grade) == (60, Grade.B)

    def test_a_lead_is_rescored_when_the_rules_change(self, rules):
        lead = capture_lead(phone="13800138000").lead
        ScoringRule.objects.filter(name="网站表单").update(points=80)
        capture.lead_rescore(lead=lead)
        lead.refresh_from_db()
        assert (lead.score, lead.grade) == (80, Grade.A)

    def test_default_rules_are_installed_once(self, db):
        ScoringRule.objects.all().delete()
        assert capture.scoring_rules_install_defaults() > 10
        assert capture.scoring_rules_install_defaults() == 0


class TestLeadUpdate:
    def test_a_phone_of_another_lead_is_an_error_on_phone(self, rules):
        capture_lead(phone="13800138000")
        other = capture_lead(phone="13900139000").lead
        with pytest.raises(ValidationError) as error:
            capture.lead_update(lead=other, phone="138-0013-8000")
        assert "phone" in error.value.message_dict

    def test_a_phone_change_is_normalized(self, rules):
        lead = capture_lead(phone="13800138000").lead
        capture.lead_update(lead=lead, phone="021-6212 3456")
        lead.refresh_from_db()
        assert (lead.phone, lead.is_mobile) == ("+862162123456", False)

    def test_owner_and_status_are_not_fields_it_changes(self, rules, org):
        lead = capture_lead(phone="13800138000").lead
        with pytest.raises(TypeError):
            capture.lead_update(lead=lead, status=LeadStatus.WON)


class TestDoNotCall:
    def test_adding_twice_keeps_one_entry_and_closes_open_leads(self, org):
        owned = LeadFactory(phone="+8613800138000", owner=org.agent_a1.user)
        entry = do_not_call_add(phone="138 0013 8000", reason="本人要求", by=org.admin.user)
        again = do_not_call_add(phone="+86 13800138000", reason="再次", by=org.admin.user)
        assert entry.pk == again.pk and DoNotCall.objects.count() == 1
        owned.refresh_from_db()
        assert owned.status == LeadStatus.LOST
        assert owned.closed_reason == "do-not-call: 本人要求"
        assert owned.owner == org.agent_a1.user  # history kept

    def test_won_leads_stay_won(self, db):
        won = LeadFactory(phone="+8613800138000", status=LeadStatus.WON)
        do_not_call_add(phone="13800138000", reason="投诉")
        won.refresh_from_db()
        assert won.status == LeadStatus.WON

    def test_removal_and_lookup(self, db):
        do_not_call_add(phone="13800138000", reason="投诉")
        assert is_do_not_call("+8613800138000")
        assert do_not_call_remove(phone="138 0013 8000")
        assert not is_do_not_call("+8613800138000")
        assert not do_not_call_remove(phone="138 0013 8000")

    def test_a_reason_is_required_and_the_phone_must_be_valid(self, db):
        with pytest.raises(ValidationError) as error:
            do_not_call_add(phone="13800138000", reason=" ")
        assert "reason" in error.value.message_dict
        with pytest.raises(ValidationError) as error:
            do_not_call_add(phone="123", reason="x")
        assert "phone" in error.value.message_dict


# --- pages ------------------------------------------------------------------------------


class TestEntryPage:
    def test_an_agent_enters_a_lead(self, org, client_as, rules):
        client = client_as(org.agent_a1)
        assert client.get("/leads/new/").status_code == 200
        response = client.post(
            "/leads/new/",
            {"phone": "138 0013 8000", "name": "李四", "intent": "unknown", "channel": "referral"},
        )
        assert response.status_code == 302
        lead = Lead.objects.get()
        assert (lead.name, lead.channel, lead.created_by) == ("李四", "referral", org.agent_a1.user)

    def test_an_invalid_phone_is_shown_on_the_field(self, org, client_as, rules):
        response = client_as(org.agent_a1).post(
            "/leads/new/", {"phone": "12345", "intent": "unknown", "channel": "manual"}
        )
        assert response.status_code == 200
        assert response.context["form"].errors["phone"]

    def test_a_visible_new_lead_opens_its_page(self, org, client_as, rules):
        response = client_as(org.admin).post(
            "/leads/new/", {"phone": "13800138000", "intent": "unknown", "channel": "manual"}
        )
        assert response["Location"] == f"/leads/{Lead.objects.get().pk}/"


class TestDoNotCallPage:
    def test_admin_adds_searches_and_removes(self, org, client_as):
        client = client_as(org.admin)
        response = client.post("/leads/do-not-call/", {"phone": "13800138000", "reason": "投诉"})
        assert response.status_code == 302
        assert DoNotCall.objects.filter(phone="+8613800138000").exists()
        body = client.get("/leads/do-not-call/?q=0013").content.decode()
        assert "+8613800138000" in body
        client.post("/leads/do-not-call/remove/", {"phone": "+8613800138000"})
        assert not DoNotCall.objects.exists()

    def test_heads_and_inspectors_read_but_do_not_edit(self, org, client_as):
        for member in (org.head, org.inspector):
            client = client_as(member)
            assert client.get("/leads/do-not-call/").status_code == 200
            assert (
                client.post(
                    "/leads/do-not-call/", {"phone": "13800138000", "reason": "x"}
                ).status_code
                == 403
            )
            assert client.post("/leads/do-not-call/remove/", {"phone": "x"}).status_code == 403
        assert not DoNotCall.objects.exists()

    def test_agents_and_managers_do_not_see_the_list(self, org, client_as):
        for member in (org.agent_a1, org.manager_a):
            assert client_as(member).get("/leads/do-not-call/").status_code == 403

    def test_the_list_takes_constant_queries(self, org, client_as, django_assert_max_num_queries):
        client = client_as(org.admin)
        for n in range(3):
            do_not_call_add(phone=f"1380013800{n}", reason="x", by=org.admin.user)
        client.get("/leads/do-not-call/")
        with django_assert_max_num_queries(12) as few:
            client.get("/leads/do-not-call/")
        for n in range(3, 30):
            do_not_call_add(phone=f"138001380{n:02d}", reason="x", by=org.admin.user)
        with django_assert_max_num_queries(len(few.captured_queries)):
            client.get("/leads/do-not-call/")


class TestInboundKeysPage:
    def test_admin_issues_a_key_and_sees_it_once(self, org, client_as):
        client = client_as(org.admin)
        response = client.post("/leads/inbound-keys/", {"name": "官网", "channel": "web_form"})
        key = InboundKey.objects.get()
        plaintext = response.context["issued"]
        assert plaintext.startswith(key.prefix + ".")
        assert plaintext not in client.get("/leads/inbound-keys/").content.decode()
        client.post(f"/leads/inbound-keys/{key.pk}/disable/")
        key.refresh_from_db()
        assert not key.is_active

    def test_only_admins_manage_keys(self, org, client_as):
        inbound_key_issue(name="x", channel=Channel.WEB_FORM)
        for member in (org.head, org.manager_a, org.agent_a1, org.inspector):
            assert client_as(member).get("/leads/inbound-keys/").status_code == 403


def test_lead_sources_record_every_capture(rules):
    capture_lead(phone="13800138000")
    capture_lead(phone="13800138000")
    capture_lead(phone="13800138000")
    assert LeadSource.objects.filter(is_duplicate=True).count() == 2
