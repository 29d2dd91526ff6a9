"""factory-boy factories for the org. Later apps add theirs beside these."""

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from crm import services
from crm.models import Department, Member, MemberStatus, Role, Skill, Team


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("name", locale="zh_CN")
    password = factory.PostGenerationMethodCall("set_password", "pass-word-123")


class DepartmentFactory(factory.django.DjangoModelFactory):
    """Saved through the service so the materialized path is right."""

    class Meta:
        model = Department

    name = factory.Sequence(lambda n: f"部门{n}")
    kind = Department.Kind.REGION
    parent = None
    head = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return services.department_save(department=model_class(*args, **kwargs))


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"小组{n}")
    department = factory.SubFactory(DepartmentFactory)
    target_size = 12


class SkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Skill
        django_get_or_create = ("kind", "name")

    kind = Skill.Kind.PRODUCT
    name = factory.Sequence(lambda n: f"产品{n}")


def make_member(
    *,
    role: str = Role.AGENT,
    team: Team | None = None,
    status: str = MemberStatus.ACTIVE,
    username: str | None = None,
    hire_date: dt.date | None = None,
    **extra,
) -> Member:
    """A staff member created through the hiring service (user, profile, membership)."""
    users = get_user_model().objects
    if username and users.filter(username=username).exists():
        # Left behind by an earlier test that did not clean up: say so, never loop.
        raise AssertionError(f"a user named {username!r} already exists")
    n = Member.objects.count() + users.count() + 1
    while not username and users.filter(username=f"staff{n}").exists():
        n += 1
    return services.member_create(
        username=username or f"staff{n}",
        password="pass-word-123",
        full_name=extra.pop("full_name", f"员工{n}"),
        employee_no=extra.pop("employee_no", f"T{n:05d}"),
        role=role,
        team=team,
        status=status,
        hire_date=hire_date or timezone.localdate() - dt.timedelta(days=100),
        **extra,
    )
