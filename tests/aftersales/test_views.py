"""The after-sales pages as each role sees them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from aftersales.models import RevisitStatus, ServiceTicket, TicketStatus
from aftersales.services import revisits, tickets
from tests.aftersales.factories import RevisitFactory, delivered_order

pytestmark = pytest.mark.django_db


def test_the_worklist_loads_the_due_panel_by_htmx(org, service_world, client_as):
    client = client_as(org.agent_a1)
    page = client.get(reverse("leads:worklist")).content.decode()
    assert f'hx-get="{reverse("aftersales:worklist_panel")}"' in page
    assert 'hx-trigger="load"' in page
    panel = client.get(reverse("aftersales:worklist_panel")).content.decode()
    revisit = service_world.revisits["a1"]
    assert f'data-revisit="{revisit.pk}"' in panel
    assert f'data-ticket="{service_world.tickets["a1"].pk}"' in panel
    assert f'data-revisit="{service_world.revisits["a2"].pk}"' not in panel
    assert revisit.lead.phone not in panel and revisit.lead.phone_masked in panel


@pytest.mark.parametrize(
    "role, view, keys",
    [
        ("agent_a1", "mine", {"a1"}),
        ("agent_a1", "team", {"a1"}),  # agents have no team view
        ("manager_a", "team", {"a1", "a2"}),
        ("south_head", "team", {"c1"}),
        ("inspector", "team", {"a1", "a2", "b1", "c1"}),
    ],
)
def test_ticket_and_revisit_lists_per_role(org, service_world, client_as, role, view, keys):
    client = client_as(getattr(org, role))
    tickets_page = client.get(reverse("aftersales:ticket_list"), {"view": view}).content.decode()
    revisits_page = client.get(reverse("aftersales:revisit_list"), {"view": view}).content.decode()
    for key, ticket in service_world.tickets.items():
        assert (f'data-ticket="{ticket.pk}"' in tickets_page) is (key in keys), key
    for key, revisit in service_world.revisits.items():
        assert (f'data-revisit="{revisit.pk}"' in revisits_page) is (key in keys), key


@pytest.mark.parametrize("role", ["agent_a2", "agent_b1", "manager_b", "south_head"])
def test_out_of_scope_pages_answer_404(org, service_world, client_as, role):
    client = client_as(getattr(org, role))
    ticket = service_world.tickets["a1"]
    revisit = service_world.revisits["a1"]
    assert client.get(reverse("aftersales:ticket_detail", args=[ticket.pk])).status_code == 404
    assert client.get(reverse("aftersales:revisit_detail", args=[revisit.pk])).status_code == 404
    assert (
        client.post(reverse("aftersales:ticket_move", args=[ticket.pk, "start"])).status_code == 404
    )
    assert (
        client.post(
            reverse("aftersales:revisit_record", args=[revisit.pk]),
            {"reached": "yes", "satisfaction": "5"},
        ).status_code
        == 404
    )


def test_overdue_tickets_stand_out_for_the_manager(org, client_as):
    order = delivered_order(org.agent_a1)
    late = tickets.ticket_open(
        lead=order.lead,
        order=order,
        type="repair",
        subject="坏了",
        by=org.agent_a1.user,
        at=timezone.now() - dt.timedelta(days=5),
    )
    page = client_as(org.manager_a).get(
        reverse("aftersales:ticket_list"), {"view": "team", "overdue": "1"}
    )
    html = page.content.decode()
    assert f'data-ticket="{late.pk}"' in html and "overdue" in html


def test_ticket_moves_on_the_page(org, service_world, client_as):
    client = client_as(org.agent_a1)
    ticket = service_world.tickets["a1"]
    url = reverse("aftersales:ticket_detail", args=[ticket.pk])
    page = client.get(url).content.decode()
    assert (
        'id="move-start"' in page and 'id="move-resolve"' in page and 'id="move-close"' not in page
    )
    # Resolving without saying how is a form error, not a move.
    refused = client.post(
        reverse("aftersales:ticket_move", args=[ticket.pk, "resolve"]), {"note": ""}
    )
    assert refused.status_code == 400
    assert (
        "Say how the problem was resolved." in refused.content.decode()
        or "resolved" in refused.content.decode()
    )
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    # An illegal move is refused with the reason shown.
    refused = client.post(reverse("aftersales:ticket_move", args=[ticket.pk, "close"]))
    assert refused.status_code == 400
    done = client.post(
        reverse("aftersales:ticket_move", args=[ticket.pk, "resolve"]), {"note": "换了配件"}
    )
    assert done.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.status, ticket.resolution) == (TicketStatus.RESOLVED, "换了配件")
    page = client.get(url).content.decode()
    assert "换了配件" in page and 'id="move-close"' in page
    assert (
        client.post(reverse("aftersales:ticket_move", args=[ticket.pk, "nope"])).status_code == 404
    )


def test_an_inspector_reads_but_does_not_move(org, service_world, client_as):
    client = client_as(org.inspector)
    ticket = service_world.tickets["a1"]
    page = client.get(reverse("aftersales:ticket_detail", args=[ticket.pk])).content.decode()
    assert 'id="move-start"' not in page
    assert (
        client.post(reverse("aftersales:ticket_move", args=[ticket.pk, "start"])).status_code == 403
    )


def test_a_manager_reassigns_on_the_page(org, service_world, client_as):
    client = client_as(org.manager_a)
    ticket = service_world.tickets["a1"]
    url = reverse("aftersales:ticket_reassign", args=[ticket.pk])
    assert client.post(url, {"assignee": org.agent_c1.user_id}).status_code == 400
    assert client.post(url, {"assignee": org.agent_a2.user_id}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.assignee_id == org.agent_a2.user_id
    assert client_as(org.agent_a1).post(url, {"assignee": org.agent_a1.user_id}).status_code == 403


def test_open_a_ticket_from_a_lead_or_an_order(org, client_as):
    order = delivered_order(org.agent_a1)
    client = client_as(org.agent_a1)
    url = reverse("aftersales:ticket_open")
    assert client.get(url, {"order": order.pk}).status_code == 200
    missing = client.post(url, {"order": order.pk, "type": "repair", "subject": ""})
    assert missing.status_code == 400 and "subject" in missing.content.decode()
    made = client.post(
        url, {"order": order.pk, "type": "repair", "priority": "high", "subject": "坏了"}
    )
    ticket = ServiceTicket.objects.get()
    assert made.url == reverse("aftersales:ticket_detail", args=[ticket.pk])
    assert (ticket.order_id, ticket.lead_id, ticket.priority) == (order.pk, order.lead_id, "high")
    made = client.post(
        url, {"lead": order.lead_id, "type": "question", "priority": "low", "subject": "?"}
    )
    assert made.status_code == 302
    # Someone else's customer or order: 404.
    other = delivered_order(org.agent_b1)
    assert client.get(url, {"order": other.pk}).status_code == 404
    assert client.get(url, {"lead": other.lead_id}).status_code == 404
    assert client.get(url, {"lead": "x"}).status_code == 404


def test_record_a_poor_revisit_on_the_page_opens_a_ticket(org, service_world, client_as):
    client = client_as(org.agent_a1)
    revisit = service_world.revisits["a1"]
    url = reverse("aftersales:revisit_record", args=[revisit.pk])
    refused = client.post(url, {"reached": "yes"})
    assert refused.status_code == 400 and "satisfaction" in refused.content.decode()
    saved = client.post(
        url, {"reached": "yes", "satisfaction": "1", "complaint": "on", "feedback": "太慢了"}
    )
    revisit.refresh_from_db()
    assert revisit.status == RevisitStatus.DONE and revisit.ticket is not None
    assert saved.url == reverse("aftersales:ticket_detail", args=[revisit.ticket_id])
    page = client.get(saved.url).content.decode()
    assert "太慢了" in page


def test_improvement_list_and_updates(org, client_as):
    revisit = RevisitFactory(order=delivered_order(org.agent_a1))
    revisits.revisit_record(revisit=revisit, by=org.agent_a1.user, reached=True, satisfaction=2)
    manager = client_as(org.manager_a)
    page = manager.get(reverse("aftersales:improvement_list")).content.decode()
    item = revisit.improvement
    assert f'data-item="{item.pk}"' in page
    assert (
        manager.post(
            reverse("aftersales:improvement_update", args=[item.pk]),
            {"status": "done", "notes": "培训"},
        ).status_code
        == 302
    )
    item.refresh_from_db()
    assert item.status == "done"
    assert (
        client_as(org.manager_b)
        .post(reverse("aftersales:improvement_update", args=[item.pk]), {"status": "open"})
        .status_code
        == 404
    )
    added = manager.post(reverse("aftersales:improvement_list"), {"title": "改进话术"})
    assert added.status_code == 302
    assert manager.post(reverse("aftersales:improvement_list"), {"title": ""}).status_code == 400


def test_the_lead_timeline_shows_revisits_and_tickets(org, service_world, client_as):
    revisit = service_world.revisits["a1"]
    ticket = service_world.tickets["a1"]
    page = (
        client_as(org.agent_a1)
        .get(reverse("leads:detail", args=[revisit.lead_id]))
        .content.decode()
    )
    assert 'data-kind="revisit"' in page and 'data-kind="ticket"' in page
    assert reverse("aftersales:revisit_detail", args=[revisit.pk]) in page
    assert reverse("aftersales:ticket_detail", args=[ticket.pk]) in page


def test_navigation_has_revisits_and_service(org, client_as):
    page = client_as(org.agent_a1).get(reverse("home")).content.decode()
    assert reverse("aftersales:revisit_list") in page and reverse("aftersales:ticket_list") in page


@pytest.mark.parametrize(
    "name, params",
    [
        ("aftersales:ticket_list", {"view": "team", "status": "all"}),
        ("aftersales:revisit_list", {"view": "team", "when": "all"}),
        ("aftersales:improvement_list", {"status": "all"}),
        ("aftersales:worklist_panel", {}),
    ],
)
def test_lists_take_a_fixed_number_of_queries(
    org, client_as, django_assert_max_num_queries, name, params
):
    client = client_as(org.manager_a)

    def grow(n):
        for _ in range(n):
            order = delivered_order(
                org.agent_a1, delivered_at=timezone.now() - dt.timedelta(days=3)
            )
            for revisit in revisits.revisits_schedule(order=order):
                revisits.revisit_record(
                    revisit=revisit, by=org.agent_a1.user, reached=True, satisfaction=2
                ) if revisit.plan.days_after_delivery == 30 else None
            tickets.ticket_open(
                lead=order.lead,
                order=order,
                type="repair",
                subject="x",
                by=org.manager_a.user,
                assignee=org.manager_a.user,
            )

    grow(2)
    client.get(reverse(name), params)  # warm the session and caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse(name), params).status_code == 200
    grow(6)
    with django_assert_max_num_queries(len(few)):
        assert client.get(reverse(name), params).status_code == 200
