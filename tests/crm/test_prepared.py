"""Prepared queries read exactly what the ORM would, with one query and no rebuilding."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm.auth import MemberBackend
from crm.models import Member
from crm.prepared import Prepared
from tests.factories import make_member

pytestmark = pytest.mark.django_db

members_of_team = Prepared(
    lambda team_id, joined_before: (
        Member.objects.select_related("user", "team")
        .filter(team_id=team_id, user__date_joined__lt=joined_before)
        .order_by("user__username")
    ),
    team_id=int,
    joined_before=dt.datetime,
)


def _fields(member: Member) -> tuple:
    return (member.pk, member.user.username, member.user.date_joined, member.team.name)


def test_the_rows_and_instances_match_the_orm(org):
    later = timezone.now() + dt.timedelta(minutes=1)

    prepared = members_of_team(team_id=org.team_a.pk, joined_before=later)
    plain = list(members_of_team.queryset(team_id=org.team_a.pk, joined_before=later))

    assert [_fields(m) for m in prepared] == [_fields(m) for m in plain]
    assert {m.pk for m in prepared} >= {org.agent_a1.pk, org.agent_a2.pk, org.manager_a.pk}
    # Related rows came with the query: reading them costs nothing more.
    with CaptureQueriesContext(connection) as queries:
        [_fields(m) for m in prepared]
    assert len(queries) == 0


def test_other_values_give_other_rows(org):
    later = timezone.now() + dt.timedelta(minutes=1)

    assert {m.team_id for m in members_of_team(team_id=org.team_c.pk, joined_before=later)} == {
        org.team_c.pk
    }
    long_ago = later - dt.timedelta(days=3650)
    assert members_of_team(team_id=org.team_c.pk, joined_before=long_ago) == []


def test_values_list_rows_are_tuples_with_converters_applied(org):
    prepared = Prepared(
        lambda team_id: (
            Member.objects.filter(team_id=team_id)
            .values_list("team_id")
            .annotate(agents=Count("pk"))
            .order_by()
        ),
        team_id=int,
    )

    assert prepared(team_id=org.team_a.pk) == list(prepared.queryset(team_id=org.team_a.pk))


def test_each_call_is_one_query(org):
    members_of_team(team_id=org.team_a.pk, joined_before=timezone.now())  # compiled here

    with CaptureQueriesContext(connection) as queries:
        members_of_team(team_id=org.team_b.pk, joined_before=timezone.now())

    assert len(queries) == 1


def test_an_argument_that_never_reaches_the_sql_is_refused():
    unused = Prepared(lambda team_id: Member.objects.all(), team_id=int)

    with pytest.raises(ValueError, match="team_id"):
        unused(team_id=1)


def test_a_value_computed_from_an_argument_is_refused():
    """It would be frozen into the SQL with the stand-in's value: the caller passes it."""
    derived = Prepared(
        lambda since: Member.objects.filter(user__date_joined__gte=since - dt.timedelta(days=1)),
        since=dt.datetime,
    )

    with pytest.raises(ValueError, match="computed from an argument"):
        derived(since=timezone.now())


def test_prefetching_is_refused():
    prefetching = Prepared(
        lambda team_id: Member.objects.filter(team_id=team_id).prefetch_related("team"),
        team_id=int,
    )

    with pytest.raises(ValueError, match="prefetch"):
        prefetching(team_id=1)


def test_wrong_arguments_are_a_type_error():
    with pytest.raises(TypeError):
        members_of_team(team_id=1)


class TestTheSignedInUser:
    def test_the_user_comes_with_the_member_in_one_query(self, org):
        backend = MemberBackend()

        with CaptureQueriesContext(connection) as queries:
            user = backend.get_user(str(org.agent_a1.user.pk))
            assert user.member.role == org.agent_a1.role

        assert user == org.agent_a1.user
        assert len(queries) == 1

    def test_an_unknown_or_malformed_id_is_nobody(self, org):
        backend = MemberBackend()

        assert backend.get_user(str(10**9)) is None
        assert backend.get_user("not-a-number") is None

    def test_a_deactivated_user_is_nobody_at_once(self, org):
        backend = MemberBackend()
        get_user_model().objects.filter(pk=org.agent_a1.user.pk).update(is_active=False)

        assert backend.get_user(org.agent_a1.user.pk) is None

    def test_a_user_without_member_row_has_none(self, org):
        user = get_user_model().objects.create_user("no_member", password="x")

        found = MemberBackend().get_user(user.pk)

        assert found == user
        assert not hasattr(found, "member")


def test_a_member_factory_user_round_trips(org):
    member = make_member(team=org.team_a)

    assert MemberBackend().get_user(member.user.pk).member == member
