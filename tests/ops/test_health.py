"""Readiness names what failed; liveness depends on nothing."""

import pytest

from crm import health

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _recheck_migrations(monkeypatch):
    monkeypatch.setattr(health, "_migrated", False)


def test_readyz_503_when_migrations_are_pending(client, monkeypatch):
    from django.db.migrations.executor import MigrationExecutor

    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [("x", False)])
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["migrations"]
    assert body["migrations"] == {"ok": False, "error": "MigrationsPending"}
    assert client.get("/healthz").status_code == 200


def test_readyz_503_when_the_database_fails(client, monkeypatch):
    monkeypatch.setattr(health, "_database", lambda: 1 / 0)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["database"] == {"ok": False, "error": "ZeroDivisionError"}


def test_readyz_checks_a_shared_cache(client, settings, redis_required):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_required.rsplit("/", 1)[0] + "/15",
            "KEY_PREFIX": "ops-readyz",
        }
    }
    body = client.get("/readyz").json()
    assert body["cache"]["ok"] and body["status"] == "ok"


def test_healthz_touches_no_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_reads_the_migration_graph_only_until_migrated(client, monkeypatch):
    assert client.get("/readyz").status_code == 200
    from django.db.migrations.executor import MigrationExecutor

    monkeypatch.setattr(MigrationExecutor, "__init__", lambda *a, **k: 1 / 0)
    assert client.get("/readyz").json()["migrations"]["ok"]
