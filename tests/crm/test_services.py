"""Org actions: department tree, moves with history, status changes, headcount."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from crm import services
from crm.models import (
    Department,
    HeadcountSnapshot,
    Member,
    MemberEvent,
    MemberStatus,
    Role,
    TeamMembership,
)
from crm.selectors import team_members_at
from tests.factories import DepartmentFactory, TeamFactory, make_member

pytestmark = pytest.mark.django_db


class TestDepartmentTree:
    def test_paths_follow_the_tree(self, org):
        assert org.center.path == f"/{org.center.pk}/"
        assert org.east.path == f"/{org.center.pk}/{org.east.pk}/"
        assert (org.center.depth, org.east.depth) == (0, 1)

    def test_moving_a_department_moves_its_subtree(self, org):
        other_root = DepartmentFactory(name="另一中心", kind="center")
        child = DepartmentFactory(name="华东-客服", parent=org.east)
        org.east.parent = other_root
        services.department_save(department=org.east)
        child.refresh_from_db()
        assert child.path == f"/{other_root.pk}/{org.east.pk}/{child.pk}/"
        assert child.depth == 2

    def test_a_department_cannot_move_under_its_own_subtree(self, org):
        child = DepartmentFactory(name="子部门", parent=org.east)
        org.east.parent = child
        with pytest.raises(ValidationError) as error:
            services.department_save(department=org.east)
        assert "parent" in error.value.message_dict

    def test_naming_a_head_gives_the_role(self, org):
        department = DepartmentFactory(name="渠道部", head=org.agent_b1.user)
        assert department.head == org.agent_b1.user
        assert Member.objects.get(pk=org.agent_b1.pk).role == Role.DEPARTMENT_HEAD

    def test_only_empty_departments_can_be_deleted(self, org):
        with pytest.raises(ValidationError):
            services.department_delete(department=org.east)
        empty = DepartmentFactory(name="空部门")
        services.department_delete(department=empty)
        assert not Department.objects.filter(pk=empty.pk).exists()


class TestMemberMove:
    def test_move_closes_the_old_membership_and_opens_a_new_one(self, org):
        services.member_move(member=org.agent_a1, team=org.team_b, by=org.admin.user, reason="支援")
        history = list(org.agent_a1.memberships.order_by("started_at"))
        assert [m.team for m in history] == [org.team_a, org.team_b]
        assert history[0].ended_at == history[1].started_at
        assert history[1].ended_at is None and history[1].reason == "支援"
        assert Member.objects.get(pk=org.agent_a1.pk).team == org.team_b
        event = org.agent_a1.events.get(kind=MemberEvent.Kind.MOVED)
        assert event.data == {"from": org.team_a.pk, "to": org.team_b.pk, "reason": "支援"}
        assert event.by == org.admin.user

    def test_moving_to_the_same_team_is_refused(self, org):
        with pytest.raises(ValidationError) as error:
            services.member_move(member=org.agent_a1, team=org.team_a)
        assert "team" in error.value.message_dict

    def test_a_left_member_cannot_be_moved(self, org):
        services.member_set_status(
            member=org.agent_a1,
            status=MemberStatus.LEFT,
            leave_date=timezone.localdate(),
            leave_reason="resigned",
        )
        with pytest.raises(ValidationError):
            services.member_move(member=org.agent_a1, team=org.team_b)

    def test_the_database_refuses_two_open_memberships(self, org):
        with pytest.raises(IntegrityError), transaction.atomic():
            TeamMembership.objects.create(
                member=org.agent_a1, team=org.team_b, started_at=timezone.now()
            )

    def test_who_was_in_the_team_at_a_moment(self, org):
        before = timezone.now()
        services.member_move(
            member=org.agent_a1, team=org.team_b, at=before + dt.timedelta(hours=1)
        )
        later = before + dt.timedelta(hours=2)
        in_a_before = team_members_at(org.admin.user, team=org.team_a, at=before)
        assert org.agent_a1.pk in {m.member_id for m in in_a_before}
        assert org.agent_a1.pk in {
            m.member_id for m in team_members_at(org.admin.user, team=org.team_b, at=later)
        }
        assert org.agent_a1.pk not in {
            m.member_id for m in team_members_at(org.admin.user, team=org.team_a, at=later)
        }


class TestStatus:
    def test_leaving_requires_date_and_reason(self, org):
        with pytest.raises(ValidationError) as error:
            services.member_set_status(member=org.agent_a1, status=MemberStatus.LEFT)
        assert "leave_date" in error.value.message_dict
        with pytest.raises(ValidationError) as error:
            services.member_set_status(
                member=org.agent_a1, status=MemberStatus.LEFT, leave_date=timezone.localdate()
            )
        assert "leave_reason" in error.value.message_dict

    def test_leaving_ends_membership_and_access_at_once(self, org):
        token = Token.objects.create(user=org.agent_a1.user)
        services.member_set_status(
            member=org.agent_a1,
            status=MemberStatus.LEFT,
            leave_date=timezone.localdate(),
            leave_reason="resigned",
            note="回老家",
            by=org.admin.user,
        )
        member = Member.objects.select_related("user").get(pk=org.agent_a1.pk)
        assert member.status == MemberStatus.LEFT and member.leave_reason == "resigned"
        assert not member.user.is_active
        assert not Token.objects.filter(pk=token.pk).exists()
        assert not member.memberships.filter(ended_at__isnull=True).exists()

    def test_a_left_members_session_stops_working(self, org, client_as):
        client = client_as(org.agent_a1)
        assert client.get("/").status_code == 200
        services.member_set_status(
            member=org.agent_a1,
            status=MemberStatus.LEFT,
            leave_date=timezone.localdate(),
            leave_reason="dismissed",
        )
        response = client.get("/")
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]

    def test_rehiring_reopens_membership_and_access(self, org):
        services.member_set_status(
            member=org.agent_a1,
            status=MemberStatus.LEFT,
            leave_date=timezone.localdate(),
            leave_reason="resigned",
        )
        services.member_set_status(member=org.agent_a1, status=MemberStatus.ACTIVE)
        member = Member.objects.select_related("user").get(pk=org.agent_a1.pk)
        assert member.user.is_active and member.leave_date is None
        assert member.memberships.filter(ended_at__isnull=True, team=org.team_a).exists()

    def test_same_status_is_refused(self, org):
        with pytest.raises(ValidationError):
            services.member_set_status(member=org.agent_a1, status=MemberStatus.ACTIVE)

    def test_database_keeps_leave_date_only_for_leavers(self, org):
        with pytest.raises(IntegrityError), transaction.atomic():
            Member.objects.filter(pk=org.agent_a1.pk).update(leave_date=timezone.localdate())

    def test_takes_leads_only_when_active_agent(self, org):
        assert org.agent_a1.takes_leads
        services.member_set_status(member=org.agent_a1, status=MemberStatus.ON_LEAVE)
        assert not Member.objects.get(pk=org.agent_a1.pk).takes_leads
        assert not org.manager_a.takes_leads


class TestCreateAndUpdate:
    def test_hiring_creates_user_profile_membership_and_event(self, org):
        member = services.member_create(
            username="newbie",
            password="pass-word-123",
            full_name="新人甲",
            employee_no="N001",
            team=org.team_b,
            by=org.admin.user,
        )
        assert member.status == MemberStatus.ONBOARDING
        assert member.user.check_password("pass-word-123")
        assert member.memberships.get().team == org.team_b
        assert member.events.get().kind == MemberEvent.Kind.JOINED

    def test_duplicate_username_is_a_field_error(self, org):
        with pytest.raises(ValidationError) as error:
            services.member_create(
                username="agent_a1", password=None, full_name="x", employee_no="X9"
            )
        assert "username" in error.value.message_dict

    def test_duplicate_employee_number_is_a_field_error_and_nothing_is_half_written(
        self, org, django_user_model
    ):
        with pytest.raises(ValidationError) as error:
            services.member_create(
                username="someone",
                password=None,
                full_name="x",
                employee_no=org.agent_a1.employee_no,
            )
        assert "employee_no" in error.value.message_dict
        assert not django_user_model.objects.filter(username="someone").exists()

    def test_profile_changes_are_recorded_with_before_and_after(self, org):
        services.member_update(
            member=org.agent_a1, daily_lead_capacity=45, extension="9001", by=org.admin.user
        )
        event = org.agent_a1.events.get(kind=MemberEvent.Kind.PROFILE)
        assert event.data["changes"]["daily_lead_capacity"] == ["30", "45"]

    def test_status_and_team_cannot_be_changed_as_profile_fields(self, org):
        with pytest.raises(ValidationError):
            services.member_update(member=org.agent_a1, status="left")

    def test_promoting_to_admin_gives_admin_site_access(self, org):
        services.member_update(member=org.agent_a1, role=Role.ADMIN)
        org.agent_a1.user.refresh_from_db()
        assert org.agent_a1.user.is_staff


class TestTeams:
    def test_naming_a_manager_moves_them_into_the_team(self, org):
        # An agent is made a team manager on their profile first (tests/crm/test_org_changes).
        services.member_update(member=org.agent_b1, role=Role.TEAM_MANAGER)
        team = TeamFactory(name="新组", department=org.east)
        team.manager = org.agent_b1.user
        services.team_save(team=team)
        member = Member.objects.get(pk=org.agent_b1.pk)
        assert member.role == Role.TEAM_MANAGER and member.team == team

    def test_a_manager_leads_one_team(self, org):
        team = TeamFactory(name="第二组", department=org.east)
        team.manager = org.manager_a.user
        with pytest.raises(ValidationError):
            services.team_save(team=team)


def test_headcount_snapshot_counts_from_history_and_is_idempotent(org):
    make_member(team=org.team_a, status=MemberStatus.ONBOARDING)
    services.member_set_status(member=org.agent_a2, status=MemberStatus.ON_LEAVE)
    assert services.headcount_snapshot_take() == 3
    assert services.headcount_snapshot_take() == 3
    snapshot = HeadcountSnapshot.objects.get(team=org.team_a, day=timezone.localdate())
    # manager + agent_a1 active, agent_a2 on leave, the new hire onboarding
    assert (snapshot.headcount, snapshot.active, snapshot.on_leave, snapshot.onboarding) == (
        4,
        2,
        1,
        1,
    )
    assert HeadcountSnapshot.objects.count() == 3


def test_headcount_of_a_past_day_ignores_later_hires(org):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    make_member(team=org.team_a, hire_date=timezone.localdate())
    services.headcount_snapshot_take(day=yesterday)
    assert HeadcountSnapshot.objects.get(team=org.team_a, day=yesterday).headcount == 3
