"""The demo's training data: courses, the ladder, scripts for every demo product, cases, and
agents whose record matches their status."""

import pytest
from django.core.management import call_command

from crm.demo import PRODUCTS
from crm.models import Member, MemberStatus, Role
from training import demo
from training.models import CallScript, Case, Course, MemberLevel, PromotionLevel
from training.services.onboarding_gate import onboarding_missing


@pytest.mark.django_db
def test_the_demo_seeds_training_once():
    call_command("seed_demo")
    assert demo.is_seeded()
    assert set(
        Course.objects.filter(required_for_onboarding=True).values_list("title", flat=True)
    ) == {"企业文化", "规章制度", "产品知识", "销售技巧"}
    assert list(PromotionLevel.objects.values_list("name", flat=True)) == [
        "初级坐席",
        "坐席",
        "高级坐席",
        "组长",
    ]
    for product in ["", *PRODUCTS]:
        assert CallScript.objects.filter(product=product, active=True).count() == 4
    assert Case.objects.count() == 3
    active = Member.objects.filter(role=Role.AGENT, status=MemberStatus.ACTIVE)
    assert active.exists() and all(not onboarding_missing(member=member) for member in active)
    assert MemberLevel.objects.filter(member__in=active).count() == active.count()
    new_hires = list(Member.objects.filter(role=Role.AGENT, status=MemberStatus.ONBOARDING))
    assert new_hires and all(onboarding_missing(member=member) for member in new_hires)
    assert any(len(onboarding_missing(member=member)) == 4 for member in new_hires)

    courses = Course.objects.count()
    call_command("seed_demo")
    assert Course.objects.count() == courses
