"""Pages: sign-in, the home per role, the org tree and staff pages, the admin's actions."""

import re

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from crm import services
from crm.models import Member, MemberStatus, TeamMembership
from tests.factories import make_member

pytestmark = pytest.mark.django_db


def title(response) -> str:
    match = re.search(r'id="home-title">(.*?)</h1>', response.content.decode(), re.S)
    return match.group(1).strip() if match else ""


class TestSignIn:
    def test_anonymous_is_sent_to_sign_in(self, client):
        response = client.get("/")
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")

    def test_sign_in_and_out(self, client, org):
        response = client.post(
            "/accounts/login/", {"username": "agent_a1", "password": "pass-word-123"}
        )
        assert response.status_code == 302 and response["Location"] == "/"
        assert title(client.get("/")) == "My work"
        response = client.post("/accounts/logout/")
        assert response.status_code == 302
        assert client.get("/").status_code == 302

    def test_failed_sign_ins_are_throttled(self, client, org):
        for _ in range(settings.AXES_FAILURE_LIMIT - 1):
            response = client.post(
                "/accounts/login/", {"username": "agent_a1", "password": "wrong"}
            )
            assert response.status_code == 200
        last_try = client.post("/accounts/login/", {"username": "agent_a1", "password": "wrong"})
        assert last_try.status_code == 429
        # now even the right password is refused until the cool-off ends
        locked = client.post(
            "/accounts/login/", {"username": "agent_a1", "password": "pass-word-123"}
        )
        assert locked.status_code == 429
        assert "Too many failed sign-ins" in locked.content.decode()
        # another user from the same address is not locked out by agent_a1's failures
        other = Client().post(
            "/accounts/login/", {"username": "agent_a2", "password": "pass-word-123"}
        )
        assert other.status_code == 302

    def test_password_change(self, client_as, org):
        client = client_as(org.agent_a1)
        response = client.post(
            "/accounts/password/",
            {
                "old_password": "pass-word-123",
                "new_password1": "N3w-secret-pw",
                "new_password2": "N3w-secret-pw",
            },
        )
        assert response.status_code == 302
        org.agent_a1.user.refresh_from_db()
        assert org.agent_a1.user.check_password("N3w-secret-pw")

    def test_password_change_errors_are_shown(self, client_as, org):
        response = client_as(org.agent_a1).post(
            "/accounts/password/",
            {"old_password": "bad", "new_password1": "a", "new_password2": "b"},
        )
        assert response.status_code == 200
        assert "invalid-feedback" in response.content.decode()


class TestHomePerRole:
    def test_agent_home_shows_my_work_and_team(self, client_as, org):
        response = client_as(org.agent_a1).get("/")
        body = response.content.decode()
        assert title(response) == "My work"
        assert org.team_a.name in body and org.manager_a.display_name in body
        assert "/admin/" not in body  # no settings link for agents

    def test_onboarding_agent_is_told_why_no_leads_come(self, client_as, org):
        newbie = make_member(team=org.team_a, status=MemberStatus.ONBOARDING)
        body = client_as(newbie).get("/").content.decode()
        assert "still in onboarding" in body

    def test_manager_home_lists_the_team(self, client_as, org):
        response = client_as(org.manager_a).get("/")
        body = response.content.decode()
        assert title(response).startswith("My team")
        assert org.agent_a1.display_name in body and org.agent_a2.display_name in body
        assert org.agent_b1.display_name not in body

    def test_head_home_compares_teams_of_the_subtree(self, client_as, org):
        response = client_as(org.south_head).get("/")
        body = response.content.decode()
        assert title(response) == "My departments"
        assert org.team_c.name in body and org.team_a.name not in body

    def test_admin_home_links_to_settings(self, client_as, org):
        response = client_as(org.admin).get("/")
        body = response.content.decode()
        assert title(response) == "Settings"
        assert "/admin/" in body and "/org/members/new/" in body

    def test_inspector_home_overviews_teams(self, client_as, org):
        response = client_as(org.inspector).get("/")
        assert title(response) == "Teams overview"

    def test_user_without_profile_is_refused(self, client, django_user_model):
        user = django_user_model.objects.create_user("noprofile", password="pass-word-123")
        client.force_login(user)
        assert client.get("/").status_code == 403

    def test_home_query_count_is_constant(self, client_as, org, django_assert_max_num_queries):
        client = client_as(org.admin)
        client.get("/")
        for _ in range(10):
            make_member(team=org.team_b)
        with django_assert_max_num_queries(15):
            client.get("/")


class TestOrgPages:
    def test_org_tree_shows_departments_teams_managers_and_headcount(self, client_as, org):
        body = client_as(org.admin).get("/org/").content.decode()
        for text in (
            org.center.name,
            org.east.name,
            org.team_a.name,
            org.manager_a.display_name,
            "3 / 12",
        ):
            assert text in body

    def test_org_tree_query_count_is_constant(self, client_as, org, django_assert_max_num_queries):
        client = client_as(org.admin)
        for _ in range(12):
            make_member(team=org.team_c)
        with django_assert_max_num_queries(12):
            assert client.get("/org/").status_code == 200

    def test_opening_a_team_loads_its_members(self, client_as, org):
        body = client_as(org.admin).get(f"/org/teams/{org.team_a.pk}/members/").content.decode()
        for member in (org.manager_a, org.agent_a1, org.agent_a2):
            assert member.display_name in body
        assert org.agent_b1.display_name not in body

    def test_team_members_outside_the_scope_answer_404(self, client_as, org):
        client = client_as(org.manager_c)
        assert client.get(f"/org/teams/{org.team_a.pk}/members/").status_code == 404
        assert client.get(f"/org/teams/{org.team_c.pk}/members/").status_code == 200

    def test_team_members_query_count_is_constant(
        self, client_as, org, django_assert_max_num_queries
    ):
        client = client_as(org.admin)
        for _ in range(12):
            make_member(team=org.team_c)
        with django_assert_max_num_queries(8):
            response = client.get(f"/org/teams/{org.team_c.pk}/members/")
        assert response.content.decode().count("<tr>") == 14  # manager, agent, 12 new

    def test_member_list_filters_and_paginates(self, client_as, org):
        client = client_as(org.admin)
        body = client.get("/org/members/", {"team": org.team_c.pk}).content.decode()
        assert org.agent_c1.display_name in body and org.agent_a1.display_name not in body
        body = client.get("/org/members/", {"q": org.agent_b1.employee_no}).content.decode()
        assert org.agent_b1.display_name in body and org.agent_a2.display_name not in body

    def test_admin_hires_from_the_page(self, client_as, org):
        response = client_as(org.admin).post(
            "/org/members/new/",
            {
                "full_name": "页面新人",
                "username": "page_hire",
                "password": "pass-word-123",
                "employee_no": "PG01",
                "role": "agent",
                "team": org.team_c.pk,
                "status": "onboarding",
                "hire_date": timezone.localdate().isoformat(),
                "daily_lead_capacity": 25,
            },
        )
        member = Member.objects.get(user__username="page_hire")
        assert response.status_code == 302 and response["Location"] == f"/org/members/{member.pk}/"
        assert member.team == org.team_c and member.daily_lead_capacity == 25

    def test_hire_form_shows_field_errors(self, client_as, org):
        response = client_as(org.admin).post(
            "/org/members/new/", {"username": "agent_a1", "employee_no": ""}
        )
        body = response.content.decode()
        assert response.status_code == 200
        assert "This username is already taken." in body

    def test_admin_moves_an_agent_with_htmx(self, client_as, org):
        client = client_as(org.admin)
        response = client.post(
            f"/org/members/{org.agent_a1.pk}/move/",
            {"team": org.team_b.pk, "reason": "补员"},
            HTTP_HX_REQUEST="true",
        )
        assert response.status_code == 200
        assert response["HX-Redirect"] == f"/org/members/{org.agent_a1.pk}/"
        assert TeamMembership.objects.filter(member=org.agent_a1).count() == 2
        page = client.get(f"/org/members/{org.agent_a1.pk}/").content.decode()
        assert "补员" in page

    def test_leaving_without_a_date_is_a_form_error(self, client_as, org):
        response = client_as(org.admin).post(
            f"/org/members/{org.agent_a1.pk}/status/", {"status": "left"}, HTTP_HX_REQUEST="true"
        )
        assert response.status_code == 200
        assert "A leave date is required." in response.content.decode()
        assert Member.objects.get(pk=org.agent_a1.pk).status == MemberStatus.ACTIVE

    def test_admin_edits_profile(self, client_as, org):
        response = client_as(org.admin).post(
            f"/org/members/{org.agent_a1.pk}/edit/",
            {
                "full_name": "改名",
                "email": "",
                "role": "agent",
                "employee_no": org.agent_a1.employee_no,
                "extension": "7777",
                "hire_date": org.agent_a1.hire_date.isoformat(),
                "daily_lead_capacity": 33,
            },
        )
        assert response.status_code == 302
        member = Member.objects.select_related("user").get(pk=org.agent_a1.pk)
        assert (member.user.first_name, member.extension, member.daily_lead_capacity) == (
            "改名",
            "7777",
            33,
        )
        event = member.events.get(kind="profile")
        assert event.data["changes"]["extension"] == ["", "7777"]

    def test_admin_creates_department_and_team(self, client_as, org):
        client = client_as(org.admin)
        response = client.post(
            "/org/departments/new/",
            {"name": "华北事业部", "kind": "region", "parent": org.center.pk},
        )
        assert response.status_code == 302
        from crm.models import Department, Team

        north = Department.objects.get(name="华北事业部")
        assert north.path == f"{org.center.path}{north.pk}/"
        # The manager is someone who can manage: a team manager (tests/crm/test_org_changes).
        services.member_update(member=org.agent_c1, role="team_manager")
        response = client.post(
            "/org/teams/new/",
            {
                "name": "华北一组",
                "department": north.pk,
                "manager": org.agent_c1.user.pk,
                "target_size": 12,
                "is_active": "on",
            },
        )
        assert response.status_code == 302
        team = Team.objects.get(name="华北一组")
        assert Member.objects.get(pk=org.agent_c1.pk).team == team

    @pytest.mark.parametrize("role", ["agent_a1", "manager_a", "head", "inspector"])
    def test_non_admins_cannot_change_the_org(self, client_as, org, role):
        client = client_as(getattr(org, role))
        assert client.get("/org/members/new/").status_code == 403
        assert client.get(f"/org/teams/{org.team_a.pk}/edit/").status_code == 403
        response = client.post(f"/org/members/{org.agent_a1.pk}/move/", {"team": org.team_b.pk})
        assert response.status_code in (403, 404)
        assert TeamMembership.objects.filter(member=org.agent_a1).count() == 1


class TestLanguageAndTime:
    def test_language_switch_to_chinese_and_back(self, client_as, org):
        client = client_as(org.agent_a1)
        client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
        body = client.get("/").content.decode()
        assert '<html lang="zh-hans">' in body
        assert "我的工作" in body
        client.post("/i18n/setlang/", {"language": "en", "next": "/"})
        assert '<html lang="en">' in client.get("/").content.decode()

    def test_time_zone_defaults_to_shanghai(self):
        from crm.settings import base

        assert base.TIME_ZONE == "Asia/Shanghai" and settings.USE_TZ

    def test_static_assets_are_local(self, client_as, org):
        body = client_as(org.agent_a1).get("/").content.decode()
        assert "/static/vendor/bootstrap-5.3.9/bootstrap.min.css" in body
        assert "/static/vendor/htmx-2.0.11/htmx.min.js" in body
        assert "https://" not in body


@pytest.mark.parametrize(
    "role", ["admin", "inspector", "head", "manager_a", "agent_a1", "new_hire"], ids=lambda r: r
)
def test_every_navigation_link_opens_for_its_role(org, client_as, role):
    """The menu offers only pages the role may open: each link answers 200 (a new hire
    still in onboarding takes no leads, so imports are not offered to them)."""
    from crm.context_processors import navigation

    if role == "new_hire":
        member = make_member(team=org.team_a, username="new_hire", status=MemberStatus.ONBOARDING)
    else:
        member = getattr(org, role)
    client = client_as(member)
    home = client.get("/")
    assert home.status_code == 200
    items = navigation(home.wsgi_request)["nav_items"]
    assert len(items) >= 3
    for label, url in items:
        response = client.get(url)
        assert response.status_code == 200, (role, str(label), url, response.status_code)
