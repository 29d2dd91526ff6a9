"""The risk dashboard: refused contacts by kind, reveals and exports per person over the
last 7 or 30 days, anomalies (far above the peers' median, or leaving), for admins and
heads (each head their subtree), in a fixed number of queries."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.models import MemberStatus
from risk.models import ExportRecord, PhoneReveal, RiskEvent, RiskPolicy
from tests.leads.factories import LeadFactory

pytestmark = pytest.mark.django_db


def reveals(member, n, *, days_ago=1):
    lead = LeadFactory()
    at = timezone.now() - dt.timedelta(days=days_ago)
    PhoneReveal.objects.bulk_create(
        PhoneReveal(
            user=member.user, lead=lead, phone_masked="139****0001", purpose="reveal", at=at
        )
        for _n in range(n)
    )


@pytest.fixture
def history(org):
    reveals(org.agent_a1, 3)
    reveals(org.agent_a2, 4)
    reveals(org.agent_b1, 5)
    reveals(org.agent_c1, 40)  # far above the median of 4.5
    reveals(org.agent_a2, 100, days_ago=20)  # outside the last 7 days
    RiskEvent.objects.create(kind="dnc_capture", channel="import", count=7)
    RiskEvent.objects.create(kind="outside_window", user=org.agent_a1.user)
    RiskEvent.objects.create(kind="over_cap", user=org.agent_c1.user)
    ExportRecord.objects.create(user=org.manager_a.user, kind="leads", format="csv", row_count=9)


class TestTheDashboard:
    def test_an_admin_sees_the_center(self, org, client_as, history):
        board = client_as(org.admin).get(reverse("risk:dashboard")).context["board"]
        assert board.refused == {
            "dnc_capture": 7, "dnc_contact": 0, "outside_window": 1, "over_cap": 1,
        }  # fmt: skip
        counts = {row.username: row.count for row in board.reveals}
        assert counts == {"agent_a1": 3, "agent_a2": 4, "agent_b1": 5, "agent_c1": 40}
        flagged = [row.username for _what, row in board.anomalies]
        assert flagged == ["agent_c1"]
        assert [(row.username, row.rows) for row in board.exports] == [("manager_a", 9)]

    def test_thirty_days(self, org, client_as, history):
        board = client_as(org.admin).get(reverse("risk:dashboard"), {"days": 30}).context["board"]
        assert {row.username: row.count for row in board.reveals}["agent_a2"] == 104

    def test_a_leaver_above_the_median_is_flagged(self, org, client_as, history):
        policy = RiskPolicy.current()
        policy.anomaly_floor = 41  # nobody is flagged for volume alone
        policy.save()
        reveals(org.agent_b1, 10)  # 15: above the median (9.5) and a quarter of the floor
        org.agent_b1.status = MemberStatus.ON_LEAVE
        org.agent_b1.save()
        board = client_as(org.admin).get(reverse("risk:dashboard")).context["board"]
        assert [row.username for _what, row in board.anomalies] == ["agent_b1"]

    def test_a_head_sees_their_subtree_only(self, org, client_as, history):
        board = client_as(org.south_head).get(reverse("risk:dashboard")).context["board"]
        assert {row.username for row in board.reveals} == {"agent_c1"}
        assert board.refused["dnc_capture"] == 0  # the inbound refusal had no author

    def test_others_may_not_see_it(self, org, client_as):
        for member in (org.manager_a, org.agent_a1, org.inspector):
            assert client_as(member).get(reverse("risk:dashboard")).status_code == 403

    def test_rows_link_to_the_person(self, org, client_as, history):
        page = client_as(org.admin).get(reverse("risk:dashboard")).content.decode()
        assert reverse("org:member_detail", args=[org.agent_c1.pk]) in page

    def test_query_count_is_fixed(self, org, client_as, history):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client = client_as(org.admin)
        client.get(reverse("risk:dashboard"))
        with CaptureQueriesContext(connection) as few:
            client.get(reverse("risk:dashboard"))
        reveals(org.manager_b, 7)
        reveals(org.head, 2)
        with CaptureQueriesContext(connection) as many:
            client.get(reverse("risk:dashboard"))
        assert len(few) == len(many)
