"""A manager's bulk actions on the team page (leads.services.bulk): on ticked rows or on
"all N matching" the filters, always within their scope, set-based, audited per lead."""

import csv
import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crm.models import Notification
from leads.models import Assignment, Lead, LeadStatus
from leads.services import bulk
from leads.services.bulk import Selection
from risk.models import AuditEntry
from tests.leads.factories import CampaignFactory, LeadFactory

pytestmark = pytest.mark.django_db


def lead_updates(lead_ids, *, actor=None):
    rows = AuditEntry.objects.filter(
        model_label="leads.lead", action="update", object_id__in=[str(pk) for pk in lead_ids]
    )
    return rows.filter(actor=actor) if actor is not None else rows


def ids(leads):
    return tuple(lead.pk for lead in leads)


def queries_of(action) -> int:
    with CaptureQueriesContext(connection) as captured:
        action()
    return len(captured.captured_queries)


class TestReassign:
    def test_ticked_leads_go_to_the_agent_with_history_audit_and_one_notice(self, org):
        leads = LeadFactory.create_batch(3, owner=org.agent_a1.user, team=org.team_a)
        result = bulk.leads_bulk_reassign(
            by=org.manager_a.user,
            selection=Selection(lead_ids=ids(leads)),
            agent=org.agent_a2.user,
            reason="调整",
        )
        assert (result.changed, result.unchanged) == (3, 0)
        assert "3 leads reassigned" in result.message
        assert set(Lead.objects.values_list("owner", flat=True)) == {org.agent_a2.user_id}
        moves = Assignment.objects.filter(kind=Assignment.Kind.MANUAL)
        assert moves.count() == 3
        assert set(moves.values_list("from_user", "to_user", "by")) == {
            (org.agent_a1.user_id, org.agent_a2.user_id, org.manager_a.user_id)
        }
        assert "调整" in moves.first().reason
        entries = lead_updates(ids(leads), actor=org.manager_a.user)
        assert entries.count() == 3
        assert entries.first().after["owner_id"] == org.agent_a2.user_id
        assert entries.first().before["owner_id"] == org.agent_a1.user_id
        assert (
            Notification.objects.filter(user=org.agent_a2.user, kind="lead_assigned").count() == 1
        )

    def test_all_matching_acts_on_the_filtered_scoped_set_and_skips_closed(self, org):
        wanted = LeadFactory.create_batch(3, owner=org.agent_a1.user, team=org.team_a, grade="A")
        closed = LeadFactory(
            owner=org.agent_a1.user, team=org.team_a, grade="A", status=LeadStatus.WON
        )
        other_grade = LeadFactory(owner=org.agent_a1.user, team=org.team_a, grade="C")
        other_team = LeadFactory(owner=org.agent_c1.user, team=org.team_c, grade="A")
        result = bulk.leads_bulk_reassign(
            by=org.manager_a.user,
            selection=Selection(filters={"grade": "A"}),
            agent=org.agent_a2.user,
            reason="x",
        )
        assert (result.changed, result.unchanged) == (3, 1)
        assert "1 closed or already theirs" in result.message
        owners = dict(Lead.objects.values_list("pk", "owner"))
        assert {owners[lead.pk] for lead in wanted} == {org.agent_a2.user_id}
        assert owners[closed.pk] == org.agent_a1.user_id
        assert owners[other_grade.pk] == org.agent_a1.user_id
        assert owners[other_team.pk] == org.agent_c1.user_id

    def test_a_lead_outside_the_scope_refuses_the_whole_selection(self, org):
        mine = LeadFactory(owner=org.agent_a1.user, team=org.team_a)
        theirs = LeadFactory(owner=org.agent_c1.user, team=org.team_c)
        with pytest.raises(ValidationError, match="not yours"):
            bulk.leads_bulk_reassign(
                by=org.manager_a.user,
                selection=Selection(lead_ids=(mine.pk, theirs.pk)),
                agent=org.agent_a2.user,
                reason="x",
            )
        assert not Assignment.objects.exists()
        assert Lead.objects.get(pk=mine.pk).owner == org.agent_a1.user

    def test_agents_cannot_act_in_bulk(self, org):
        lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a)
        with pytest.raises(ValidationError, match="Only managers"):
            bulk.leads_bulk_release(
                by=org.agent_a1.user, selection=Selection(lead_ids=(lead.pk,)), reason="x"
            )

    def test_queries_do_not_grow_with_the_leads(self, org):
        def run(n):
            leads = LeadFactory.create_batch(n, owner=org.agent_a1.user, team=org.team_a)
            return queries_of(
                lambda: bulk.leads_bulk_reassign(
                    by=org.manager_a.user,
                    selection=Selection(lead_ids=ids(leads)),
                    agent=org.agent_a2.user,
                    reason="x",
                )
            )

        run(1)  # the scope is computed once per user object, then memoized
        assert run(2) == run(25)


class TestRelease:
    def test_owned_leads_go_back_to_their_teams_pool_and_owners_are_told(self, org):
        leads = LeadFactory.create_batch(2, owner=org.agent_a1.user, team=org.team_a)
        no_team = LeadFactory(owner=org.agent_a2.user, team=None)
        pooled = LeadFactory(team=org.team_a)
        result = bulk.leads_bulk_release(
            by=org.manager_a.user,
            selection=Selection(lead_ids=(*ids(leads), no_team.pk, pooled.pk)),
            reason="清理",
        )
        assert (result.changed, result.unchanged) == (3, 1)
        rows = dict(Lead.objects.values_list("pk", "owner"))
        assert all(rows[pk] is None for pk in (*ids(leads), no_team.pk))
        assert Lead.objects.get(pk=no_team.pk).team == org.team_a  # the owner's team's pool
        releases = Assignment.objects.filter(kind=Assignment.Kind.RELEASE)
        assert releases.count() == 3 and set(releases.values_list("reason", flat=True)) == {"清理"}
        assert lead_updates((*ids(leads), no_team.pk), actor=org.manager_a.user).count() == 3
        told = Notification.objects.filter(kind="lead_returned")
        assert set(told.values_list("user", flat=True)) == {
            org.agent_a1.user_id,
            org.agent_a2.user_id,
        }

    def test_a_reason_is_required(self, org):
        lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a)
        with pytest.raises(ValidationError) as refusal:
            bulk.leads_bulk_release(
                by=org.manager_a.user, selection=Selection(lead_ids=(lead.pk,)), reason=" "
            )
        assert "reason" in refusal.value.message_dict

    def test_out_of_scope_is_refused(self, org):
        theirs = LeadFactory(owner=org.agent_c1.user, team=org.team_c)
        with pytest.raises(ValidationError, match="not yours"):
            bulk.leads_bulk_release(
                by=org.manager_a.user, selection=Selection(lead_ids=(theirs.pk,)), reason="x"
            )
        assert Lead.objects.get(pk=theirs.pk).owner == org.agent_c1.user

    def test_queries_do_not_grow_with_the_leads(self, org):
        def run(n):
            leads = LeadFactory.create_batch(n, owner=org.agent_a1.user, team=org.team_a)
            return queries_of(
                lambda: bulk.leads_bulk_release(
                    by=org.manager_a.user, selection=Selection(lead_ids=ids(leads)), reason="x"
                )
            )

        run(1)  # the scope is computed once per user object, then memoized
        assert run(2) == run(25)


class TestFollowUp:
    def test_open_leads_get_the_time_closed_ones_are_left(self, org):
        when = timezone.now() + dt.timedelta(days=2)
        leads = LeadFactory.create_batch(2, owner=org.agent_a1.user, team=org.team_a)
        lost = LeadFactory(owner=org.agent_a1.user, team=org.team_a, status=LeadStatus.LOST)
        result = bulk.leads_bulk_set_followup(
            by=org.manager_a.user,
            selection=Selection(lead_ids=(*ids(leads), lost.pk)),
            at=when,
        )
        assert (result.changed, result.unchanged) == (2, 1)
        times = dict(Lead.objects.values_list("pk", "next_followup_at"))
        assert times[leads[0].pk] == when and times[lost.pk] is None
        entries = lead_updates(ids(leads), actor=org.manager_a.user)
        assert entries.count() == 2 and "next_followup_at" in entries.first().after

    def test_the_time_must_be_in_the_future(self, org):
        lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a)
        with pytest.raises(ValidationError) as refusal:
            bulk.leads_bulk_set_followup(
                by=org.manager_a.user,
                selection=Selection(lead_ids=(lead.pk,)),
                at=timezone.now() - dt.timedelta(hours=1),
            )
        assert "next_followup_at" in refusal.value.message_dict

    def test_out_of_scope_is_refused(self, org):
        theirs = LeadFactory(owner=org.agent_c1.user, team=org.team_c)
        with pytest.raises(ValidationError, match="not yours"):
            bulk.leads_bulk_set_followup(
                by=org.manager_a.user,
                selection=Selection(lead_ids=(theirs.pk,)),
                at=timezone.now() + dt.timedelta(days=1),
            )
        assert Lead.objects.get(pk=theirs.pk).next_followup_at is None

    def test_queries_do_not_grow_with_the_leads(self, org):
        def run(n):
            leads = LeadFactory.create_batch(n, owner=org.agent_a1.user, team=org.team_a)
            return queries_of(
                lambda: bulk.leads_bulk_set_followup(
                    by=org.manager_a.user,
                    selection=Selection(lead_ids=ids(leads)),
                    at=timezone.now() + dt.timedelta(days=1),
                )
            )

        run(1)  # the scope is computed once per user object, then memoized
        assert run(2) == run(25)


class TestCampaign:
    def test_leads_join_an_active_campaign_on_their_timeline(self, org, client_as):
        campaign = CampaignFactory(name="双十一")
        leads = LeadFactory.create_batch(2, owner=org.agent_a1.user, team=org.team_a)
        already = LeadFactory(owner=org.agent_a1.user, team=org.team_a, campaign=campaign)
        result = bulk.leads_bulk_set_campaign(
            by=org.manager_a.user,
            selection=Selection(lead_ids=(*ids(leads), already.pk)),
            campaign=campaign,
        )
        assert (result.changed, result.unchanged) == (2, 1)
        assert set(Lead.objects.values_list("campaign", flat=True)) == {campaign.pk}
        assert lead_updates(ids(leads), actor=org.manager_a.user).count() == 2
        body = client_as(org.manager_a).get(reverse("leads:detail", args=[leads[0].pk]))
        assert "双十一" in body.content.decode()

    def test_an_inactive_campaign_is_refused(self, org):
        campaign = CampaignFactory(is_active=False)
        lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a)
        with pytest.raises(ValidationError) as refusal:
            bulk.leads_bulk_set_campaign(
                by=org.manager_a.user, selection=Selection(lead_ids=(lead.pk,)), campaign=campaign
            )
        assert "campaign" in refusal.value.message_dict

    def test_out_of_scope_is_refused(self, org):
        campaign = CampaignFactory()
        theirs = LeadFactory(owner=org.agent_c1.user, team=org.team_c)
        with pytest.raises(ValidationError, match="not yours"):
            bulk.leads_bulk_set_campaign(
                by=org.manager_a.user, selection=Selection(lead_ids=(theirs.pk,)), campaign=campaign
            )

    def test_queries_do_not_grow_with_the_leads(self, org):
        campaign = CampaignFactory()

        def run(n):
            leads = LeadFactory.create_batch(n, owner=org.agent_a1.user, team=org.team_a)
            return queries_of(
                lambda: bulk.leads_bulk_set_campaign(
                    by=org.manager_a.user,
                    selection=Selection(lead_ids=ids(leads)),
                    campaign=campaign,
                )
            )

        run(1)  # the scope is computed once per user object, then memoized
        assert run(2) == run(25)


class TestTheCap:
    def test_all_matching_above_the_cap_is_refused_naming_the_count(self, org, monkeypatch):
        monkeypatch.setattr(bulk, "ALL_MATCHING_MAX", 3)
        LeadFactory.create_batch(5, owner=org.agent_a1.user, team=org.team_a)
        with pytest.raises(ValidationError, match="5 leads match; a bulk action takes at most 3"):
            bulk.leads_bulk_release(
                by=org.manager_a.user, selection=Selection(filters={}), reason="x"
            )
        assert Lead.objects.filter(owner__isnull=True).count() == 0

    def test_at_the_cap_it_is_done(self, org, monkeypatch):
        monkeypatch.setattr(bulk, "ALL_MATCHING_MAX", 3)
        LeadFactory.create_batch(3, owner=org.agent_a1.user, team=org.team_a)
        result = bulk.leads_bulk_release(
            by=org.manager_a.user, selection=Selection(filters={}), reason="x"
        )
        assert result.changed == 3

    def test_the_page_says_the_cap_and_the_count_endpoint_stops_at_it(
        self, org, client_as, monkeypatch
    ):
        monkeypatch.setattr(bulk, "ALL_MATCHING_MAX", 3)
        LeadFactory.create_batch(4, owner=org.agent_a1.user, team=org.team_a)
        client = client_as(org.manager_a)
        assert client.get(reverse("leads:team_matching")).json() == {
            "count": 3,
            "over": True,
            "max": 3,
        }
        assert client.get(reverse("leads:team_matching"), {"grade": "A"}).json()["count"] == 0
        body = client.get(reverse("leads:team")).content.decode()
        assert 'data-max="3"' in body and "at most 3 leads" in body


class TestFromThePage:
    def post(self, client, **data):
        return client.post(reverse("leads:bulk"), data, follow=True)

    def test_all_matching_re_runs_the_filters_of_the_query(self, org, client_as):
        graded = LeadFactory.create_batch(2, owner=org.agent_a1.user, team=org.team_a, grade="A")
        other = LeadFactory(owner=org.agent_a1.user, team=org.team_a, grade="C")
        response = self.post(
            client_as(org.manager_a),
            action="reassign",
            all_matching="1",
            query="grade=A",
            lead_ids=[other.pk],  # ignored: "all matching" is the filters, not ids
            agent=org.agent_a2.user_id,
            reason="平衡",
        )
        assert "2 leads reassigned" in response.content.decode()
        owners = dict(Lead.objects.values_list("pk", "owner"))
        assert owners[graded[0].pk] == owners[graded[1].pk] == org.agent_a2.user_id
        assert owners[other.pk] == org.agent_a1.user_id

    def test_all_matching_with_filters_out_of_scope_is_refused(self, org, client_as):
        theirs = LeadFactory(owner=org.agent_c1.user, team=org.team_c)
        response = self.post(
            client_as(org.manager_a),
            action="release",
            all_matching="1",
            query=f"agent={org.agent_c1.user_id}",
            reason="grab",
        )
        assert "not valid any more" in response.content.decode()
        assert Lead.objects.get(pk=theirs.pk).owner == org.agent_c1.user

    def test_each_action_names_its_missing_field(self, org, client_as):
        lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a)
        client = client_as(org.manager_a)
        response = self.post(client, action="followup", lead_ids=[lead.pk])
        assert "This field is required" in response.content.decode()
        response = self.post(client, action="campaign", lead_ids=[lead.pk])
        assert "This field is required" in response.content.decode()
        assert not AuditEntry.objects.filter(model_label="leads.lead", action="update").exists()

    def test_follow_up_and_campaign_from_the_bar(self, org, client_as):
        campaign = CampaignFactory(name="春季")
        lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a)
        client = client_as(org.manager_a)
        when = timezone.localtime() + dt.timedelta(days=1)
        self.post(
            client,
            action="followup",
            lead_ids=[lead.pk],
            next_followup_at=when.strftime("%Y-%m-%dT%H:%M"),
        )
        self.post(client, action="campaign", lead_ids=[lead.pk], campaign=campaign.pk)
        lead.refresh_from_db()
        assert lead.campaign == campaign
        assert timezone.localtime(lead.next_followup_at).strftime("%H:%M") == when.strftime("%H:%M")

    def test_the_page_offers_the_bar_and_select_all(self, org, client_as):
        LeadFactory(owner=org.agent_a1.user, team=org.team_a)
        body = client_as(org.manager_a).get(reverse("leads:team")).content.decode()
        assert 'id="select-page"' in body and 'id="bulk-bar"' in body
        assert "team-leads.js" in body
        body = client_as(org.inspector).get(reverse("leads:team")).content.decode()
        assert 'id="bulk-bar"' not in body

    def test_exporting_the_ticked_rows_goes_through_the_export_log(self, org, client_as):
        from risk.models import ExportRecord

        chosen = LeadFactory(name="甲", owner=org.agent_a1.user, team=org.team_a)
        LeadFactory(name="乙", owner=org.agent_a1.user, team=org.team_a)
        response = client_as(org.manager_a).get(
            reverse("leads:export"), {"lead_ids": [chosen.pk], "format": "csv"}
        )
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text)))
        assert [row[1] for row in rows[1:]] == ["甲"]
        assert ExportRecord.objects.filter(user=org.manager_a.user, kind="leads").count() == 1

    def test_exporting_a_lead_outside_the_scope_is_refused(self, org, client_as):
        theirs = LeadFactory(owner=org.agent_c1.user, team=org.team_c)
        response = client_as(org.manager_a).get(
            reverse("leads:export"), {"lead_ids": [theirs.pk], "format": "csv"}, follow=True
        )
        assert "not yours to export" in response.content.decode()
