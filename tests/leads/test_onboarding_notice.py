"""A new hire in onboarding is told on the worklist and the pool to finish the required
courses first, sees which are left, and is offered no claim that would be refused."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.models import MemberStatus
from tests.factories import make_member
from tests.leads.factories import LeadFactory
from tests.training.factories import CourseFactory, EnrollmentFactory, OnboardingCourseFactory
from training.models import EnrollmentStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def hire(org):
    return make_member(team=org.team_a, username="new_hire", status=MemberStatus.ONBOARDING)


@pytest.fixture
def courses(hire):
    culture = OnboardingCourseFactory(title="企业文化", has_exam=False, pass_mark=None)
    product = OnboardingCourseFactory(title="产品知识")
    passed = OnboardingCourseFactory(title="规章制度")
    EnrollmentFactory(
        member=hire,
        course=passed,
        status=EnrollmentStatus.PASSED,
        completed_on=timezone.localdate(),
    )
    EnrollmentFactory(member=hire, course=product, status=EnrollmentStatus.ENROLLED)
    CourseFactory(title="异议处理进阶")  # not required
    return culture, product, passed


def zh(client):
    client.cookies["django_language"] = "zh-hans"
    return client


def test_the_worklist_tells_a_new_hire_to_finish_the_courses(hire, client_as):
    page = zh(client_as(hire)).get(reverse("leads:worklist")).content.decode()
    assert 'id="onboarding-notice"' in page
    assert "你正在岗前培训中：完成以下必修课程后即可领取和分配线索" in page
    assert reverse("training:onboarding_panel") in page
    assert "干得漂亮" not in page  # no "well done" for someone who cannot get leads yet
    assert "通过岗前培训必修课程后才会分配线索" in page


def test_the_pool_shows_the_notice_and_no_claim_button(hire, org, client_as):
    LeadFactory(team=org.team_a)
    response = zh(client_as(hire)).get(reverse("leads:pool"))
    page = response.content.decode()
    assert response.context["can_claim"] is False
    assert 'id="onboarding-notice"' in page
    assert "领取</button>" not in page


def test_an_active_agent_sees_neither_the_notice_nor_a_refusal(org, client_as):
    LeadFactory(team=org.team_a)
    client = zh(client_as(org.agent_a1))
    worklist = client.get(reverse("leads:worklist")).content.decode()
    pool = client.get(reverse("leads:pool"))
    assert 'id="onboarding-notice"' not in worklist
    assert "干得漂亮" in worklist
    assert pool.context["can_claim"] is True
    assert 'id="onboarding-notice"' not in pool.content.decode()


def test_an_agent_on_leave_is_told_why_there_is_no_claim_button(org, client_as):
    away = make_member(team=org.team_a, username="away", status=MemberStatus.ON_LEAVE)
    LeadFactory(team=org.team_a)
    pool = client_as(away).get(reverse("leads:pool"))
    assert pool.context["can_claim"] is False
    assert 'id="pool-inactive"' in pool.content.decode()


def test_the_panel_lists_the_required_courses_left_with_links(hire, courses, client_as):
    culture, product, _passed = courses
    response = zh(client_as(hire)).get(reverse("training:onboarding_panel"))
    page = response.content.decode()
    remaining = dict(response.context["remaining"])
    assert set(remaining) == {culture, product}
    assert remaining[culture] is None and remaining[product].status == EnrollmentStatus.ENROLLED
    assert reverse("training:course", args=[culture.pk]) in page
    assert reverse("training:course", args=[product.pk]) in page
    assert "规章制度" not in page and "异议处理进阶" not in page
    assert "尚未报名" in page  # culture: not enrolled yet


def test_the_panel_is_empty_for_an_active_agent(org, courses, client_as):
    response = client_as(org.agent_a1).get(reverse("training:onboarding_panel"))
    assert response.context["remaining"] == []
