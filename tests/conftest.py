"""Fixtures: a small center with two departments and a fixture per role.

center (head: `head`)
├── east (no head)            ├── south (head: `south_head`)
│   ├── team_a (manager_a)    │   └── team_c (manager_c)
│   └── team_b (manager_b)
"""

import os
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import translation
from rest_framework.test import APIClient

from crm import services
from crm.models import Member, Role, Team
from tests.factories import DepartmentFactory, TeamFactory, make_member
from tests.support import unavailable


@pytest.fixture(autouse=True)
def _language_reset():
    """A request in Chinese leaves Chinese active in the thread (LocaleMiddleware does not
    put it back): each test starts in the default language whatever ran before it."""
    yield
    translation.deactivate()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Each run starts from empty tables, even on a reused test database (`--reuse-db`):
    a run killed half-way through a transactional test leaves that test's rows committed,
    and every later run on the machine (CI's included) would inherit them. The tests never
    count on rows the migrations seed, because transactional tests empty the tables too."""
    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)


def pytest_configure(config):
    # Playwright's sync API runs an event loop in the test's thread; the ORM calls made
    # by fixtures around it are still synchronous.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@dataclass
class Center:
    center: object
    east: object
    south: object
    team_a: Team
    team_b: Team
    team_c: Team
    admin: Member
    inspector: Member
    head: Member
    south_head: Member
    manager_a: Member
    manager_b: Member
    manager_c: Member
    agent_a1: Member
    agent_a2: Member
    agent_b1: Member
    agent_c1: Member


@pytest.fixture
def org(db) -> Center:
    admin = make_member(role=Role.ADMIN, username="admin_user")
    inspector = make_member(role=Role.INSPECTOR, username="inspector_user")
    head = make_member(role=Role.DEPARTMENT_HEAD, username="head_user")
    south_head = make_member(role=Role.DEPARTMENT_HEAD, username="south_head_user")
    center = DepartmentFactory(name="中心", kind="center", head=head.user)
    east = DepartmentFactory(name="华东", parent=center)
    south = DepartmentFactory(name="华南", parent=center, head=south_head.user)
    teams = {}
    managers = {}
    for key, department in (("a", east), ("b", east), ("c", south)):
        team = TeamFactory(name=f"组{key.upper()}", department=department)
        manager = make_member(role=Role.TEAM_MANAGER, team=team, username=f"manager_{key}")
        team.manager = manager.user
        services.team_save(team=team)
        teams[key], managers[key] = team, manager
    return Center(
        center=center,
        east=east,
        south=south,
        team_a=teams["a"],
        team_b=teams["b"],
        team_c=teams["c"],
        admin=admin,
        inspector=inspector,
        head=head,
        south_head=south_head,
        manager_a=managers["a"],
        manager_b=managers["b"],
        manager_c=managers["c"],
        agent_a1=make_member(team=teams["a"], username="agent_a1"),
        agent_a2=make_member(team=teams["a"], username="agent_a2"),
        agent_b1=make_member(team=teams["b"], username="agent_b1"),
        agent_c1=make_member(team=teams["c"], username="agent_c1"),
    )


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def api_as(api):
    """`api_as(member)`: an API client signed in as that member (session auth)."""

    def sign_in(member: Member) -> APIClient:
        api.force_authenticate(user=None)
        api.force_login(member.user)
        return api

    return sign_in


@pytest.fixture
def client_as(client):
    def sign_in(member: Member):
        client.force_login(member.user)
        return client

    return sign_in


@pytest.fixture
def redis_required():
    """Redis must be there in CI; elsewhere a test that needs it is skipped."""
    if not settings.REDIS_AVAILABLE:
        unavailable("Redis is not reachable")
    return settings.REDIS_URL


@pytest.fixture
def celery_worker(transactional_db):
    """A Celery worker thread consuming from the configured broker (Redis when reachable).

    Tasks queued with `.delay()` really travel through the broker to it; the test database
    is transactional so the worker's connection sees what the test committed.
    """
    from celery.contrib.testing.worker import start_worker

    from crm.celery import app

    with start_worker(
        app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=10
    ):
        yield app


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters live in the cache; ids repeat across rolled-back tests on SQLite,
    so one test's requests must not count against the next one's."""
    from django.core.cache import cache

    yield
    cache.clear()
