"""Who sees what in after-sales, per role, in `crm.access`."""

import pytest

from aftersales import access as aftersales_access
from tests.aftersales.factories import ImprovementFactory

pytestmark = pytest.mark.django_db

# Whose tickets and revisits (by agent key of `service_world`) each role sees.
SEES = {
    "agent_a1": {"a1"},
    "agent_b1": {"b1"},
    "manager_a": {"a1", "a2"},
    "manager_b": {"b1"},
    "manager_c": {"c1"},
    "south_head": {"c1"},
    "head": {"a1", "a2", "b1", "c1"},
    "admin": {"a1", "a2", "b1", "c1"},
    "inspector": {"a1", "a2", "b1", "c1"},
}


@pytest.mark.parametrize("role, keys", SEES.items())
def test_tickets_and_revisits_per_role(org, service_world, role, keys):
    user = getattr(org, role).user
    tickets = {
        k
        for k, t in service_world.tickets.items()
        if aftersales_access.visible_tickets(user).filter(pk=t.pk).exists()
    }
    revisits = {
        k
        for k, r in service_world.revisits.items()
        if aftersales_access.visible_revisits(user).filter(pk=r.pk).exists()
    }
    assert tickets == keys
    assert revisits == keys


def test_an_agent_sees_the_work_on_their_customers_and_what_is_assigned_to_them(org, service_world):
    ticket = service_world.tickets["b1"]
    revisit = service_world.revisits["b1"]
    # Handed to an agent of another team: both the assignee and the customer's agent see it.
    type(ticket).objects.filter(pk=ticket.pk).update(assignee=org.agent_c1.user)
    type(revisit).objects.filter(pk=revisit.pk).update(assignee=org.agent_c1.user)
    for user in (org.agent_c1.user, org.agent_b1.user):
        assert aftersales_access.visible_tickets(user).filter(pk=ticket.pk).exists()
        assert aftersales_access.visible_revisits(user).filter(pk=revisit.pk).exists()
    assert not aftersales_access.visible_tickets(org.agent_a1.user).filter(pk=ticket.pk).exists()


def test_improvement_items_per_role(org):
    team_a = ImprovementFactory(team=org.team_a, owner=org.manager_a.user)
    mine = ImprovementFactory(team=org.team_b, owner=org.agent_a1.user)
    team_c = ImprovementFactory(team=org.team_c)

    def seen(member):
        return set(aftersales_access.visible_improvements(member.user).values_list("pk", flat=True))

    assert seen(org.manager_a) == {team_a.pk}
    assert seen(org.agent_a1) == {mine.pk}
    assert seen(org.south_head) == {team_c.pk}
    assert seen(org.admin) == seen(org.inspector) == {team_a.pk, mine.pk, team_c.pk}


def test_who_may_do_what(org):
    assert aftersales_access.can_work_service(org.agent_a1.user)
    assert not aftersales_access.can_work_service(org.inspector.user)
    assert aftersales_access.can_manage_service(org.manager_a.user)
    assert not aftersales_access.can_manage_service(org.agent_a1.user)
    assert aftersales_access.can_configure_service(org.admin.user)
    assert not aftersales_access.can_configure_service(org.head.user)
