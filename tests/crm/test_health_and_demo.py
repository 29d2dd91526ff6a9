"""The health endpoints (liveness, readiness) and the demo center that `make run` seeds."""

import pytest
from django.core.management import call_command
from django.test import Client

from crm import demo
from crm.models import Department, Member, MemberStatus, Role, Team
from performance import demo_people as people_demo

pytestmark = pytest.mark.django_db


def test_healthz_is_liveness_only(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_database_broker_and_migrations(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["ok"] and body["broker"]["ok"] and body["migrations"]["ok"]


def test_readyz_answers_503_when_the_broker_is_down(client, monkeypatch):
    from crm import health

    class Broken:
        def __enter__(self):
            raise ConnectionRefusedError

        def __exit__(self, *args):
            return False

    monkeypatch.setattr(health.celery_app, "connection_for_write", lambda: Broken())
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["broker"] == {"ok": False, "error": "ConnectionRefusedError"}
    assert response.json()["failed"] == ["broker"]
    assert client.get("/healthz").status_code == 200


class TestDemoCenter:
    @pytest.fixture
    def seeded(self, db):
        call_command("seed_demo")

    def test_one_center_five_teams_about_55_seats(self, seeded):
        center = Department.objects.get(parent__isnull=True)
        assert center.kind == Department.Kind.CENTER and center.head.username == "head"
        assert Team.objects.count() == 5
        agents = Member.objects.filter(role=Role.AGENT)
        # 55 seats, plus the former agents who left in the past year (turnover figures).
        former = agents.filter(user__username__startswith="former")
        assert agents.count() - former.count() == 55
        assert former.count() == len(people_demo.FORMER_STAFF)
        assert not former.exclude(status=MemberStatus.LEFT).exists()
        assert Member.objects.filter(role=Role.TEAM_MANAGER).count() == 5
        assert Member.objects.get(user__username="admin").role == Role.ADMIN
        assert Member.objects.get(user__username="inspector").role == Role.INSPECTOR
        for team in Team.objects.all():
            assert team.manager.member.team == team

    def test_statuses_and_history_are_realistic(self, seeded):
        statuses = set(Member.objects.values_list("status", flat=True))
        assert {MemberStatus.ACTIVE, MemberStatus.ON_LEAVE, MemberStatus.LEFT} <= statuses
        mover = Member.objects.get(user__username="agent05")
        assert mover.memberships.count() == 2
        names = list(Member.objects.values_list("user__first_name", flat=True))
        assert len(set(names)) == len(names)
        assert all(2 <= len(name) <= 5 for name in names)

    def test_seeding_twice_adds_nothing(self, seeded):
        users = Member.objects.count()
        call_command("seed_demo")
        assert Member.objects.count() == users and demo.is_seeded()

    @pytest.mark.parametrize(
        ("username", "title"),
        [
            ("admin", "Settings"),
            ("head", "My departments"),
            ("manager1", "My team"),
            ("agent01", "My work"),
        ],
    )
    def test_demo_logins_work(self, seeded, username, title):
        client = Client()
        response = client.post(
            "/accounts/login/", {"username": username, "password": demo.DEMO_PASSWORD}
        )
        assert response.status_code == 302
        assert title in client.get("/").content.decode()
