"""The API kernel (`crm.api`, `crm.api_defaults`): ids of related rows are checked against
the caller's scope by the field, a service's ValidationError becomes a 400 naming the
field in one place, and a view cannot read rows around `visibility`."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from rest_framework import mixins, serializers, viewsets
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from crm import access
from crm.api import (
    MAX_ID,
    ScopedQuerysetMixin,
    ScopedReadOnlyViewSet,
    ScopedRelatedField,
    ScopedViewSet,
    visible_staff_users,
)
from crm.api_defaults import exception_handler
from crm.models import Skill, Team
from tests.leads.factories import LeadFactory

pytestmark = pytest.mark.django_db


class TeamChoice(serializers.Serializer):
    team = ScopedRelatedField(visibility=access.visible_teams)


class TeamsChoice(serializers.Serializer):
    teams = ScopedRelatedField(visibility=access.visible_teams, many=True, max_length=3)


def _request_by(member):
    request = APIRequestFactory().post("/")
    request.user = member.user
    return request


def _errors(serializer_class, member, data) -> dict:
    serializer = serializer_class(data=data, context={"request": _request_by(member)})
    assert not serializer.is_valid()
    return serializer.errors


class TestScopedRelatedField:
    def test_a_row_in_the_callers_scope_is_the_row(self, org):
        serializer = TeamChoice(
            data={"team": org.team_a.pk}, context={"request": _request_by(org.manager_a)}
        )
        assert serializer.is_valid(), serializer.errors
        assert serializer.validated_data["team"] == org.team_a

    def test_a_row_outside_the_scope_is_a_400_naming_the_field_like_a_missing_one(self, org):
        outside = _errors(TeamChoice, org.manager_a, {"team": org.team_b.pk})
        missing = _errors(TeamChoice, org.manager_a, {"team": org.team_c.pk + 1000})
        assert set(outside) == set(missing) == {"team"}
        assert outside["team"][0].code == missing["team"][0].code == "does_not_exist"
        assert str(org.team_b.pk) in outside["team"][0]

    @pytest.mark.parametrize("value", [0, -1, MAX_ID + 1, 10**30, "99999999999999999999999"])
    def test_an_id_no_row_can_have_is_a_400_not_a_database_error(self, org, value):
        errors = _errors(TeamChoice, org.admin, {"team": value})
        assert errors["team"][0].code == "does_not_exist"

    @pytest.mark.parametrize("value", ["abc", "1.5", 1.5, True, [1], {"id": 1}, ""])
    def test_anything_but_a_whole_number_is_a_400(self, org, value):
        errors = _errors(TeamChoice, org.admin, {"team": value})
        assert errors["team"][0].code in ("incorrect_type", "required", "null")

    def test_a_number_as_text_is_accepted(self, org):
        serializer = TeamChoice(
            data={"team": str(org.team_a.pk)}, context={"request": _request_by(org.admin)}
        )
        assert serializer.is_valid() and serializer.validated_data["team"] == org.team_a

    def test_the_field_needs_the_request(self, org):
        with pytest.raises(ImproperlyConfigured, match="request"):
            TeamChoice(data={"team": org.team_a.pk}).is_valid()

    def test_many_ids_are_looked_up_in_one_query(self, org, django_assert_num_queries):
        request = _request_by(org.admin)
        data = {"teams": [org.team_b.pk, org.team_a.pk, org.team_b.pk]}
        serializer = TeamsChoice(data=data, context={"request": request})
        access.scope_of(org.admin.user)  # the scope is cached per user; not the point here
        with django_assert_num_queries(1):
            assert serializer.is_valid(), serializer.errors
        assert serializer.validated_data["teams"] == [org.team_b, org.team_a]

    def test_many_ids_name_the_one_outside_the_scope_and_keep_their_limit(self, org):
        errors = _errors(TeamsChoice, org.manager_a, {"teams": [org.team_a.pk, org.team_c.pk]})
        assert errors["teams"][0].code == "does_not_exist"
        assert str(org.team_c.pk) in errors["teams"][0]
        too_many = _errors(TeamsChoice, org.admin, {"teams": [org.team_a.pk] * 4})
        assert too_many["teams"][0].code == "max_length"
        assert _errors(TeamsChoice, org.admin, {"teams": "1"})["teams"][0].code == "not_a_list"

    def test_user_ids_are_the_users_of_the_members_the_caller_sees(self, org):
        visible = set(visible_staff_users(org.manager_a.user))
        assert org.agent_a1.user in visible and org.agent_b1.user not in visible

    def test_through_the_api_a_lead_outside_the_scope_is_a_400_on_lead(self, api_as, org):
        theirs = LeadFactory(owner=org.agent_a2.user, team=org.team_a)
        for lead_id in (theirs.pk, MAX_ID, 2**64, "x"):
            response = api_as(org.agent_a1).post(
                "/api/leads/calls/",
                {"lead": lead_id, "started_at": "2026-12-01T10:00:00+08:00", "duration_seconds": 5},
                format="json",
            )
            assert response.status_code == 400, (lead_id, response.content)
            assert list(response.json()) == ["lead"]

    def test_through_the_api_an_assignee_outside_the_teams_is_a_400(self, api_as, org):
        response = api_as(org.manager_a).post(
            "/api/leads/assign/",
            {"lead_ids": [1], "agent": org.agent_c1.user.pk, "reason": "cover"},
            format="json",
        )
        assert response.status_code == 400 and "agent" in response.json()


class TestServiceErrorsAreAnswered:
    def test_an_error_on_a_field_names_the_field(self):
        response = exception_handler(
            DjangoValidationError({"reason": "Say why.", "lead_ids": ["None chosen."]}), {}
        )
        assert response.status_code == 400
        assert response.data == {"reason": ["Say why."], "lead_ids": ["None chosen."]}

    def test_an_error_on_no_field_is_a_non_field_error(self):
        plain = exception_handler(DjangoValidationError("Not now."), {})
        assert plain.status_code == 400 and plain.data == {"non_field_errors": ["Not now."]}
        whole = exception_handler(DjangoValidationError({"__all__": ["Not both."]}), {})
        assert whole.data == {"non_field_errors": ["Not both."]}

    def test_a_view_lets_the_service_error_through_and_its_writes_roll_back(self, org):
        class SkillView(APIView):
            def post(self, request):
                with transaction.atomic():  # as every service is
                    Skill.objects.create(kind=Skill.Kind.REGION, name="江苏")
                    raise DjangoValidationError({"name": "Taken."})

        request = APIRequestFactory().post("/", {}, format="json")
        force_authenticate(request, user=org.admin.user)
        response = SkillView.as_view()(request)
        assert response.status_code == 400 and response.data == {"name": ["Taken."]}
        assert not Skill.objects.filter(name="江苏").exists()

    def test_through_the_api_a_service_refusal_is_a_400_naming_the_field(self, api_as, org):
        other_team = LeadFactory(owner=org.agent_b1.user, team=org.team_b)
        response = api_as(org.manager_a).post(
            "/api/leads/assign/",
            {"lead_ids": [other_team.pk], "agent": org.agent_a1.user.pk, "reason": "cover"},
            format="json",
        )
        assert response.status_code == 400 and list(response.json()) == ["lead_ids"]
        other_team.refresh_from_db()
        assert other_team.owner == org.agent_b1.user


class TestScopedBaseRefusesOtherRows:
    def test_overriding_get_queryset_is_refused_when_the_class_is_defined(self):
        with pytest.raises(ImproperlyConfigured, match=r"SneakyViewSet.*get_queryset"):

            class SneakyViewSet(ScopedViewSet):
                visibility = access.visible_teams

                def get_queryset(self):
                    return Team.objects.all()

    def test_a_mixin_reading_rows_ahead_of_the_scope_is_refused_too(self):
        class EverythingMixin:
            def get_queryset(self):
                return Team.objects.all()

        with pytest.raises(ImproperlyConfigured, match="MixedViewSet"):

            class MixedViewSet(EverythingMixin, ScopedReadOnlyViewSet):
                visibility = access.visible_teams

        with pytest.raises(ImproperlyConfigured, match="BackwardsViewSet"):

            class BackwardsViewSet(viewsets.GenericViewSet, ScopedQuerysetMixin):
                visibility = access.visible_teams

    def test_a_queryset_attribute_is_refused(self):
        with pytest.raises(ImproperlyConfigured, match=r"PlainViewSet.*queryset"):

            class PlainViewSet(ScopedQuerysetMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
                visibility = access.visible_teams
                queryset = Team.objects.all()

    def test_refining_the_rows_is_the_way(self, org):
        class ActiveTeams(ScopedReadOnlyViewSet):
            visibility = access.visible_teams

            def refine_queryset(self, queryset):
                return queryset.filter(is_active=True)

        view = ActiveTeams()
        view.request = _request_by(org.manager_a)
        assert set(view.get_queryset()) == {org.team_a}
