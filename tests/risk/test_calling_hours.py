"""Calling hours and attempt caps: outside the windows or over a cap, a new outbound call
or phone follow-up is refused with the reason (page and API), and counted; inbound calls
are always recorded; the worklist says when each lead may next be called, in a fixed
number of queries."""

import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from leads.models import Call, CallingWindow, FollowUp, LeadPolicy
from leads.services import calling, followups
from risk.models import RiskEvent
from tests.leads.factories import CallFactory, LeadFactory

pytestmark = pytest.mark.django_db

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(day: str, time: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=SHANGHAI)


@pytest.fixture
def office_hours(db):
    """09:00–12:00 and 13:30–20:00 on weekdays (the example of the issue)."""
    CallingWindow.objects.create(name="上午", weekdays="12345", start=dt.time(9), end=dt.time(12))
    CallingWindow.objects.create(
        name="下午", weekdays="12345", start=dt.time(13, 30), end=dt.time(20)
    )


def closed_now():
    """A window that is never open today: every weekday but today's."""
    today = str(timezone.localtime().isoweekday())
    days = "".join(d for d in "1234567" if d != today)
    return CallingWindow.objects.create(
        name="not today", weekdays=days, start=dt.time(0), end=dt.time(23, 59, 59, 999999)
    )


def caps(per_day=None, per_week=None):
    policy = LeadPolicy.current()
    policy.max_attempts_per_day, policy.max_attempts_per_week = per_day, per_week
    policy.save()


@pytest.fixture
def lead(org):
    return LeadFactory(owner=org.agent_a1.user, team=org.team_a, region="上海")


class TestWindows:
    def test_inside_and_outside(self, office_hours):
        rules = calling.CallingRules.load()
        lead = LeadFactory()
        calling.contact_check(lead=lead, at=at("2026-01-05", "09:00"), rules=rules)  # Monday
        calling.contact_check(lead=lead, at=at("2026-01-05", "19:59"), rules=rules)
        for moment in (at("2026-01-05", "08:59"), at("2026-01-05", "12:30"),
                       at("2026-01-05", "20:00"), at("2026-01-10", "10:00")):  # fmt: skip
            with pytest.raises(calling.ContactRefused) as refused:
                calling.contact_check(lead=lead, at=moment, rules=rules)
            assert refused.value.kind == calling.OUTSIDE_WINDOW

    def test_the_next_opening(self, office_hours):
        rules = calling.CallingRules.load()
        next_at = calling.next_callable_at(region="", now=at("2026-01-05", "12:10"), rules=rules)
        assert next_at == at("2026-01-05", "13:30")
        saturday = calling.next_callable_at(region="", now=at("2026-01-10", "10:00"), rules=rules)
        assert saturday == at("2026-01-12", "09:00")
        assert (
            calling.next_callable_at(region="", now=at("2026-01-05", "10:00"), rules=rules) is None
        )

    def test_a_regional_window_in_its_own_time_zone(self, office_hours):
        CallingWindow.objects.create(
            name="新疆", region="新疆", weekdays="12345", start=dt.time(10), end=dt.time(21),
            timezone="Asia/Urumqi",
        )  # fmt: skip
        rules = calling.CallingRules.load()
        far = LeadFactory(region="新疆乌鲁木齐")
        # 09:30 in Shanghai is 07:30 in Urumqi: too early there, fine in Shanghai.
        with pytest.raises(calling.ContactRefused):
            calling.contact_check(lead=far, at=at("2026-01-05", "09:30"), rules=rules)
        calling.contact_check(lead=LeadFactory(region="上海"), at=at("2026-01-05", "09:30"),
                              rules=rules)  # fmt: skip
        # 22:30 in Shanghai is 20:30 in Urumqi: still inside their window.
        calling.contact_check(lead=far, at=at("2026-01-05", "22:30"), rules=rules)

    def test_no_window_means_no_limit(self, lead):
        calling.contact_check(lead=lead, at=at("2026-01-04", "03:00"))

    def test_the_api_refuses_a_phone_follow_up_and_says_why(self, org, api_as, lead):
        closed_now()
        response = api_as(org.agent_a1).post(
            "/api/leads/followups/",
            {"lead": lead.pk, "channel": "phone", "disposition": "no_answer"},
            format="json",
        )
        assert response.status_code == 400
        assert "calling hours" in str(response.json()["channel"]).lower() or response.json()
        assert not FollowUp.objects.exists()
        event = RiskEvent.objects.get()
        assert (event.kind, event.user, event.lead) == ("outside_window", org.agent_a1.user, lead)

    def test_the_page_refuses_it_too(self, org, client_as, lead):
        closed_now()
        response = client_as(org.agent_a1).post(
            reverse("leads:followup_create", args=[lead.pk]),
            {"channel": "phone", "disposition": "no_answer"},
            HTTP_HX_REQUEST="true",
        )
        assert response.status_code == 200
        assert response.context["followup_form"].errors
        assert not FollowUp.objects.exists()

    def test_an_outbound_call_is_refused_an_inbound_one_recorded(self, org, api_as, lead):
        closed_now()
        client = api_as(org.agent_a1)
        started = (timezone.now() - dt.timedelta(minutes=3)).isoformat()
        out = client.post(
            "/api/leads/calls/",
            {"lead": lead.pk, "started_at": started, "duration_seconds": 60},
            format="json",
        )
        assert out.status_code == 400 and "started_at" in out.json()
        inbound = client.post(
            "/api/leads/calls/",
            {"lead": lead.pk, "started_at": started, "duration_seconds": 60,
             "direction": "inbound"},
            format="json",
        )  # fmt: skip
        assert inbound.status_code == 201
        assert Call.objects.get().direction == "inbound"

    def test_the_phone_system_feed_is_recorded_regardless(self, lead):
        closed_now()
        call = followups.call_record(
            caller=lead.phone, callee="8001", extension="8001",
            started_at=timezone.now() - dt.timedelta(minutes=1), duration_seconds=30,
            direction=Call.Direction.INBOUND, source="pbx", external_id="x1",
        )  # fmt: skip
        assert call.lead_id == lead.pk

    def test_writing_up_a_recorded_call_is_not_a_new_attempt(self, org, lead):
        closed_now()
        call = CallFactory(lead=lead, started_at=timezone.now() - dt.timedelta(minutes=2))
        followups.followup_log(
            lead=lead, agent=org.agent_a1.user, channel="phone", disposition="reached", call=call
        )


class TestCaps:
    def test_a_third_attempt_in_a_day_is_refused(self, org, api_as, lead):
        caps(per_day=2)
        client = api_as(org.agent_a1)
        for _n in range(2):
            response = client.post(
                "/api/leads/followups/",
                {"lead": lead.pk, "channel": "phone", "disposition": "no_answer"},
                format="json",
            )
            assert response.status_code == 201
        third = client.post(
            "/api/leads/followups/",
            {"lead": lead.pk, "channel": "phone", "disposition": "no_answer"},
            format="json",
        )
        assert third.status_code == 400
        assert "2" in str(third.json()["channel"])
        assert RiskEvent.objects.get().kind == "over_cap"
        # A text message is not a phone attempt.
        sms = client.post(
            "/api/leads/followups/",
            {"lead": lead.pk, "channel": "sms", "disposition": "no_answer"},
            format="json",
        )
        assert sms.status_code == 201

    def test_outbound_calls_count_and_the_week_cap_holds(self, org, lead):
        caps(per_week=3)
        now = timezone.now()
        CallFactory.create_batch(3, lead=lead, direction="outbound", started_at=now)
        CallFactory(lead=lead, direction="inbound", started_at=now)  # not an attempt
        assert calling.attempts(lead.pk, now) == (3, 3)
        with pytest.raises(calling.ContactRefused) as refused:
            followups.call_log(lead=lead, agent=org.agent_a1.user, started_at=now,
                               duration_seconds=10)  # fmt: skip
        assert refused.value.kind == calling.OVER_CAP

    def test_next_callable_after_the_cap(self, office_hours):
        rules = calling.CallingRules.load()
        rules = calling.CallingRules(rules.windows, 3, 10)
        monday_10 = at("2026-01-05", "10:00")
        assert calling.next_callable_at(
            region="", now=monday_10, rules=rules, attempts_today=3, attempts_week=3
        ) == at("2026-01-06", "09:00")
        assert calling.next_callable_at(
            region="", now=monday_10, rules=rules, attempts_today=1, attempts_week=10
        ) == at("2026-01-12", "09:00")


class TestWorklist:
    def test_shows_when_a_lead_may_next_be_called(self, org, client_as, lead):
        closed_now()
        lead.next_followup_at = timezone.now() - dt.timedelta(hours=1)
        lead.status = "contacted"
        lead.save()
        page = client_as(org.agent_a1).get(reverse("leads:worklist")).content.decode()
        assert "next-callable" in page

    def test_query_count_is_fixed_with_caps(self, org, client_as, django_assert_max_num_queries):
        caps(per_day=3, per_week=10)
        closed_now()
        client = client_as(org.agent_a1)
        LeadFactory.create_batch(3, owner=org.agent_a1.user, team=org.team_a)
        client.get(reverse("leads:worklist"))

        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as few:
            client.get(reverse("leads:worklist"))
        LeadFactory.create_batch(20, owner=org.agent_a1.user, team=org.team_a)
        with CaptureQueriesContext(connection) as many:
            response = client.get(reverse("leads:worklist"))
        assert len(many) == len(few)
        rows = response.context["worklist"].new.object_list
        assert len(rows) == 23
        assert all(row.next_callable_at is not None for row in rows)
