"""The org API: auth, filters, pagination, writes by admins only, errors with the field."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.authtoken.models import Token

from crm.models import Member, MemberStatus, Role, TeamMembership
from tests.factories import make_member

pytestmark = pytest.mark.django_db


class TestAuthentication:
    def test_anonymous_is_refused(self, api, org):
        response = api.get("/api/members/")
        assert response.status_code in (401, 403)
        assert "detail" in response.json()

    def test_token_is_issued_for_good_credentials_and_works(self, api, org):
        response = api.post(
            "/api/auth/token/", {"username": "agent_a1", "password": "pass-word-123"}
        )
        assert response.status_code == 200
        token = response.json()["token"]
        api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        me = api.get("/api/me/").json()
        assert me["username"] == "agent_a1" and me["role"] == "agent"
        assert me["member"]["team"] == org.team_a.pk

    def test_wrong_password_gives_a_field_error_not_a_token(self, api, org):
        response = api.post("/api/auth/token/", {"username": "agent_a1", "password": "nope"})
        assert response.status_code == 400
        assert "non_field_errors" in response.json()

    def test_token_of_a_left_agent_stops_working(self, api, org):
        from crm import services

        token = Token.objects.create(user=org.agent_a1.user)
        api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        assert api.get("/api/me/").status_code == 200
        services.member_set_status(
            member=org.agent_a1,
            status=MemberStatus.LEFT,
            leave_date=timezone.localdate(),
            leave_reason="resigned",
        )
        assert api.get("/api/me/").status_code == 401


class TestMemberList:
    def test_filters_by_role_status_team_department_and_search(self, api_as, org):
        api = api_as(org.admin)
        agents = {m["username"] for m in api.get("/api/members/?role=agent").json()["results"]}
        assert agents == {"agent_a1", "agent_a2", "agent_b1", "agent_c1"}
        in_east = {
            m["username"]
            for m in api.get(f"/api/members/?department={org.east.pk}").json()["results"]
        }
        assert in_east == {"manager_a", "manager_b", "agent_a1", "agent_a2", "agent_b1"}
        in_team = api.get(f"/api/members/?team={org.team_c.pk}&role=agent").json()
        assert [m["username"] for m in in_team["results"]] == ["agent_c1"]
        found = api.get("/api/members/", {"q": org.agent_b1.employee_no}).json()
        assert [m["username"] for m in found["results"]] == ["agent_b1"]
        active_managers = api.get("/api/members/?role=team_manager&status=active").json()
        assert active_managers["count"] == 3

    def test_filters_never_widen_the_scope(self, api_as, org):
        response = api_as(org.manager_a).get(f"/api/members/?team={org.team_c.pk}")
        assert response.json()["count"] == 0

    def test_bad_filter_value_is_a_400_naming_the_field(self, api_as, org):
        response = api_as(org.admin).get("/api/members/?status=retired")
        assert response.status_code == 400
        assert "status" in response.json()

    def test_pagination_and_page_size(self, api_as, org):
        for _ in range(5):
            make_member(team=org.team_a)
        page = api_as(org.admin).get("/api/members/?page_size=4").json()
        assert page["count"] == 16 and len(page["results"]) == 4 and page["next"]

    def test_query_count_does_not_grow_with_the_page(
        self, api_as, org, django_assert_max_num_queries
    ):
        api = api_as(org.admin)
        with CaptureQueriesContext(connection) as small:
            api.get("/api/members/?page_size=2")
        for _ in range(20):
            make_member(team=org.team_b)
        with CaptureQueriesContext(connection) as large:
            response = api.get("/api/members/?page_size=100")
        assert response.json()["count"] == 31
        assert len(large.captured_queries) == len(small.captured_queries)
        with django_assert_max_num_queries(8):
            api.get("/api/teams/")

    def test_unknown_api_path_is_json_404(self, api_as, org):
        response = api_as(org.admin).get("/api/no-such-thing/")
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found."}


class TestMemberWrites:
    def test_admin_hires_through_the_api(self, api_as, org):
        response = api_as(org.admin).post(
            "/api/members/",
            {
                "username": "api_hire",
                "password": "pass-word-123",
                "full_name": "接口新人",
                "employee_no": "API1",
                "team": org.team_b.pk,
            },
            format="json",
        )
        assert response.status_code == 201, response.json()
        assert response.json()["status"] == MemberStatus.ONBOARDING
        assert TeamMembership.objects.filter(
            member__user__username="api_hire", team=org.team_b
        ).exists()

    def test_hire_errors_name_the_field(self, api_as, org):
        response = api_as(org.admin).post(
            "/api/members/",
            {"username": "agent_a1", "full_name": "重复", "employee_no": "DUP1"},
            format="json",
        )
        assert response.status_code == 400
        assert "username" in response.json()
        response = api_as(org.admin).post(
            "/api/members/",
            {"username": "ok_name", "full_name": "x", "employee_no": ""},
            format="json",
        )
        assert response.status_code == 400 and "employee_no" in response.json()

    @pytest.mark.parametrize("role", ["agent_a1", "manager_a", "head", "inspector"])
    def test_only_admins_change_the_org(self, api_as, org, role):
        member = getattr(org, role)
        api = api_as(member)
        assert api.post("/api/teams/", {"name": "X", "department": org.east.pk}).status_code == 403
        response = api.post(f"/api/members/{member.pk}/move/", {"team": org.team_b.pk})
        assert response.status_code == 403
        assert (
            api.patch(f"/api/members/{member.pk}/", {"daily_lead_capacity": 99}).status_code == 403
        )

    def test_move_and_history_through_the_api(self, api_as, org):
        api = api_as(org.admin)
        response = api.post(
            f"/api/members/{org.agent_a1.pk}/move/", {"team": org.team_c.pk, "reason": "调岗"}
        )
        assert response.status_code == 200 and response.json()["team"] == org.team_c.pk
        history = api.get(f"/api/members/{org.agent_a1.pk}/memberships/").json()
        assert [row["team"] for row in history] == [org.team_c.pk, org.team_a.pk]
        at_now = api.get(
            "/api/memberships/", {"team": org.team_c.pk, "at": timezone.now().isoformat()}
        ).json()
        assert org.agent_a1.pk in {row["member"] for row in at_now["results"]}
        again = api.post(f"/api/members/{org.agent_a1.pk}/move/", {"team": org.team_c.pk})
        assert again.status_code == 400 and "team" in again.json()

    def test_status_change_through_the_api_validates_leaving(self, api_as, org):
        api = api_as(org.admin)
        response = api.post(f"/api/members/{org.agent_a1.pk}/status/", {"status": "left"})
        assert response.status_code == 400 and "leave_date" in response.json()
        response = api.post(
            f"/api/members/{org.agent_a1.pk}/status/",
            {
                "status": "left",
                "leave_date": timezone.localdate().isoformat(),
                "leave_reason": "resigned",
            },
        )
        assert response.status_code == 200 and response.json()["status"] == "left"

    def test_profile_patch(self, api_as, org):
        response = api_as(org.admin).patch(
            f"/api/members/{org.agent_a1.pk}/",
            {"daily_lead_capacity": 55, "role": Role.TEAM_MANAGER},
        )
        assert response.status_code == 200
        member = Member.objects.get(pk=org.agent_a1.pk)
        assert (member.daily_lead_capacity, member.role) == (55, Role.TEAM_MANAGER)


class TestTeamsAndDepartments:
    def test_admin_creates_a_team_and_headcount_is_reported(self, api_as, org):
        api = api_as(org.admin)
        response = api.post(
            "/api/teams/", {"name": "新组", "department": org.south.pk, "target_size": 10}
        )
        assert response.status_code == 201, response.json()
        assert response.json()["headcount"] == 0
        team_a = api.get(f"/api/teams/{org.team_a.pk}/").json()
        assert team_a["headcount"] == 3 and team_a["target_size"] == 12

    def test_duplicate_team_name_in_a_department_is_a_400(self, api_as, org):
        response = api_as(org.admin).post(
            "/api/teams/", {"name": org.team_a.name, "department": org.east.pk}
        )
        assert response.status_code == 400

    def test_team_filter_by_department_includes_sub_departments(self, api_as, org):
        teams = api_as(org.admin).get(f"/api/teams/?department={org.center.pk}").json()
        assert teams["count"] == 3

    def test_department_tree_moves_and_refuses_cycles(self, api_as, org):
        api = api_as(org.admin)
        created = api.post(
            "/api/departments/", {"name": "华东-渠道", "kind": "channel", "parent": org.east.pk}
        )
        assert created.status_code == 201
        child = created.json()
        assert child["path"] == f"{org.east.path}{child['id']}/"
        cycle = api.patch(f"/api/departments/{org.east.pk}/", {"parent": child["id"]})
        assert cycle.status_code == 400 and "parent" in cycle.json()

    def test_deleting_a_department_with_teams_is_refused(self, api_as, org):
        response = api_as(org.admin).delete(f"/api/departments/{org.east.pk}/")
        assert response.status_code == 400


def test_schema_and_docs_are_served_without_a_cdn(api_as, org):
    api = api_as(org.admin)
    schema = api.get("/api/schema/")
    assert schema.status_code == 200
    assert b"/api/members/{id}/move/" in schema.content
    docs = api.get("/api/docs/")
    assert docs.status_code == 200
    body = docs.content.decode()
    assert "swagger-ui" in body
    assert "cdn." not in body and "unpkg" not in body and "jsdelivr" not in body
