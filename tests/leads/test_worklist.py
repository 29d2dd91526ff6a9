"""The agent's day: the worklist page and the lead page.

Given an agent with leads due, overdue, new and closed, when she opens her worklist,
then the overdue come first, then today's, then the new leads by grade — and she never
sees a colleague's lead, not even by guessing its address.
"""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from leads.models import Assignment, Call, FollowUp, LeadSource, LeadStatus
from leads.selectors.leads import TIMELINE_PAGE, _timeline_sources, lead_timeline
from leads.selectors.worklist import worklist_for
from leads.services.followups import disposition_rules_install_defaults
from tests.leads.factories import CallFactory, FollowUpFactory, LeadFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def disposition_rules(db):
    """The default rules, as the data migration installs them (a flushed test database
    has lost migration data)."""
    disposition_rules_install_defaults()


# 10:00 in the center's time zone: "today" runs until midnight, 14 hours away.
NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def at(hours: float, base=NOW) -> dt.datetime:
    return base + dt.timedelta(hours=hours)


def ids(page) -> list[int]:
    return [lead.pk for lead in page]


@pytest.fixture
def agent(org):
    return org.agent_a1.user


@pytest.fixture
def mine(agent, org):
    def make(**kwargs):
        kwargs.setdefault("team", org.team_a)
        return LeadFactory(owner=agent, **kwargs)

    return make


class TestWorklistSections:
    def test_overdue_then_due_today_then_new_by_grade(self, agent, mine, org):
        today_late = mine(next_followup_at=at(5), status=LeadStatus.CONTACTED)
        overdue_old = mine(next_followup_at=at(-30))
        overdue = mine(next_followup_at=at(-1), status=LeadStatus.INTERESTED)
        mine(next_followup_at=at(30))  # tomorrow: not today's work
        mine(status=LeadStatus.WON, next_followup_at=at(-2))  # closed
        new_c = mine(grade="C", created_at=at(-50))
        new_a_recent = mine(grade="A", created_at=at(-1))
        new_a_waiting = mine(grade="A", created_at=at(-48))
        LeadFactory(owner=org.agent_a2.user, team=org.team_a, next_followup_at=at(-1))

        worklist = worklist_for(agent, filters={}, now=NOW)

        assert ids(worklist.due) == [overdue_old.pk, overdue.pk, today_late.pk]
        assert ids(worklist.new) == [new_a_waiting.pk, new_a_recent.pk, new_c.pk]
        assert worklist.counts == {"overdue": 2, "today": 1, "new": 3}

    def test_unfiltered_sections_are_counted_by_the_aggregate(
        self, agent, mine, django_assert_num_queries
    ):
        for hours in range(30):
            mine(next_followup_at=at(-hours - 1))
        mine(next_followup_at=at(3))
        for _ in range(27):
            mine()
        # The calling rules (policy and windows; tests keep no copy), the aggregate, then
        # one page query a section: no COUNT of their own.
        with django_assert_num_queries(5):
            worklist = worklist_for(agent, filters={}, now=NOW)
        assert worklist.due.paginator.count == 31 and worklist.due.paginator.num_pages == 2
        assert worklist.new.paginator.count == 27 and len(worklist.new.object_list) == 25
        second = worklist_for(agent, filters={"page": 2, "new_page": 2}, now=NOW)
        assert len(second.due.object_list) == 6 and len(second.new.object_list) == 2
        # A quick filter narrows a section: its size is counted.
        graded = worklist_for(agent, filters={"grade": "Z"}, now=NOW)
        assert graded.due.paginator.count == 0 and graded.new.paginator.count == 0

    @pytest.mark.parametrize("who", ["agent_a1", "manager_a", "head", "admin"])
    def test_the_prepared_first_pages_read_what_the_general_path_reads(self, org, who, monkeypatch):
        """An unfiltered first page runs as prepared queries on the user's own leads; the
        general path reads them through the scope. Both give the same worklist."""
        from leads.selectors import worklist as worklist_module

        user = getattr(org, who).user
        for hours in (-30, -2, 3, 30):
            LeadFactory(owner=user, team=org.team_a, next_followup_at=at(hours))
        LeadFactory(owner=user, team=org.team_a, status=LeadStatus.WON, next_followup_at=at(-2))
        for grade in "CAB":
            LeadFactory(owner=user, team=org.team_a, grade=grade)
        LeadFactory(owner=org.agent_a2.user, team=org.team_a, next_followup_at=at(-1))

        fast = worklist_for(user, filters={}, now=NOW)
        monkeypatch.setattr(worklist_module, "_is_plain", lambda *args: False)
        general = worklist_for(user, filters={}, now=NOW)

        assert fast.counts == general.counts == {"overdue": 2, "today": 1, "new": 3}
        for section in ("due", "new"):
            mine, reference = getattr(fast, section), getattr(general, section)
            assert ids(mine) == ids(reference)
            assert mine.paginator.count == reference.paginator.count
            assert [lead.next_callable_at for lead in mine] == [
                lead.next_callable_at for lead in reference
            ]

    @pytest.mark.parametrize(
        ("due", "expected"), [("overdue", ["late"]), ("today", ["soon"]), ("upcoming", ["later"])]
    )
    def test_the_due_quick_filter(self, agent, mine, due, expected):
        named = {
            "late": mine(next_followup_at=at(-1)),
            "soon": mine(next_followup_at=at(2)),
            "later": mine(next_followup_at=at(40)),
        }
        worklist = worklist_for(agent, filters={"due": due}, now=NOW)
        assert ids(worklist.due) == [named[name].pk for name in expected]
        assert worklist.new is None

    def test_grade_status_and_channel_quick_filters(self, agent, mine):
        a_new = mine(grade="A")
        mine(grade="B")
        a_due = mine(grade="A", next_followup_at=at(-1), status=LeadStatus.CONTACTED)
        web = mine(grade="A", channel="web_form", next_followup_at=at(-2))
        worklist = worklist_for(agent, filters={"grade": "A"}, now=NOW)
        assert ids(worklist.new) == [a_new.pk]
        assert set(ids(worklist.due)) == {a_due.pk, web.pk}
        worklist = worklist_for(agent, filters={"status": "contacted"}, now=NOW)
        assert ids(worklist.due) == [a_due.pk] and worklist.new is None
        worklist = worklist_for(agent, filters={"channel": "web_form"}, now=NOW)
        assert ids(worklist.due) == [web.pk]

    @pytest.mark.parametrize(
        "written",
        [
            "13912345678",
            "139 1234 5678",
            "+86-139-1234-5678",
            "0086 139 1234 5678",
            "１３９１２３４５６７８",
        ],
    )
    def test_search_by_exact_phone_in_any_written_form(self, agent, mine, written):
        wanted = mine(phone="+8613912345678")
        mine(phone="+8613912345679")
        worklist = worklist_for(agent, filters={"q": written}, now=NOW)
        assert ids(worklist.results) == [wanted.pk]

    def test_search_by_name(self, agent, mine):
        wanted = mine(name="王小明")
        mine(name="李四")
        assert ids(worklist_for(agent, filters={"q": "小明"}, now=NOW).results) == [wanted.pk]

    def test_a_phone_search_finds_a_team_lead_for_the_manager_but_not_for_a_colleague(self, org):
        lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a, phone="+8613800138000")
        found = worklist_for(org.manager_a.user, filters={"q": "138 0013 8000"}, now=NOW)
        assert ids(found.results) == [lead.pk]
        for outsider in (org.agent_a2, org.manager_b):
            found = worklist_for(outsider.user, filters={"q": "138 0013 8000"}, now=NOW)
            assert ids(found.results) == []

    def test_a_manager_works_their_own_leads_here(self, org):
        own = LeadFactory(owner=org.manager_a.user, team=org.team_a)
        LeadFactory(owner=org.agent_a1.user, team=org.team_a)
        assert ids(worklist_for(org.manager_a.user, filters={}, now=NOW).new) == [own.pk]


class TestWorklistPage:
    def test_the_page_lists_the_day_with_masked_phones(self, client_as, org, mine):
        lead = mine(name="张三", phone="+8613912340945", next_followup_at=timezone.now())
        body = client_as(org.agent_a1).get("/leads/").content.decode()
        assert "张三" in body and f"/leads/{lead.pk}/" in body
        assert "139****0945" in body and "13912340945" not in body
        assert 'id="worklist-filter"' in body

    def test_htmx_quick_filters_answer_just_the_results(self, client_as, org, mine):
        mine(name="张三", phone="+8613912340945")
        response = client_as(org.agent_a1).get(
            "/leads/",
            {"q": "13912340945"},
            headers={"HX-Request": "true", "HX-Target": "worklist-results"},
        )
        body = response.content.decode()
        assert response.status_code == 200
        assert body.startswith('<div id="worklist-results">') and "<html" not in body
        assert "张三" in body

    def test_a_bad_filter_value_is_ignored_not_an_error(self, client_as, org):
        response = client_as(org.agent_a1).get("/leads/", {"grade": "Z", "due": "soon"})
        assert response.status_code == 200

    def test_the_page_is_a_fixed_number_of_queries(self, client_as, org, mine):
        client = client_as(org.agent_a1)

        def count() -> int:
            with CaptureQueriesContext(connection) as queries:
                assert client.get("/leads/").status_code == 200
            return len(queries)

        mine(next_followup_at=timezone.now() - dt.timedelta(hours=1))
        mine()
        few = count()
        for n in range(30):
            mine(next_followup_at=timezone.now() - dt.timedelta(hours=n + 2), grade="ABCD"[n % 4])
            mine(grade="ABCD"[n % 4])
        assert count() == few
        assert few <= 12

    def test_anonymous_is_sent_to_sign_in(self, client):
        response = client.get("/leads/")
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


class TestLeadPage:
    def test_the_lead_page_shows_the_customer_and_the_whole_timeline(self, client_as, org, mine):
        agent = org.agent_a1.user
        lead = mine(name="张三", phone="+8613800138000", product="企业版")
        LeadSource.objects.create(lead=lead, channel="web_form")
        Assignment.objects.create(lead=lead, kind="auto", to_user=agent, team=org.team_a)
        FollowUpFactory(lead=lead, disposition="no_answer", notes="没人接")
        CallFactory(lead=lead, duration_seconds=95, source="asterisk")
        body = client_as(org.agent_a1).get(f"/leads/{lead.pk}/").content.decode()
        # The agent sees the number masked, with "show number" and click-to-call (logged).
        assert "138****8000" in body and "138 0013 8000" not in body
        assert 'id="reveal-phone"' in body
        assert f'action="/leads/{lead.pk}/call/"' in body
        assert "企业版" in body
        for kind in ("followup", "call", "assignment", "source"):
            assert f'data-kind="{kind}"' in body
        assert "没人接" in body and "95 s" in body
        assert 'id="followup-form"' in body
        assert f'action="/leads/{lead.pk}/release/"' in body

    def test_the_timeline_is_merged_newest_first_in_a_fixed_number_of_queries(
        self, mine, org, django_assert_num_queries
    ):
        lead = mine()
        now = timezone.now()
        FollowUpFactory(lead=lead, created_at=now - dt.timedelta(hours=1))
        CallFactory(lead=lead, started_at=now - dt.timedelta(hours=2))
        Assignment.objects.create(lead=lead, kind="auto", at=now - dt.timedelta(hours=3))
        LeadSource.objects.create(lead=lead, channel="manual", received_at=now - dt.timedelta(4))
        linked = CallFactory(lead=lead, started_at=now)
        FollowUpFactory(lead=lead, call=linked, created_at=now)
        # One query asks which kinds of event the lead has (other apps add kinds: orders,
        # revisits, tickets, the audit trail), then one query per kind it has, whatever
        # the history.
        timeline = lead_timeline(lead)
        present = {entry.kind for entry in timeline}
        with django_assert_num_queries(1 + len(present)):
            timeline = lead_timeline(lead)
        kinds = [entry.kind for entry in timeline if entry.kind != "audit"]
        assert kinds == ["followup", "followup", "call", "assignment", "source"]
        assert len(present) < len(_timeline_sources)

    def test_a_new_lead_reads_only_what_it_has(self, mine, django_assert_num_queries):
        lead = mine()
        # Its creation in the audit trail at most: the presence query and that kind.
        kinds = {entry.kind for entry in lead_timeline(lead)}
        assert kinds <= {"audit"}
        with django_assert_num_queries(1 + len(kinds)):
            lead_timeline(lead)

    def test_a_long_history_opens_with_its_newest_events(self, mine, org, client_as):
        lead = mine()
        now = timezone.now()
        for hours in range(60):
            FollowUpFactory(lead=lead, created_at=now - dt.timedelta(hours=hours))
        timeline = lead_timeline(lead, limit=50)
        assert len(timeline) == 50 and not timeline.complete
        assert timeline[0].at == max(entry.at for entry in lead_timeline(lead))
        assert lead_timeline(lead).complete and len(lead_timeline(lead, limit=100)) > 60

        body = client_as(org.agent_a1).get(f"/leads/{lead.pk}/").content.decode()
        assert body.count('class="timeline-') == TIMELINE_PAGE
        assert 'id="timeline-more"' in body and "?history=all" in body
        body = client_as(org.agent_a1).get(f"/leads/{lead.pk}/?history=all").content.decode()
        assert body.count('class="timeline-') > 60 and 'id="timeline-more"' not in body

        api = client_as(org.agent_a1).get(f"/api/leads/{lead.pk}/timeline/?limit=10")
        assert api.status_code == 200 and len(api.json()) == 10
        bad = client_as(org.agent_a1).get(f"/api/leads/{lead.pk}/timeline/?limit=0")
        assert bad.status_code == 400 and "limit" in bad.json()

    @pytest.mark.parametrize("path", ["", "edit/"])
    def test_a_colleagues_lead_is_not_found(self, client_as, org, path):
        lead = LeadFactory(owner=org.agent_a2.user, team=org.team_a)
        response = client_as(org.agent_a1).get(f"/leads/{lead.pk}/{path}")
        assert response.status_code == 404
        assert client_as(org.agent_a1).get(f"/leads/{lead.pk + 999}/{path}").status_code == 404

    def test_who_may_open_a_lead(self, client_as, org):
        lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a)
        allowed = (org.agent_a1, org.manager_a, org.head, org.admin, org.inspector)
        for member in allowed:
            assert client_as(member).get(f"/leads/{lead.pk}/").status_code == 200, member
        for member in (org.agent_a2, org.manager_b, org.south_head, org.agent_c1):
            assert client_as(member).get(f"/leads/{lead.pk}/").status_code == 404, member

    def test_an_inspector_reads_but_gets_no_follow_up_form(self, client_as, org, mine):
        lead = mine()
        body = client_as(org.inspector).get(f"/leads/{lead.pk}/").content.decode()
        assert 'id="followup-form"' not in body
        assert client_as(org.inspector).get(f"/leads/{lead.pk}/edit/").status_code == 404


class TestFollowUpFromTheLeadPage:
    def test_an_htmx_follow_up_swaps_the_work_panel_and_persists(self, client_as, org, mine):
        lead = mine()
        response = client_as(org.agent_a1).post(
            f"/leads/{lead.pk}/followups/",
            {
                "channel": "phone",
                "disposition": "interested",
                "notes": "想要报价",
                "call_duration_seconds": "120",
                "budget": "5万",
                "product": "企业版",
            },
            headers={"HX-Request": "true"},
        )
        body = response.content.decode()
        assert response.status_code == 200
        assert body.startswith('<div id="lead-work">') and "<html" not in body
        assert "想要报价" in body and 'id="followup-form"' in body
        assert 'id="lead-status" hx-swap-oob="true"' in body
        lead.refresh_from_db()
        assert lead.status == LeadStatus.INTERESTED
        assert str(lead.budget) == "50000.00"
        followup = FollowUp.objects.get(lead=lead)
        assert followup.call.duration_seconds == 120

    def test_a_refusal_is_shown_inline_and_nothing_is_saved(self, client_as, org, mine):
        lead = mine()
        response = client_as(org.agent_a1).post(
            f"/leads/{lead.pk}/followups/",
            {"channel": "phone", "disposition": "call_back"},
            headers={"HX-Request": "true"},
        )
        body = response.content.decode()
        assert response.status_code == 200
        assert "invalid-feedback" in body and "next follow-up" in body
        assert not FollowUp.objects.exists()

    def test_without_htmx_the_form_redirects_back_to_the_lead(self, client_as, org, mine):
        lead = mine()
        when = (timezone.localtime() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
        response = client_as(org.agent_a1).post(
            f"/leads/{lead.pk}/followups/",
            {"channel": "wechat", "disposition": "call_back", "next_followup_at": when},
        )
        assert response.status_code == 302 and response["Location"] == f"/leads/{lead.pk}/"
        lead.refresh_from_db()
        assert timezone.localtime(lead.next_followup_at).strftime("%Y-%m-%dT%H:%M") == when

    def test_the_miss_that_returns_the_lead_to_the_pool_sends_the_agent_back(
        self, client_as, org, mine
    ):
        lead = mine(missed_calls=4)
        response = client_as(org.agent_a1).post(
            f"/leads/{lead.pk}/followups/",
            {"channel": "phone", "disposition": "no_answer"},
            headers={"HX-Request": "true"},
        )
        assert response["HX-Redirect"] == "/leads/"
        lead.refresh_from_db()
        assert lead.owner is None

    def test_posting_on_a_colleagues_lead_is_not_found(self, client_as, org):
        lead = LeadFactory(owner=org.agent_a2.user, team=org.team_a)
        response = client_as(org.agent_a1).post(
            f"/leads/{lead.pk}/followups/", {"channel": "phone", "disposition": "reached"}
        )
        assert response.status_code == 404
        assert not FollowUp.objects.exists()


class TestLeadEdit:
    def test_the_owner_edits_the_customer(self, client_as, org, mine):
        lead = mine(name="张三", phone="+8613800138000")
        client = client_as(org.agent_a1)
        form = client.get(f"/leads/{lead.pk}/edit/").content.decode()
        # Masked for the agent; left as it is, the number stays the same.
        assert re.search(r'name="phone"[^>]*value="138\*\*\*\*8000"', form)
        response = client.post(
            f"/leads/{lead.pk}/edit/",
            {"name": "张三丰", "phone": "138****8000", "intent": "high", "budget": "2万"},
        )
        assert response.status_code == 302
        lead.refresh_from_db()
        assert (lead.name, lead.intent, str(lead.budget)) == ("张三丰", "high", "20000.00")
        assert lead.phone == "+8613800138000"

    def test_a_phone_taken_by_another_lead_is_a_field_error(self, client_as, org, mine):
        lead = mine(phone="+8613800138000")
        LeadFactory(phone="+8613800138001")
        response = client_as(org.agent_a1).post(
            f"/leads/{lead.pk}/edit/", {"phone": "13800138001", "intent": "unknown"}
        )
        assert response.status_code == 200
        assert "already belongs" in response.content.decode()


def test_the_calls_in_the_timeline_are_the_leads_own(mine, org):
    lead = mine()
    other = mine()
    CallFactory(lead=other)
    assert not [entry for entry in lead_timeline(lead) if entry.kind == "call"]
    assert Call.objects.count() == 1
