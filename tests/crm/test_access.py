"""Who sees what: each role against each other role's data, in selectors, pages and API."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from crm import access
from crm.api import ScopedQuerysetMixin
from crm.models import Member, Role
from leads import access as leads_access
from performance import access as performance_access

pytestmark = pytest.mark.django_db


def usernames(queryset) -> set[str]:
    return set(queryset.values_list("user__username", flat=True))


ALL_STAFF = {
    "admin_user",
    "inspector_user",
    "head_user",
    "south_head_user",
    "manager_a",
    "manager_b",
    "manager_c",
    "agent_a1",
    "agent_a2",
    "agent_b1",
    "agent_c1",
}


class TestVisibleMembers:
    def test_agent_sees_only_themself(self, org):
        assert usernames(access.visible_members(org.agent_a1.user)) == {"agent_a1"}

    def test_manager_sees_their_team_only(self, org):
        assert usernames(access.visible_members(org.manager_a.user)) == {
            "manager_a",
            "agent_a1",
            "agent_a2",
        }

    def test_head_of_center_sees_every_team_below(self, org):
        seen = usernames(access.visible_members(org.head.user))
        assert seen == {
            "head_user",
            "manager_a",
            "manager_b",
            "manager_c",
            "agent_a1",
            "agent_a2",
            "agent_b1",
            "agent_c1",
        }

    def test_head_of_a_division_sees_only_that_subtree(self, org):
        assert usernames(access.visible_members(org.south_head.user)) == {
            "south_head_user",
            "manager_c",
            "agent_c1",
        }

    def test_admin_and_inspector_see_everyone(self, org):
        assert usernames(access.visible_members(org.admin.user)) == ALL_STAFF
        assert usernames(access.visible_members(org.inspector.user)) == ALL_STAFF

    def test_moving_an_agent_moves_visibility(self, org):
        from crm import services

        services.member_move(member=org.agent_a1, team=org.team_c, by=org.admin.user)
        manager_a = Member.objects.get(pk=org.manager_a.pk).user
        manager_c = Member.objects.get(pk=org.manager_c.pk).user
        assert "agent_a1" not in usernames(access.visible_members(manager_a))
        assert "agent_a1" in usernames(access.visible_members(manager_c))

    def test_a_user_without_profile_or_inactive_sees_nothing(self, org, django_user_model):
        stranger = django_user_model.objects.create_user("stranger", password="x-x-x-x-x1")
        assert not access.visible_members(stranger).exists()
        org.agent_a1.user.is_active = False
        assert not access.visible_members(org.agent_a1.user).exists()


class TestVisibleTeamsAndDepartments:
    def test_agent_sees_own_team_and_its_department(self, org):
        assert set(access.visible_teams(org.agent_a1.user)) == {org.team_a}
        assert set(access.visible_departments(org.agent_a1.user)) == {org.east}

    def test_manager_sees_own_team(self, org):
        assert set(access.visible_teams(org.manager_b.user)) == {org.team_b}

    def test_head_sees_subtree(self, org):
        assert set(access.visible_teams(org.head.user)) == {org.team_a, org.team_b, org.team_c}
        assert set(access.visible_departments(org.head.user)) == {org.center, org.east, org.south}
        assert set(access.visible_teams(org.south_head.user)) == {org.team_c}
        assert set(access.visible_departments(org.south_head.user)) == {org.south}

    def test_memberships_follow_the_same_rule(self, org):
        seen = {m.member.user.username for m in access.visible_memberships(org.manager_c.user)}
        assert seen == {"manager_c", "agent_c1"}


def role_members(org):
    return {
        "admin": org.admin,
        "inspector": org.inspector,
        "head": org.head,
        "south_head": org.south_head,
        "manager_a": org.manager_a,
        "manager_c": org.manager_c,
        "agent_a1": org.agent_a1,
        "agent_c1": org.agent_c1,
    }


@pytest.mark.parametrize(
    ("viewer", "target", "visible"),
    [
        ("agent_a1", "agent_a1", True),
        ("agent_a1", "agent_a2", False),
        ("agent_a1", "manager_a", False),
        ("agent_a1", "agent_c1", False),
        ("manager_a", "agent_a2", True),
        ("manager_a", "agent_b1", False),
        ("manager_a", "agent_c1", False),
        ("manager_a", "head", False),
        ("manager_c", "agent_a1", False),
        ("south_head", "agent_c1", True),
        ("south_head", "agent_a1", False),
        ("south_head", "head", False),
        ("head", "agent_c1", True),
        ("head", "admin", False),
        ("inspector", "agent_a1", True),
        ("admin", "south_head", True),
    ],
)
def test_member_detail_by_guessed_id_answers_404_like_a_missing_one(
    org, api_as, client_as, viewer, target, visible
):
    members = role_members(org) | {
        "agent_a2": org.agent_a2,
        "agent_b1": org.agent_b1,
        "head": org.head,
    }
    viewer_member, target_member = members[viewer], members[target]
    api = api_as(viewer_member)
    response = api.get(f"/api/members/{target_member.pk}/")
    missing = api.get("/api/members/999999/")
    assert missing.status_code == 404
    if visible:
        assert response.status_code == 200
        assert response.json()["username"] == target_member.user.username
    else:
        assert response.status_code == 404
        assert response.json() == missing.json()
    page = client_as(viewer_member).get(f"/org/members/{target_member.pk}/")
    assert page.status_code == (200 if visible else 404)


def test_memberships_of_another_team_cannot_be_read_by_id(org, api_as):
    other = org.agent_c1.memberships.get()
    assert api_as(org.manager_a).get(f"/api/memberships/{other.pk}/").status_code == 404
    assert api_as(org.manager_c).get(f"/api/memberships/{other.pk}/").status_code == 200


def test_team_and_department_of_another_division_answer_404(org, api_as):
    api = api_as(org.south_head)
    assert api.get(f"/api/teams/{org.team_a.pk}/").status_code == 404
    assert api.get(f"/api/departments/{org.east.pk}/").status_code == 404
    assert api.get(f"/api/teams/{org.team_c.pk}/").status_code == 200


def test_org_page_lists_only_visible_teams(org, client_as):
    page = client_as(org.manager_c).get("/org/")
    assert page.status_code == 200
    body = page.content.decode()
    assert org.team_c.name in body
    assert org.team_a.name not in body
    assert org.agent_a1.display_name not in body


def test_member_list_page_is_scoped(org, client_as):
    body = client_as(org.manager_a).get("/org/members/").content.decode()
    assert org.agent_a2.display_name in body
    assert org.agent_b1.display_name not in body
    assert org.agent_c1.display_name not in body


def _api_views():
    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                yield prefix + str(pattern.pattern), pattern.callback

    return [
        (route, callback)
        for route, callback in walk(get_resolver().url_patterns)
        if route.startswith("api/")
    ]


# Views that serve no model rows, or only the caller's own: they need no scoping.
UNSCOPED_API_VIEWS = {
    "SpectacularAPIView",
    "SpectacularSwaggerView",
    "ObtainTokenView",
    "MeView",
    "APIRootView",
}


def test_every_api_view_over_rows_gets_them_through_access():
    """A view that lists or shows rows must use the scoped base class, so it cannot forget."""
    checked = 0
    for route, callback in _api_views():
        view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        if view_class is None or view_class.__name__ in UNSCOPED_API_VIEWS:
            continue
        assert issubclass(view_class, ScopedQuerysetMixin), (
            f"{route} ({view_class.__name__}) is not scoped"
        )
        assert view_class.visibility is not None, f"{route} sets no visibility"
        checked += 1
    assert checked >= 4


def test_roles_are_the_five_of_the_call_center():
    assert set(Role.values) == {"agent", "team_manager", "department_head", "inspector", "admin"}


@pytest.mark.parametrize("limit", [0, 200])
def test_an_owner_in_my_teams_is_the_same_rows_as_a_list_or_a_join(org, monkeypatch, limit):
    """A manager's or a division's members are a literal id list; a head of hundreds of
    agents gets the join on members instead (MEMBER_LIST_LIMIT). Same rows either way."""
    from performance.models import Scorecard
    from tests.leads.factories import LeadFactory

    monkeypatch.setattr(access, "MEMBER_LIST_LIMIT", limit)
    mine = LeadFactory(owner=org.agent_a1.user, team=org.team_a)
    other_team = LeadFactory(owner=org.agent_b1.user, team=org.team_b)
    south = LeadFactory(owner=org.agent_c1.user, team=org.team_c)
    card = Scorecard.objects.create(
        level="agent", agent=org.agent_a1.user, period_kind="month", period_start="2026-11-01"
    )
    for who, expected in (
        (org.manager_a, {mine}),
        (org.head, {mine, other_team, south}),
        (org.south_head, {south}),
        (org.agent_a1, {mine}),
    ):
        user = who.user
        access.forget_scope(user)
        assert set(leads_access.visible_leads(user)) == expected, who
        sees_card = performance_access.visible_scorecards(user).filter(pk=card.pk).exists()
        assert sees_card == (who in (org.manager_a, org.head, org.agent_a1)), who
