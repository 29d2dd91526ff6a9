"""`/metrics`: who may read it, and that requests, tasks and queues show in it."""

import time
import uuid

import pytest
from prometheus_client import REGISTRY

from crm.celery import app as celery_app

pytestmark = pytest.mark.django_db


@celery_app.task(name="tests.ops.metrics_boom")
def boom():
    raise ValueError("boom")


def sample(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def settled(name: str, expected: float, **labels) -> float:
    """The worker thread stores a task's result before it sends `task_postrun` and
    `task_failure`, so the caller's `.get()` can return before the counters move: wait a
    little for them instead of reading once."""
    deadline = time.monotonic() + 10
    while (value := sample(name, **labels)) != expected and time.monotonic() < deadline:
        time.sleep(0.02)
    return value


def test_metrics_answer_loopback_and_refuse_others(client, settings):
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert b"django_http_requests_total_by_method_total" in response.content
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 403
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics").status_code == 403


def test_metrics_token(client, settings):
    settings.METRICS_ALLOWED_IPS = []
    settings.METRICS_TOKEN = "s3cret-token"
    assert client.get("/metrics").status_code == 403
    wrong = client.get("/metrics", HTTP_AUTHORIZATION="Bearer nope")
    assert wrong.status_code == 403
    right = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert right.status_code == 200


def test_a_request_moves_the_request_counters(client):
    name = "django_http_responses_total_by_status_view_method_total"
    labels = {"status": "200", "view": "healthz", "method": "GET"}
    before = sample(name, **labels)
    client.get("/healthz")
    client.get("/healthz")
    assert sample(name, **labels) == before + 2
    text = client.get("/metrics").content.decode()
    latency = "django_http_requests_latency_seconds_by_view_method_count"
    assert f'{latency}{{method="GET",view="healthz"}}' in text


def test_queue_length_is_read_from_redis(client, settings, redis_required):
    import redis

    queue = f"ops-metrics-{uuid.uuid4().hex[:8]}"
    settings.CELERY_SLOW_QUEUE = queue
    connection = redis.Redis.from_url(redis_required)
    try:
        connection.rpush(queue, b"a", b"b", b"c")
        connection.rpush(f"{queue}\x06\x163", b"d")
        text = client.get("/metrics").content.decode()
    finally:
        connection.delete(queue, f"{queue}\x06\x163")
    assert f'crm_celery_queue_length{{queue="{queue}"}} 4.0' in text
    assert "crm_celery_queue_length_up 1.0" in text


def test_queue_length_tolerates_a_broker_that_does_not_answer(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/metrics")
    assert response.status_code == 200
    assert b"crm_celery_queue_length_up 0.0" in response.content


def test_task_runs_and_failures_are_counted(celery_worker):
    name = "crm_celery_tasks_total"
    pings = sample(name, task="crm.tasks.ping", state="SUCCESS")
    failures = sample(name, task="tests.ops.metrics_boom", state="FAILURE")
    errors = sample(
        "crm_celery_task_failures_total", task="tests.ops.metrics_boom", exception="ValueError"
    )
    runs = sample("crm_celery_task_runtime_seconds_count", task="crm.tasks.ping")
    from crm.tasks import ping

    assert ping.delay().get(timeout=20) == "pong"
    with pytest.raises(ValueError):
        boom.delay().get(timeout=20)
    assert settled(name, pings + 1, task="crm.tasks.ping", state="SUCCESS") == pings + 1
    assert (
        settled(name, failures + 1, task="tests.ops.metrics_boom", state="FAILURE") == failures + 1
    )
    assert (
        settled(
            "crm_celery_task_failures_total",
            errors + 1,
            task="tests.ops.metrics_boom",
            exception="ValueError",
        )
        == errors + 1
    )
    runs_name = "crm_celery_task_runtime_seconds_count"
    assert settled(runs_name, runs + 1, task="crm.tasks.ping") == runs + 1


def test_multiprocess_mode_adds_up_every_process(tmp_path):
    """Production (gunicorn workers, prefork Celery) sets PROMETHEUS_MULTIPROC_DIR: a
    request served by one process shows in /metrics served by another."""
    import os
    import subprocess
    import sys

    script = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "import sys\n"
        "client = Client()\n"
        "if sys.argv[1] == 'serve':\n"
        "    client.get('/healthz')\n"
        "else:\n"
        "    print(client.get('/metrics').content.decode())\n"
    )
    directory = tmp_path / "metrics"
    env = {
        **os.environ,
        "PROMETHEUS_MULTIPROC_DIR": str(directory),
        "DJANGO_SETTINGS_MODULE": "crm.settings.test",
        "ALLOWED_HOSTS": "testserver",
    }
    for argument in ("serve", "serve"):
        subprocess.run([sys.executable, "-c", script, argument], env=env, check=True, timeout=120)
    scraped = subprocess.run(
        [sys.executable, "-c", script, "scrape"],
        env=env,
        check=True,
        timeout=120,
        capture_output=True,
        text=True,
    ).stdout
    assert directory.is_dir() and list(directory.glob("*.db"))
    line = (
        "django_http_responses_total_by_status_view_method_total"
        '{method="GET",status="200",view="healthz"} 2.0'
    )
    assert line in scraped, scraped[-3000:]
