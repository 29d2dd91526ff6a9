"""Training fixtures: a new hire in team A and the required onboarding courses."""

from dataclasses import dataclass

import pytest

from crm.models import Member, MemberStatus
from tests.factories import make_member
from tests.training.factories import CourseFactory, OnboardingCourseFactory


@dataclass
class Onboarding:
    hire: Member
    culture: object  # no exam: passed by attending
    product: object  # exam, pass mark 60
    elective: object  # in-service, not required


@pytest.fixture
def onboarding(org) -> Onboarding:
    return Onboarding(
        hire=make_member(team=org.team_a, username="new_hire", status=MemberStatus.ONBOARDING),
        culture=OnboardingCourseFactory(title="企业文化", has_exam=False, pass_mark=None),
        product=OnboardingCourseFactory(title="产品知识", pass_mark=60),
        elective=CourseFactory(title="异议处理进阶"),
    )
