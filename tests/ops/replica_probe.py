"""Run by tests/ops/test_replica.py in a process of its own, pointed (by DATABASE_URL and
DATABASE_REPLICA_URL) at a primary and its streaming replica that the test started.

    python -m tests.ops.replica_probe seed        # org, a manager, follow-ups today
    python -m tests.ops.replica_probe followup    # one more follow-up today
    python -m tests.ops.replica_probe lag SECONDS # the admin-set maximum lag
    python -m tests.ops.replica_probe read        # dashboards and reports, as their users

Prints one JSON object: for `read`, per page the status, the queries each database served
(the replica's own lag check left out) and the follow-ups today the page reported.
"""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings.test")

import django

django.setup()

from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

setup_test_environment()  # the test client's host is allowed, mail stays in memory

PAGES = [
    # (who, url, what it is)
    ("rp_manager", "/api/performance/dashboard/team/", "team dashboard API"),
    ("rp_manager", "/performance/team/", "team dashboard"),
    ("rp_head", "/performance/departments/", "department comparison"),
    ("rp_head", "/performance/turnover/", "turnover report"),
    ("rp_admin", "/risk/", "risk dashboard"),
]


def seed() -> dict:
    from crm.models import Role
    from tests.factories import DepartmentFactory, TeamFactory, make_member
    from tests.leads.factories import FollowUpFactory, LeadFactory

    department = DepartmentFactory(name="复制部")
    team = TeamFactory(name="复制组", department=department)
    manager = make_member(role=Role.TEAM_MANAGER, team=team, username="rp_manager")
    head = make_member(role=Role.DEPARTMENT_HEAD, username="rp_head")
    department.head = head.user
    department.save()
    make_member(role=Role.ADMIN, username="rp_admin")
    agent = make_member(role=Role.AGENT, team=team, username="rp_agent")
    team.manager = manager.user
    team.save()
    for _ in range(3):
        FollowUpFactory(lead=LeadFactory(owner=agent.user, team=team))
    return {"seeded": True}


def followup() -> dict:
    from django.contrib.auth import get_user_model

    from leads.models import Lead
    from tests.leads.factories import FollowUpFactory, LeadFactory

    agent = get_user_model().objects.get(username="rp_agent")
    phone = f"+86138{Lead.objects.count():08d}"  # a new process starts the factory's count again
    FollowUpFactory(lead=LeadFactory(owner=agent, team=agent.member.team, phone=phone))
    return {"followup": True}


def lag(seconds: str) -> dict:
    from crm.models import ReplicaPolicy

    ReplicaPolicy.objects.update_or_create(pk=1, defaults={"max_lag_seconds": int(seconds)})
    return {"max_lag_seconds": int(seconds)}


class Served:
    """The statements a database served (without connecting to it just to listen)."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        self.statements.append(sql)
        return execute(sql, params, many, context)

    def count(self) -> int:  # the replica's lag check is not a page's read
        return sum("pg_is_in_recovery" not in sql for sql in self.statements)


def read() -> dict:
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    pages = {}
    for username, url, name in PAGES:
        client = Client()
        client.force_login(users.get(username=username))
        primary, replica = Served(), Served()
        with (
            connections["default"].execute_wrapper(primary),
            connections["replica"].execute_wrapper(replica),
        ):
            response = client.get(url)
        followups = None
        if response.status_code == 200 and response["Content-Type"].startswith("application/"):
            followups = response.json()["today"]["followups"]
        pages[name] = {
            "status": response.status_code,
            "primary": primary.count(),
            "replica": replica.count(),
            "followups_today": followups,
        }
        if response.status_code != 200:
            pages[name]["body"] = response.content[:500].decode(errors="replace")
    return pages


if __name__ == "__main__":
    action, *args = sys.argv[1:]
    result = {"seed": seed, "followup": followup, "lag": lag, "read": read}[action](*args)
    print("PROBE " + json.dumps(result))
