"""The after-sales API: scope, moves as actions, record as an action, 400s naming the field."""

from __future__ import annotations

import pytest

from aftersales.models import RevisitPlan, ServiceTicket
from tests.aftersales.factories import delivered_order

pytestmark = pytest.mark.django_db

TICKETS = "/api/service/tickets/"
REVISITS = "/api/service/revisits/"
PLANS = "/api/service/revisit-plans/"
IMPROVEMENTS = "/api/service/improvements/"


@pytest.mark.parametrize(
    "role, keys",
    [
        ("agent_a1", {"a1"}),
        ("manager_a", {"a1", "a2"}),
        ("south_head", {"c1"}),
        ("head", {"a1", "a2", "b1", "c1"}),
        ("inspector", {"a1", "a2", "b1", "c1"}),
    ],
)
def test_lists_and_details_follow_the_scope(org, service_world, api_as, role, keys):
    api = api_as(getattr(org, role))
    listed = {row["id"] for row in api.get(TICKETS).json()["results"]}
    assert listed == {t.pk for k, t in service_world.tickets.items() if k in keys}
    listed = {row["id"] for row in api.get(REVISITS, {"status": "scheduled"}).json()["results"]}
    assert {r.pk for k, r in service_world.revisits.items() if k in keys} <= listed
    for key, ticket in service_world.tickets.items():
        code = api.get(f"{TICKETS}{ticket.pk}/").status_code
        assert code == (200 if key in keys else 404)
    for key, revisit in service_world.revisits.items():
        code = api.get(f"{REVISITS}{revisit.pk}/").status_code
        assert code == (200 if key in keys else 404)


def test_ticket_moves_as_actions(org, service_world, api_as):
    api = api_as(org.agent_a1)
    ticket = service_world.tickets["a1"]
    body = api.post(f"{TICKETS}{ticket.pk}/start/").json()
    assert body["status"] == "in_progress" and body["allowed_moves"] == ["resolve"]
    refused = api.post(f"{TICKETS}{ticket.pk}/resolve/", {"note": ""}, format="json")
    assert refused.status_code == 400 and "note" in refused.json()
    refused = api.post(f"{TICKETS}{ticket.pk}/close/")
    assert refused.status_code == 400 and "status" in refused.json()
    body = api.post(f"{TICKETS}{ticket.pk}/resolve/", {"note": "修好了"}, format="json").json()
    assert body["status"] == "resolved" and body["resolution"] == "修好了"
    assert [e["to_status"] for e in body["events"]][:2] == ["resolved", "in_progress"]
    # Someone else's ticket: 404, as if missing.
    assert api.post(f"{TICKETS}{service_world.tickets['b1'].pk}/start/").status_code == 404


def test_open_a_ticket_by_api(org, api_as):
    order = delivered_order(org.agent_a1)
    api = api_as(org.agent_a1)
    made = api.post(
        TICKETS,
        {"lead": order.lead_id, "order": order.pk, "type": "return", "subject": "退货"},
        format="json",
    )
    assert made.status_code == 201, made.json()
    assert made.json()["order_number"] == order.number
    assert (
        "phone" not in made.json() and made.json()["lead_phone_masked"] == order.lead.phone_masked
    )
    for body, field in (
        ({"lead": order.lead_id, "type": "nope", "subject": "x"}, "type"),
        ({"lead": order.lead_id, "type": "repair"}, "subject"),
        ({"lead": delivered_order(org.agent_b1).lead_id, "type": "repair", "subject": "x"}, "lead"),
        (
            {
                "lead": order.lead_id,
                "order": delivered_order(org.agent_a1).pk,
                "type": "repair",
                "subject": "x",
            },
            "order",
        ),
        ({"lead": "x", "type": "repair", "subject": "x"}, "lead"),
    ):
        refused = api.post(TICKETS, body, format="json")
        assert refused.status_code == 400 and field in refused.json(), (body, refused.json())
    assert ServiceTicket.objects.count() == 1
    assert (
        api_as(org.inspector)
        .post(TICKETS, {"lead": order.lead_id, "type": "repair", "subject": "x"}, format="json")
        .status_code
        == 403
    )


def test_reassign_by_api_is_for_managers(org, service_world, api_as):
    ticket = service_world.tickets["a1"]
    url = f"{TICKETS}{ticket.pk}/reassign/"
    assert (
        api_as(org.agent_a1)
        .post(url, {"assignee": org.agent_a2.user_id}, format="json")
        .status_code
        == 403
    )
    api = api_as(org.manager_a)
    refused = api.post(url, {"assignee": org.agent_c1.user_id}, format="json")
    assert refused.status_code == 400 and "assignee" in refused.json()
    assert (
        api.post(url, {"assignee": org.agent_a2.user_id}, format="json").json()["assignee"]
        == org.agent_a2.user_id
    )
    revisit = service_world.revisits["a1"]
    moved = api.post(
        f"{REVISITS}{revisit.pk}/reassign/", {"assignee": org.agent_a2.user_id}, format="json"
    )
    assert moved.status_code == 200 and moved.json()["assignee"] == org.agent_a2.user_id


def test_record_a_revisit_by_api(org, service_world, api_as):
    revisit = service_world.revisits["a1"]
    api = api_as(org.agent_a1)
    url = f"{REVISITS}{revisit.pk}/record/"
    for body, field in (
        ({}, "reached"),
        ({"reached": True}, "satisfaction"),
        ({"reached": True, "satisfaction": 9}, "satisfaction"),
        ({"reached": False, "satisfaction": 3}, "satisfaction"),
    ):
        refused = api.post(url, body, format="json")
        assert refused.status_code == 400 and field in refused.json(), (body, refused.json())
    body = api.post(
        url,
        {"reached": True, "satisfaction": 1, "complaint": True, "feedback": "差"},
        format="json",
    ).json()
    assert body["status"] == "done" and body["ticket"]
    assert api.get(f"{TICKETS}{body['ticket']}/").json()["type"] == "complaint"
    again = api.post(url, {"reached": False}, format="json")
    assert again.status_code == 400 and "status" in again.json()
    assert api.post(REVISITS, {}, format="json").status_code == 405


def test_revisit_plans_are_read_by_all_and_written_by_admins(org, api_as):
    assert len(api_as(org.agent_a1).get(PLANS).json()) == 2
    assert (
        api_as(org.head)
        .post(PLANS, {"name": "7天", "days_after_delivery": 7}, format="json")
        .status_code
        == 403
    )
    api = api_as(org.admin)
    made = api.post(PLANS, {"name": "7天", "days_after_delivery": 7}, format="json")
    assert made.status_code == 201
    refused = api.post(PLANS, {"name": "负", "days_after_delivery": -1}, format="json")
    assert refused.status_code == 400 and "days_after_delivery" in refused.json()
    assert (
        api.patch(f"{PLANS}{made.json()['id']}/", {"is_active": False}, format="json").status_code
        == 200
    )
    assert not RevisitPlan.objects.get(name="7天").is_active


def test_improvement_items_by_api(org, api_as):
    api = api_as(org.agent_a1)
    made = api.post(IMPROVEMENTS, {"title": "送货太慢"}, format="json")
    assert made.status_code == 201 and made.json()["owner"] == org.agent_a1.user_id
    refused = api.post(IMPROVEMENTS, {"title": ""}, format="json")
    assert refused.status_code == 400 and "title" in refused.json()
    url = f"{IMPROVEMENTS}{made.json()['id']}/"
    refused = api.patch(url, {"status": "nope"}, format="json")
    assert refused.status_code == 400 and "status" in refused.json()
    assert api.patch(url, {"status": "done"}, format="json").json()["status"] == "done"
    assert api_as(org.manager_b).get(url).status_code == 404


def test_filters_narrow_and_refuse_bad_values(org, service_world, api_as):
    api = api_as(org.admin)
    ticket = service_world.tickets["b1"]
    assert [r["id"] for r in api.get(TICKETS, {"team": org.team_b.pk}).json()["results"]] == [
        ticket.pk
    ]
    assert api.get(TICKETS, {"overdue": "true"}).json()["results"] == []
    for params, field in (
        ({"team": "x"}, "team"),
        ({"assignee": 2**70}, "assignee"),
        ({"status": "nope"}, "status"),
    ):
        refused = api.get(TICKETS, params)
        assert refused.status_code == 400 and field in refused.json()


def test_list_queries_do_not_grow_with_rows(org, api_as, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from aftersales.services import revisits, tickets

    def grow(n):
        for _ in range(n):
            order = delivered_order(org.agent_a1)
            revisits.revisits_schedule(order=order)
            tickets.ticket_open(
                lead=order.lead, order=order, type="repair", subject="x", by=org.agent_a1.user
            )
            revisits.improvement_open(title="x", by=org.agent_a1.user)

    api = api_as(org.manager_a)
    grow(2)
    for url in (TICKETS, REVISITS, IMPROVEMENTS):
        api.get(url)
        with CaptureQueriesContext(connection) as few:
            api.get(url)
        grow(3)
        with django_assert_max_num_queries(len(few)):
            assert api.get(url).status_code == 200
