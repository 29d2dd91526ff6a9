"""Org changes that are hard to get wrong: a team's manager is someone who can manage,
changing yourself asks for confirmation, and a leave shows its hand-over first."""

import datetime as dt
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from crm import services
from crm.forms import TeamForm
from crm.models import Member, MemberStatus, Role, Team
from leads.models import Assignment, Lead, LeadPolicy
from leads.services import assignment
from tests.factories import TeamFactory, make_member
from tests.leads.factories import LeadFactory

pytestmark = pytest.mark.django_db


class TestTeamManager:
    def test_the_form_offers_only_those_who_can_manage(self, org):
        spare = make_member(role=Role.TEAM_MANAGER, username="spare_manager")
        choices = set(TeamForm().fields["manager"].queryset.values_list("pk", flat=True))
        assert {spare.user_id, org.manager_a.user_id, org.head.user_id} <= choices
        assert org.agent_a1.user_id not in choices
        assert org.admin.user_id not in choices and org.inspector.user_id not in choices

    def test_naming_an_agent_is_refused_on_the_manager_field(self, org):
        team = TeamFactory(name="新组", department=org.east)
        team.manager = org.agent_b1.user
        with pytest.raises(ValidationError) as refusal:
            services.team_save(team=team)
        assert "manager" in refusal.value.message_dict
        assert Member.objects.get(pk=org.agent_b1.pk).role == Role.AGENT

    def test_a_manager_who_left_is_refused(self, org):
        gone = make_member(role=Role.TEAM_MANAGER, username="gone_manager")
        services.member_set_status(
            member=gone,
            status=MemberStatus.LEFT,
            leave_date=timezone.localdate(),
            leave_reason="resigned",
        )
        team = TeamFactory(name="新组", department=org.east)
        team.manager = gone.user
        with pytest.raises(ValidationError, match="Only an active team manager"):
            services.team_save(team=team)

    def test_a_team_manager_is_named_and_joins_the_team(self, org):
        spare = make_member(role=Role.TEAM_MANAGER, username="spare_manager")
        team = TeamFactory(name="新组", department=org.east)
        team.manager = spare.user
        services.team_save(team=team)
        assert Member.objects.get(pk=spare.pk).team == team

    def test_the_page_refuses_an_agent_naming_the_field(self, org, client_as):
        response = client_as(org.admin).post(
            reverse("org:team_create"),
            {
                "name": "新组",
                "department": org.east.pk,
                "manager": org.agent_b1.user_id,
                "target_size": 10,
                "is_active": "on",
            },
        )
        assert response.status_code == 200
        assert not Team.objects.filter(name="新组").exists()
        assert "manager" in response.context["form"].errors

    def test_an_unrelated_edit_keeps_the_current_manager(self, org, client_as):
        response = client_as(org.admin).post(
            reverse("org:team_edit", args=[org.team_a.pk]),
            {
                "name": "组A改",
                "department": org.east.pk,
                "manager": org.manager_a.user_id,
                "target_size": 12,
                "is_active": "on",
            },
        )
        assert response.status_code == 302
        assert Team.objects.get(pk=org.team_a.pk).name == "组A改"


class TestChangingYourself:
    def test_moving_yourself_needs_confirmation(self, org):
        with pytest.raises(ValidationError) as refusal:
            services.member_move(member=org.admin, team=org.team_b, by=org.admin.user)
        assert "confirm" in refusal.value.message_dict
        assert Member.objects.get(pk=org.admin.pk).team is None
        services.member_move(member=org.admin, team=org.team_b, by=org.admin.user, confirm=True)
        assert Member.objects.get(pk=org.admin.pk).team == org.team_b

    def test_moving_someone_else_needs_none(self, org):
        services.member_move(member=org.agent_a1, team=org.team_b, by=org.admin.user)
        assert Member.objects.get(pk=org.agent_a1.pk).team == org.team_b

    def test_the_move_form_asks_first_then_moves(self, org, client_as):
        client = client_as(org.admin)
        url = reverse("org:member_move", args=[org.admin.pk])
        response = client.post(url, {"team": org.team_b.pk})
        assert response.status_code == 400
        assert "You are moving yourself" in response.content.decode()
        assert Member.objects.get(pk=org.admin.pk).team is None
        response = client.post(url, {"team": org.team_b.pk, "confirm": "on"})
        assert response.status_code == 302
        assert Member.objects.get(pk=org.admin.pk).team == org.team_b

    def test_the_confirm_box_is_only_on_your_own_forms(self, org, client_as):
        client = client_as(org.admin)
        own = client.get(reverse("org:member_detail", args=[org.admin.pk])).content.decode()
        other = client.get(reverse("org:member_detail", args=[org.agent_a1.pk])).content.decode()
        assert 'name="confirm"' in own and 'name="confirm"' not in other.split("status-form")[0]

    def test_changing_your_own_role_needs_confirmation(self, org, client_as):
        client = client_as(org.admin)
        url = reverse("org:member_edit", args=[org.admin.pk])
        data = {
            "full_name": "管理员",
            "email": "",
            "role": Role.AGENT,
            "employee_no": org.admin.employee_no,
            "extension": "",
            "hire_date": org.admin.hire_date.isoformat(),
            "daily_lead_capacity": 30,
        }
        response = client.post(url, data)
        assert response.status_code == 200
        assert "changing your own role from Administrator to Agent" in response.content.decode()
        assert Member.objects.get(pk=org.admin.pk).role == Role.ADMIN
        response = client.post(url, {**data, "confirm": "on"})
        assert response.status_code == 302
        assert Member.objects.get(pk=org.admin.pk).role == Role.AGENT

    def test_the_service_refuses_a_self_role_change_unconfirmed(self, org):
        with pytest.raises(ValidationError) as refusal:
            services.member_update(member=org.admin, by=org.admin.user, role=Role.AGENT)
        assert "confirm" in refusal.value.message_dict
        services.member_update(member=org.agent_a1, by=org.admin.user, role=Role.TEAM_MANAGER)


def _policy(handover: str) -> None:
    policy = LeadPolicy.current()
    policy.on_leave_handover = handover
    policy.save()


def _planned(member, status) -> Counter:
    plan = assignment.handover_preview(member=member, status=status)
    return Counter((to, team) for _lead, _from, to, team, _rule, _why in plan.moves)


def _done(member) -> Counter:
    return Counter(
        Assignment.objects.filter(kind=Assignment.Kind.HANDOVER, from_user=member.user).values_list(
            "to_user", "team"
        )
    )


class TestHandoverPreview:
    @pytest.mark.parametrize("handover", ["reassign", "pool"])
    def test_the_preview_is_what_the_hand_over_then_does(self, org, handover):
        _policy(handover)
        make_member(team=org.team_a, role=Role.AGENT, status=MemberStatus.ACTIVE)
        LeadFactory.create_batch(5, owner=org.agent_a1.user, team=org.team_a)
        LeadFactory(owner=org.agent_a1.user, team=None, region="北京")
        planned = _planned(org.agent_a1, MemberStatus.ON_LEAVE)
        assert sum(planned.values()) == 6
        assert org.agent_a1.user_id not in {to for to, _team in planned}
        services.member_set_status(member=org.agent_a1, status=MemberStatus.ON_LEAVE)
        assert assignment.handover_leads(member_id=org.agent_a1.pk) == 6
        assert _done(org.agent_a1) == planned

    def test_the_preview_writes_nothing(self, org):
        _policy("reassign")
        LeadFactory.create_batch(3, owner=org.agent_a1.user, team=org.team_a)
        assignment.handover_preview(member=org.agent_a1, status=MemberStatus.LEFT)
        assert not Assignment.objects.exists()
        assert set(Lead.objects.values_list("owner", flat=True)) == {org.agent_a1.user_id}
        assert Member.objects.get(pk=org.agent_a1.pk).status == MemberStatus.ACTIVE

    def test_the_status_form_shows_the_preview_then_confirms(self, org, client_as, monkeypatch):
        monkeypatch.setattr("crm.services.current_app.send_task", lambda name, args: None)
        _policy("reassign")
        due = timezone.now() - dt.timedelta(hours=1)
        LeadFactory.create_batch(3, owner=org.agent_a1.user, team=org.team_a)
        LeadFactory(owner=org.agent_a1.user, team=org.team_a, next_followup_at=due)
        client = client_as(org.admin)
        url = reverse("org:member_status", args=[org.agent_a1.pk])
        response = client.post(url, {"status": MemberStatus.ON_LEAVE}, HTTP_HX_REQUEST="true")
        body = response.content.decode()
        assert response.status_code == 200 and 'id="handover-preview"' in body
        items = {item.label: item for item in response.context["items"]}
        assert items["Open leads"].count == 4
        assert items["Open leads"].to == [(org.agent_a2.display_name, 4)]
        assert items["Follow-ups due by tonight"].count == 1
        assert items["Open service tickets"].count == 0
        assert f"{org.agent_a2.display_name}: 4" in body
        assert Member.objects.get(pk=org.agent_a1.pk).status == MemberStatus.ACTIVE
        # Confirmed: the status changes (the hand-over job is queued after commit).
        response = client.post(url, {"status": MemberStatus.ON_LEAVE, "confirm": "1"})
        assert response.status_code == 302
        assert Member.objects.get(pk=org.agent_a1.pk).status == MemberStatus.ON_LEAVE

    def test_a_status_that_hands_nothing_over_is_changed_at_once(self, org, client_as):
        response = client_as(org.admin).post(
            reverse("org:member_status", args=[org.inspector.pk]),
            {"status": MemberStatus.ON_LEAVE},
        )
        assert response.status_code == 302
        assert Member.objects.get(pk=org.inspector.pk).status == MemberStatus.ON_LEAVE

    def test_without_htmx_the_preview_is_a_page(self, org, client_as):
        response = client_as(org.admin).post(
            reverse("org:member_status", args=[org.agent_a1.pk]),
            {
                "status": MemberStatus.LEFT,
                "leave_date": timezone.localdate().isoformat(),
                "leave_reason": "resigned",
            },
        )
        body = response.content.decode()
        assert response.status_code == 200 and "<html" in body and "Hand-over of" in body
        assert 'name="leave_reason" value="resigned"' in body


class TestThroughTheApi:
    def test_a_self_move_is_refused_on_confirm_until_confirmed(self, org, api_as):
        api = api_as(org.admin)
        url = f"/api/members/{org.admin.pk}/move/"
        response = api.post(url, {"team": org.team_b.pk}, format="json")
        assert response.status_code == 400 and "confirm" in response.json()
        response = api.post(url, {"team": org.team_b.pk, "confirm": True}, format="json")
        assert response.status_code == 200
        assert Member.objects.get(pk=org.admin.pk).team == org.team_b

    def test_a_self_role_change_is_refused_on_confirm_until_confirmed(self, org, api_as):
        api = api_as(org.admin)
        url = f"/api/members/{org.admin.pk}/"
        response = api.patch(url, {"role": Role.DEPARTMENT_HEAD}, format="json")
        assert response.status_code == 400 and "confirm" in response.json()
        response = api.patch(url, {"role": Role.DEPARTMENT_HEAD, "confirm": True}, format="json")
        assert response.status_code == 200
        assert Member.objects.get(pk=org.admin.pk).role == Role.DEPARTMENT_HEAD

    def test_naming_an_agent_manager_is_a_400_on_manager(self, org, api_as):
        response = api_as(org.admin).patch(
            f"/api/teams/{org.team_b.pk}/", {"manager": org.agent_a1.user_id}, format="json"
        )
        assert response.status_code == 400 and "manager" in response.json()
