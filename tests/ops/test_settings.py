"""Production settings for running many processes: shared cache, persistent connections,
statement timeout, replica, JSON logs; the two Celery queues; gunicorn's configuration."""

import json
import os
import runpy
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from crm import db_router
from crm.celery import app as celery_app
from crm.celery import route_task
from tests.support import unavailable

REPO = Path(__file__).resolve().parents[2]

PRINT = """
import json
from django.conf import settings
print(json.dumps({
    "caches": settings.CACHES,
    "databases": settings.DATABASES,
    "log_handler": settings.LOGGING["handlers"]["console"],
    "default_queue": settings.CELERY_TASK_DEFAULT_QUEUE,
    "slow_queue": settings.CELERY_SLOW_QUEUE,
    "routers": settings.DATABASE_ROUTERS,
    "debug": settings.DEBUG,
    "secret_key": settings.SECRET_KEY,
    "demo_mode": settings.DEMO_MODE,
}, default=str))
"""


def settings_of(module: str, **values: str) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "CONN_", "LOG_", "CELERY_", "CACHE_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE=module,
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="crm.example.com",
        DATABASE_URL="postgres://crm:pw@db.internal:5432/crm",
        REDIS_URL="redis://redis.internal:6379/0",
    )
    env.update(values)
    result = subprocess.run(
        [sys.executable, "-c", PRINT],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def production():
    return settings_of("crm.settings.production")


def test_production_shares_a_redis_cache_apart_from_the_broker(production):
    cache = production["caches"]["default"]
    # Django's Redis cache with one client per process (crm/cache.py).
    assert cache["BACKEND"] == "crm.cache.SharedClientRedisCache"
    assert cache["LOCATION"] == "redis://redis.internal:6379/1"


def test_production_connections_persist_with_a_statement_timeout(production):
    default = production["databases"]["default"]
    assert default["CONN_MAX_AGE"] == 60 and default["CONN_HEALTH_CHECKS"] is True
    assert (
        default["OPTIONS"]["options"]
        == "-c jit=off -c cursor_tuple_fraction=1 -c statement_timeout=30000"
    )
    assert default["ENGINE"] == "django_prometheus.db.backends.postgresql"
    assert "replica" not in production["databases"]


def test_production_logs_json_lines_through_the_filters(production):
    handler = production["log_handler"]
    assert handler["formatter"] == "json"
    assert handler["filters"] == ["request_id", "redact"]


def test_production_queues(production):
    assert production["default_queue"] == "fast" and production["slow_queue"] == "slow"


def test_a_replica_and_a_longer_timeout_for_the_slow_worker():
    configured = settings_of(
        "crm.settings.production",
        DATABASE_REPLICA_URL="postgres://crm:pw@replica.internal:5432/crm",
        DATABASE_STATEMENT_TIMEOUT_MS="600000",
        CONN_MAX_AGE="300",
    )
    replica = configured["databases"]["replica"]
    assert replica["HOST"] == "replica.internal"
    assert (
        replica["OPTIONS"]["options"]
        == "-c jit=off -c cursor_tuple_fraction=1 -c statement_timeout=600000"
    )
    assert configured["databases"]["default"]["CONN_MAX_AGE"] == 300
    assert configured["routers"] == ["crm.db_router.PrimaryReplicaRouter"]


def test_the_demo_keeps_a_per_process_cache_and_text_logs(tmp_path):
    empty = tmp_path / "empty.env"
    empty.write_text("")
    local = settings_of(
        "crm.settings.local",
        ENV_FILE=str(empty),
        REDIS_URL="",
        DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}",
    )
    assert local["caches"]["default"]["BACKEND"].endswith("LocMemCache")
    assert local["log_handler"]["formatter"] == "text"
    assert "options" not in local["databases"]["default"].get("OPTIONS", {})


# --- routing --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        ("leads.tasks.import_job_run", "slow"),
        ("leads.tasks.assign_pending_leads", "slow"),
        ("leads.tasks.handover_for_member", "slow"),
        ("performance.tasks.recompute_scorecards", "slow"),
        ("performance.tasks.recompute", "slow"),
        ("orders.tasks.export_orders", "slow"),
        ("crm.tasks.headcount_snapshot_take", "slow"),
        ("leads.tasks.reclaim_sweep", None),
        ("leads.tasks.followup_reminders_sweep", None),
        ("aftersales.tasks.service_reminders_sweep", None),
        ("training.tasks.training_reminders_sweep", None),
        ("crm.tasks.ping", None),
    ],
)
def test_slow_jobs_go_to_the_slow_queue(settings, task, queue):
    settings.CELERY_SLOW_QUEUE = "slow"
    routed = route_task(task, (), {}, {})
    assert (routed or {}).get("queue") == queue


def test_every_registered_task_is_routed_on_purpose(settings):
    """A new task lands in the fast queue unless it matches CELERY_SLOW_TASKS: make sure
    every slow-sounding task of the apps does."""
    settings.CELERY_SLOW_QUEUE = "slow"
    celery_app.loader.import_default_modules()
    names = [name for name in celery_app.tasks if not name.startswith(("celery.", "tests."))]
    assert "leads.tasks.import_job_run" in names
    for name in names:
        slow = route_task(name, (), {}, {}) is not None
        if any(word in name for word in ("import", "recompute", "export", "assign", "handover")):
            assert slow, name


# --- the replica helper -----------------------------------------------------------------------


@pytest.mark.django_db
def test_reading_uses_the_primary_without_a_replica():
    from crm.models import Team

    assert db_router.replica_alias() == "default"
    assert db_router.reading(Team.objects.all()).db == "default"


@pytest.mark.django_db
@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_reading_uses_the_replica_when_configured_and_fresh(settings, monkeypatch):
    from crm.models import ReplicaPolicy, Team

    settings.DATABASES = {**settings.DATABASES, "replica": dict(settings.DATABASES["default"])}
    settings.DATABASE_REPLICA_CHECK_SECONDS = 0
    ReplicaPolicy.objects.create(pk=1, max_lag_seconds=10)
    lag = {"seconds": 3.0}
    monkeypatch.setattr(db_router, "replica_lag_seconds", lambda: lag["seconds"])
    assert db_router.replica_alias() == "replica"
    assert db_router.reading(Team.objects.all()).db == "replica"
    router = db_router.PrimaryReplicaRouter()
    assert router.db_for_read(Team) is None  # only within replica_reads()
    with db_router.replica_reads():
        assert router.db_for_read(Team) == "replica"
        lag["seconds"] = 11.0  # past the admin-set maximum: the primary
        assert router.db_for_read(Team) is None
        assert db_router.replica_alias() == "default"


@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_an_unreachable_replica_is_left_until_the_next_check(settings, monkeypatch):
    settings.DATABASES = {**settings.DATABASES, "replica": dict(settings.DATABASES["default"])}
    settings.DATABASE_REPLICA_CHECK_SECONDS = 60
    db_router.forget_replica_health()
    asked = []

    def down():
        asked.append(1)
        raise OSError("connection refused")

    monkeypatch.setattr(db_router, "replica_lag_seconds", down)
    try:
        assert db_router.replica_alias() == "default"
        assert db_router.replica_alias() == "default"
        assert len(asked) == 1  # one check per interval, not one per read
    finally:
        db_router.forget_replica_health()


def test_the_router_never_writes_or_migrates_on_the_replica():
    router = db_router.PrimaryReplicaRouter()
    assert router.db_for_write(object) == "default"
    assert router.db_for_read(object) is None
    assert router.allow_migrate("replica", "leads") is False
    assert router.allow_migrate("default", "leads") is True


def test_statement_timeout_options():
    postgres = {"ENGINE": "django.db.backends.postgresql", "OPTIONS": {"options": "-c a=b"}}
    assert db_router.postgres_options(postgres, statement_timeout_ms=5)["OPTIONS"] == {
        "options": "-c a=b -c jit=off -c cursor_tuple_fraction=1 -c statement_timeout=5"
    }
    assert db_router.postgres_options(postgres, statement_timeout_ms=0)["OPTIONS"] == {
        "options": "-c a=b -c jit=off -c cursor_tuple_fraction=1"
    }
    sqlite = {"ENGINE": "django.db.backends.sqlite3"}
    assert db_router.postgres_options(sqlite, statement_timeout_ms=5) == sqlite


@pytest.mark.django_db
def test_postgres_receives_the_statement_timeout():
    from django.db import connection, connections

    if connection.vendor != "postgresql":
        unavailable("PostgreSQL (DATABASE_URL) for the statement timeout and JIT options")
    config = db_router.postgres_options(dict(connection.settings_dict), statement_timeout_ms=1234)
    wrapper = type(connections["default"])(config)  # a new one, not the shared connection
    raw = wrapper.get_new_connection(wrapper.get_connection_params())
    try:
        with raw.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            assert cursor.fetchone()[0] == "1234ms"
            cursor.execute("SHOW jit")
            assert cursor.fetchone()[0] == "off"
    finally:
        raw.close()


# --- gunicorn -----------------------------------------------------------------------------------


def test_gunicorn_configuration(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "5")
    monkeypatch.setenv("WEB_MAX_REQUESTS", "2000")
    monkeypatch.delenv("WEB_ACCESS_LOG", raising=False)
    config = runpy.run_path(str(REPO / "crm" / "gunicorn.conf.py"))
    assert config["workers"] == 5
    assert config["graceful_timeout"] == 30 and config["timeout"] == 60
    assert config["max_requests"] == 2000 and config["max_requests_jitter"] == 200
    assert config["accesslog"] is None
    monkeypatch.setenv("WEB_ACCESS_LOG", "1")
    assert runpy.run_path(str(REPO / "crm" / "gunicorn.conf.py"))["accesslog"] == "-"
