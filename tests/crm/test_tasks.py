"""Background jobs really run on Celery: an in-process worker and a real `celery worker`."""

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from celery import Celery
from django.conf import settings
from django.utils import timezone

from crm import tasks
from crm.celery import app
from crm.models import HeadcountSnapshot

REPO = Path(__file__).resolve().parents[2]


def test_beat_schedules_the_headcount_snapshot():
    schedule = app.conf.beat_schedule
    assert schedule["headcount-snapshot"]["task"] == "crm.tasks.headcount_snapshot_take"
    assert "crm.tasks.headcount_snapshot_take" in app.tasks


def test_tasks_acknowledge_late_so_a_lost_worker_loses_nothing():
    assert app.conf.task_acks_late and app.conf.task_reject_on_worker_lost
    assert app.conf.worker_prefetch_multiplier == 1


def test_headcount_job_runs_on_a_worker_and_is_idempotent(org, celery_worker):
    first = tasks.headcount_snapshot_take.delay().get(timeout=20)
    again = tasks.headcount_snapshot_take.delay().get(timeout=20)
    assert first == again == 3
    assert HeadcountSnapshot.objects.filter(day=timezone.localdate()).count() == 3
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    tasks.headcount_snapshot_take.delay(yesterday).get(timeout=20)
    assert HeadcountSnapshot.objects.filter(day=yesterday).count() == 3


def test_a_real_celery_worker_process_consumes_from_redis(redis_required):
    """`celery -A crm worker`, as `make run` and docker-compose start it, answers a task."""
    url = redis_required.rsplit("/", 1)[0] + "/14"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "crm.settings.local",
        "REDIS_URL": url,
        "DATABASE_URL": f"sqlite:///{REPO / 'var' / 'worker-test.sqlite3'}",
    }
    client = Celery(broker=url, backend=url)
    client.conf.broker_connection_retry_on_startup = True
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "crm",
            "worker",
            "--pool=solo",
            "-Q",
            "fast,slow",
            "--loglevel=WARNING",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        result = client.send_task("crm.tasks.ping", queue="fast")
        assert result.get(timeout=60) == "pong"
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
        client.close()


def test_settings_use_redis_in_ci():
    if settings.CI:
        assert settings.CELERY_BROKER_URL.startswith("redis://")
        assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def test_the_demo_runs_celery_without_a_server():
    """`make run` needs no broker daemon: the local settings use the file-system transport."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "CELERY_BROKER_URL")}
    env["DJANGO_SETTINGS_MODULE"] = "crm.settings.local"
    code = "from django.conf import settings; print(settings.CELERY_BROKER_URL)"
    started = time.monotonic()
    out = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert out.stdout.strip() == "filesystem://localhost//", out.stderr
    assert time.monotonic() - started < 60
