"""`crm.api.FastRowsMixin` answers exactly what DRF's own `to_representation` answers, for
every serializer that uses it, on rows with and without their optional values."""

from __future__ import annotations

import json

import pytest
from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from crm.api import FastRowsMixin
from crm.models import Department, Member, Notification, Team, TeamMembership
from crm.serializers import (
    DepartmentSerializer,
    MemberSerializer,
    NotificationSerializer,
    TeamMembershipSerializer,
    TeamSerializer,
)
from leads.apis.followups import CallSerializer, FollowUpSerializer
from leads.apis.leads import LeadListSerializer, LeadSerializer
from leads.models import Call, FollowUp, Lead
from orders.apis import OrderListSerializer
from orders.models import Order
from tests.leads.factories import CallFactory, FollowUpFactory, LeadFactory
from tests.orders.factories import take_order

pytestmark = pytest.mark.django_db

CASES = [
    (DepartmentSerializer, Department),
    (TeamSerializer, Team),
    (MemberSerializer, Member),
    (TeamMembershipSerializer, TeamMembership),
    (NotificationSerializer, Notification),
    (LeadListSerializer, Lead),
    (LeadSerializer, Lead),
    (FollowUpSerializer, FollowUp),
    (CallSerializer, Call),
    (OrderListSerializer, Order),
]


@pytest.fixture
def rows(org):
    LeadFactory(owner=org.agent_a1.user, team=org.team_a, email="a@example.com")
    pooled = LeadFactory(team=None, owner=None)
    FollowUpFactory(lead=pooled, agent=org.agent_a1.user)
    CallFactory(lead=pooled, agent=org.agent_a1.user)
    take_order(org.agent_a1)
    Notification.objects.create(user=org.agent_a1.user, kind="x", key="k", text="t", url="/")


def test_dataclass_rows_equal_drf_rows(org):
    """The scorecard drill-down's rows (a dataclass) through the plan and the DRF way."""
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from performance.apis.scorecards import DrilldownRowSerializer
    from performance.selectors.scorecards import RecordRow

    at = timezone.now() - dt.timedelta(hours=1)
    common = {"at": at, "lead_url": "", "phone": "", "detail": ""}
    rows = [
        RecordRow(
            kind="call", id=7, agent=org.agent_a1.user, lead_id=3, lead_name="王先生", **common
        ),
        RecordRow(
            kind="order",
            id=8,
            agent=None,
            lead_id=None,
            lead_name="",
            amount=Decimal("12.5"),
            **common,
        ),
    ]
    serializer = DrilldownRowSerializer()
    for row in rows:
        fast = serializer.to_representation(row)
        drf = serializers.Serializer.to_representation(serializer, row)
        assert json.dumps(fast, default=str) == json.dumps(drf, default=str)


@pytest.mark.parametrize(("serializer_class", "model"), CASES)
def test_fast_rows_equal_drf_rows(rows, org, serializer_class, model):
    assert issubclass(serializer_class, FastRowsMixin)
    request = APIRequestFactory().get("/api/")
    request.user = org.admin.user
    instances = list(model.objects.all())
    assert instances
    serializer = serializer_class(context={"request": request})
    for instance in instances:
        fast = serializer.to_representation(instance)
        drf = serializers.ModelSerializer.to_representation(serializer, instance)
        assert json.dumps(fast, default=str) == json.dumps(drf, default=str)
        assert list(fast) == list(drf)
