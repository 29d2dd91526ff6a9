"""After-sales in a real browser (Debian's Chromium).

The agent sees a revisit come due on the worklist (a panel loaded with htmx), records a
poor revisit with a complaint and lands on the complaint ticket it opened. The manager
opens the team's service tickets and sees the overdue one flagged.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from aftersales.models import Revisit, RevisitStatus, ServiceTicket, TicketType
from aftersales.services import revisits, tickets
from tests.aftersales.factories import delivered_order
from tests.e2e.test_journeys import signed_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def delivered(org):
    """agent_a1's order delivered three days ago: its day-3 revisit is due this morning."""
    revisits.defaults_install()  # transactional tests flush what the data migration wrote
    order = delivered_order(
        org.agent_a1, delivered_at=timezone.now() - dt.timedelta(days=3, hours=1)
    )
    Revisit.objects.all().delete()
    revisits.revisits_schedule(order=order)
    return order


def test_agent_records_a_poor_revisit_from_the_worklist(page: Page, live_server, org, delivered):
    due = Revisit.objects.filter(order=delivered).order_by("due_at").first()
    signed_in(page, org.agent_a1, live_server)
    page.locator("#main-nav").get_by_role("link", name="Worklist").click()

    panel = page.locator("#service-due-panel")
    expect(panel).to_contain_text("Revisits and tickets due")
    row = panel.locator(f'[data-revisit="{due.pk}"]')
    expect(row).to_contain_text(delivered.lead.name)
    expect(row).to_contain_text(delivered.number)
    expect(row).not_to_contain_text(delivered.lead.phone)

    row.get_by_role("link").click()
    expect(page).to_have_url(f"{live_server.url}/service/revisits/{due.pk}/")
    form = page.locator("#revisit-form")
    # A reached customer needs a score: the form says so and nothing is recorded.
    form.get_by_label("Yes").check()
    form.locator("#revisit-save").click()
    expect(page.locator("#revisit-form")).to_contain_text("How satisfied is the customer")
    form = page.locator("#revisit-form")
    form.get_by_label("Yes").check()
    form.get_by_label("Satisfaction").select_option("1")
    form.get_by_label("The customer complains").check()
    form.get_by_label("Feedback").fill("安装师傅迟到两天")
    form.locator("#revisit-save").click()

    ticket = ServiceTicket.objects.get()
    assert ticket.type == TicketType.COMPLAINT
    expect(page).to_have_url(f"{live_server.url}/service/tickets/{ticket.pk}/")
    expect(page.locator("h1")).to_contain_text("安装师傅迟到两天")
    expect(page.locator("#ticket-assignee")).to_contain_text(org.agent_a1.display_name)
    due.refresh_from_db()
    assert (due.status, due.satisfaction, due.ticket_id) == (RevisitStatus.DONE, 1, ticket.pk)

    # Back on the worklist: the revisit is done, the ticket is there to work on.
    page.locator("#main-nav").get_by_role("link", name="Worklist").click()
    panel = page.locator("#service-due-panel")
    expect(panel.locator(f'[data-ticket="{ticket.pk}"]')).to_be_visible()
    expect(panel.locator(f'[data-revisit="{due.pk}"]')).to_have_count(0)


def test_manager_sees_the_overdue_ticket(page: Page, live_server, org, delivered):
    late = tickets.ticket_open(
        lead=delivered.lead,
        order=delivered,
        type=TicketType.REPAIR,
        subject="设备无法开机",
        by=org.agent_a1.user,
        at=timezone.now() - dt.timedelta(days=5),
    )
    on_time = tickets.ticket_open(
        lead=delivered.lead, type=TicketType.QUESTION, subject="咨询用法", by=org.agent_a1.user
    )
    signed_in(page, org.manager_a, live_server)
    page.locator("#main-nav").get_by_role("link", name="Service").click()
    page.locator("#view-team").click()
    table = page.locator("#ticket-table")
    expect(table.locator(f'tr[data-ticket="{late.pk}"]')).to_contain_text("overdue")
    expect(table.locator(f'tr[data-ticket="{late.pk}"]')).to_have_class(
        "ticket-row table-danger overdue"
    )
    expect(table.locator(f'tr[data-ticket="{on_time.pk}"]')).not_to_contain_text("overdue")

    page.get_by_label("Overdue only").check()
    page.get_by_role("button", name="Filter").click()
    expect(table.locator("tbody tr")).to_have_count(1)
    table.get_by_role("link", name="设备无法开机").click()
    expect(page.locator("#ticket-overdue")).to_be_visible()
    # The manager hands it to another agent of the team.
    page.locator("#reassign-form select").select_option(str(org.agent_a2.user_id))
    page.locator("#reassign-form").get_by_role("button", name="Reassign").click()
    expect(page.locator("#ticket-assignee")).to_contain_text(org.agent_a2.display_name)
