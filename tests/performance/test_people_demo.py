"""The demo's reviews, incentives, improvement plans and leavers (on the demo org alone)."""

import pytest
from django.contrib.auth import get_user_model

from crm import demo as crm_demo
from crm.models import Member, MemberStatus
from performance import access as performance_access
from performance import demo_people
from performance.models import Evaluation, ImprovementPlan, Incentive
from performance.selectors import turnover


@pytest.mark.django_db
def test_the_demo_seeds_people_data_once():
    crm_demo.seed()
    counts = demo_people.seed()
    assert demo_people.is_seeded()
    assert counts["incentives"] == Incentive.objects.count() == 6
    assert Incentive.objects.filter(status="approved").count() == 3
    assert Incentive.objects.filter(status="proposed").count() == 3
    assert ImprovementPlan.objects.filter(status="open").count() == 2
    assert all(plan.sessions.exists() for plan in ImprovementPlan.objects.all())
    assert Evaluation.objects.filter(status="closed").count() == 1
    assert Evaluation.objects.filter(ratings__kind="peer").exists()
    assert Member.objects.filter(status=MemberStatus.LEFT).count() >= 10
    head = get_user_model().objects.get(username="head")
    data = turnover.turnover(head)
    months_with_leavers = {
        cell.month for row in data.departments for cell in row.months if cell.leavers
    }
    assert len(months_with_leavers) >= 8
    # agent01 sees their approved bonus.
    agent = get_user_model().objects.get(username="agent01")

    assert performance_access.visible_incentives(agent).filter(kind="bonus").exists()
