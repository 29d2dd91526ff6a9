"""Cash collected (回款), defined once in `performance.metrics`: payments by the day they
came in, for the order's agent and the team the agent was in that day; refunds subtract;
the drill-down rows add up to the figure (hand-computed on the March of `scorecard_data`,
where agent_a2 moves from team A to team B on 16 March)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from orders.models import Payment
from performance.metrics import metric_for, roll_up
from performance.models import Source
from performance.periods import Span
from tests.performance.scorecard_data import at, build_march

pytestmark = pytest.mark.django_db
MARCH = Span(at(3, 1), at(4, 1))


def test_cash_collected_per_agent_and_team_at_the_time_with_drilldowns_adding_up(org):
    data = build_march(org)
    for order_key, agent, amount, kind, when in (
        ("O3", org.agent_a2, "300", "payment", at(3, 10)),
        ("O3", org.agent_a2, "200", "payment", at(3, 20)),
        ("O1", org.agent_a1, "1000", "payment", at(3, 5)),
        ("O1", org.agent_a1, "-250", "refund", at(3, 25)),
        ("O4", org.agent_b1, "200", "payment", at(2, 27)),  # February: not counted
    ):
        Payment.objects.create(
            order=data[order_key],
            kind=kind,
            amount=Decimal(amount),
            paid_on=when.date(),
            paid_at=when,
            agent=agent.user,
        )
    metric = metric_for(Source.CASH_COLLECTED)
    rows = metric.aggregate(MARCH)
    departments = {org.team_a.pk: [org.east.pk], org.team_b.pk: [org.east.pk]}
    figures = roll_up(rows, team_departments=departments)
    assert figures.agents[org.agent_a1.user.pk][0] == Decimal("750")
    assert figures.agents[org.agent_a2.user.pk][0] == Decimal("500")
    assert org.agent_b1.user.pk not in figures.agents
    assert figures.teams[org.team_a.pk][0] == Decimal("750") + Decimal("300")
    assert figures.teams[org.team_b.pk][0] == Decimal("200")
    assert figures.departments[org.east.pk][0] == Decimal("1250")
    for kwargs, expected in (
        ({"agent_id": org.agent_a2.user.pk}, Decimal("500")),
        ({"team_id": org.team_a.pk}, Decimal("1050")),
        ({"team_id": org.team_b.pk}, Decimal("200")),
        ({"department_path": org.east.path}, Decimal("1250")),
    ):
        records = metric.drilldown(MARCH, **kwargs)
        assert metric.add_up(records) == (expected, None), kwargs
        assert sum(row.amount for row in records) == expected
