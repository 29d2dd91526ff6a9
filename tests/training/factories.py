"""Factories of the training app's rows."""

import datetime as dt

import factory
from django.utils import timezone

from training.models import (
    Case,
    Course,
    CourseKind,
    Enrollment,
    PromotionLevel,
    Session,
)


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course

    kind = CourseKind.IN_SERVICE
    title = factory.Sequence(lambda n: f"课程{n}")
    has_exam = False


class OnboardingCourseFactory(CourseFactory):
    kind = CourseKind.ONBOARDING
    required_for_onboarding = True
    has_exam = True
    pass_mark = 60


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Session

    course = factory.SubFactory(CourseFactory)
    starts_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(hours=5))
    ends_at = factory.LazyAttribute(lambda s: s.starts_at + dt.timedelta(hours=2))
    trainer = "王老师"
    place = "培训室"


class EnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrollment

    course = factory.SubFactory(CourseFactory)


class LevelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PromotionLevel

    name = factory.Sequence(lambda n: f"级别{n}")
    rank = factory.Sequence(lambda n: n + 1)


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    title = factory.Sequence(lambda n: f"案例{n}")
    outcome = "won"
    body = "客户三次跟进后签约。"
    lessons = "先找痛点。"
