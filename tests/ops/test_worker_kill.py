"""Nothing is lost when a process dies (PostgreSQL and Redis; required in CI).

A real Celery worker runs in its own process against the test database. It is killed
with SIGKILL in the middle of a large assignment run and of an import, a new worker is
started, and afterwards every lead is assigned exactly once and every imported row is
accounted for exactly once.

How the work comes back after the kill:

- Tasks acknowledge late (`CELERY_TASK_ACKS_LATE`): the message of a running task stays
  in Redis's "unacked" set until the task ends. A pool child killed under a living worker
  is reported as lost and its message requeued at once (`CELERY_TASK_REJECT_ON_WORKER_LOST`).
  A whole worker killed (machine or container gone) cannot say anything; Redis gives the
  message to another worker when the broker's `visibility_timeout` has passed. These tests
  use 5 s (tests/ops/kill_worker_settings.py); production keeps kombu's default of one
  hour, which must stay longer than the longest task (an import of 200,000 rows takes
  well under a minute), or a still-running task would be handed out a second time.
- The tasks are resumable and idempotent. Assignment commits batch by batch and a lead
  leaves the pending set in the transaction that assigns it, so a re-run takes only what
  is left. An import commits chunk by chunk together with the job's counters (its
  checkpoint), so a re-run skips the rows already counted and re-checks the chunk after.

Reminders and reclaims are never long countdowns held in the broker: they are rows with a
due time (a lead's `next_followup_at`, `last_contact_at`, a revisit's due date …) swept by
beat (`CELERY_BEAT_SCHEDULE` in crm/settings/base.py), so a lost worker or broker loses no
reminder; no task in the project is queued with `countdown=` or `eta=` (checked below).

A web request that fails half-way leaves nothing half-written: each multi-step write is one
`transaction.atomic` (checked below on taking an order, whose last step fails).
"""

from __future__ import annotations

import csv
import io
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models import Count
from django.urls import reverse
from kombu import Connection

from crm import services as crm_services
from crm.celery import app
from crm.models import Notification
from leads import tasks
from leads.models import (
    Assignment,
    ImportJob,
    ImportRow,
    Lead,
    LeadPolicy,
    LeadSource,
    LeadStatus,
    RoutingRule,
)
from leads.services import importing
from tests.leads.factories import LeadFactory
from tests.support import unavailable

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(settings.BASE_DIR)
WAIT = 120  # seconds a run may take on a loaded CI machine
LEADS = 5_000
ROWS = 3_000


# --- a worker in its own process ----------------------------------------------------------


def _broker_url() -> str:
    """The test's Redis, another database number: the short visibility timeout of these
    workers must not hand out other test runs' unacknowledged messages."""
    parsed = urlparse(settings.REDIS_URL)
    number = os.environ.get("KILL_TEST_REDIS_DB", "9")
    return urlunparse(parsed._replace(path=f"/{number}"))


def _database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] or ""
    if db["PASSWORD"]:
        auth += f":{db['PASSWORD']}"
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{auth}@{host}/{db['NAME']}" if auth else f"postgres://{host}/{db['NAME']}"


def _queues() -> str:
    """Every queue the two jobs are routed to (the default one, or a slow-jobs queue)."""
    names = set()
    for task in (tasks.assign_pending_leads, tasks.import_job_run):
        route = app.amqp.router.route({}, task.name, (), {})
        names.add(route["queue"].name)
    return ",".join(sorted(names))


class Workers:
    """Start workers in their own process group, kill them, and clean up after the test."""

    def __init__(self, tmp_path: Path, media_root: Path):
        self.tmp_path = tmp_path
        self.env = {
            **os.environ,
            "DATABASE_URL": _database_url(),
            "REDIS_URL": _broker_url(),
            "KILL_TEST_MEDIA_ROOT": str(media_root),
        }
        self.env.pop("CELERY_BROKER_URL", None)
        self.env.pop("CELERY_RESULT_BACKEND", None)
        self.started: list[subprocess.Popen] = []

    def start(self, *, pool: str = "solo") -> subprocess.Popen:
        log = self.tmp_path / f"worker-{len(self.started)}.log"
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "tests.ops.kill_worker_app",
            "worker",
            f"--pool={pool}",
            "--concurrency=1",
            "-Q",
            _queues(),
            "-n",
            f"kill-{uuid.uuid4().hex[:8]}@%h",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
            "--loglevel=INFO",
        ]
        with log.open("wb") as out:
            process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        process.log = log
        self.started.append(process)
        _wait_for(lambda: b" ready." in log.read_bytes(), what="the worker to start", log=log)
        return process

    def kill(self, process: subprocess.Popen) -> None:
        """SIGKILL the whole worker: main process and pool children, no goodbye."""
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def kill_pool_child(self, process: subprocess.Popen) -> None:
        """SIGKILL only the pool process running the task (what the OOM killer does)."""
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
        assert children, "the prefork worker has no pool process"
        for pid in children:
            os.kill(int(pid), signal.SIGKILL)

    def stop_all(self) -> None:
        for process in self.started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def _wait_for(condition, *, what: str, timeout: float = WAIT, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    tail = log.read_text(errors="replace")[-3000:] if log else ""
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}\n{tail}")


def _send(task, *args) -> None:
    """Queue a task on the workers' broker (not the suite's)."""
    with Connection(_broker_url()) as conn:
        task.apply_async(args=args, producer=conn.Producer(), ignore_result=True)


@pytest.fixture
def workers(tmp_path, settings):
    if connection.vendor != "postgresql":
        unavailable("a worker in another process needs PostgreSQL, not an in-memory SQLite")
    if not settings.REDIS_AVAILABLE:
        unavailable("Redis is not reachable")
    media_root = tmp_path / "media"
    media_root.mkdir()
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(media_root)},
        },
    }
    workers = Workers(tmp_path, media_root)
    with Connection(_broker_url()) as conn:  # no message left over from an aborted run
        for name in _queues().split(","):
            conn.default_channel.queue_purge(name)
    yield workers
    workers.stop_all()
    connection.close()  # the killed workers' sessions are gone; start the flush afresh


def _kill_mid_run(workers: Workers, worker, progress, total: int, *, child: bool = False):
    """Wait until some but not all of the work is committed, then kill; return progress."""
    _wait_for(lambda: progress() > 0, what="the run to commit its first batch", log=worker.log)
    done = progress()
    print(f"killed at {done}/{total}")
    assert done < total, f"the run finished ({done}/{total}) before it could be killed"
    if child:
        workers.kill_pool_child(worker)
    else:
        workers.kill(worker)
    return done


# --- a large assignment run ----------------------------------------------------------------


@pytest.mark.parametrize("killed", ["whole worker", "pool child"])
def test_an_assignment_run_killed_mid_way_assigns_every_lead_exactly_once(org, workers, killed):
    for member in (org.agent_a1, org.agent_a2):
        crm_services.member_update(member=member, daily_lead_capacity=LEADS)
    RoutingRule.objects.create(name="all to A", team=org.team_a)
    Lead.objects.bulk_create(
        LeadFactory.build(phone=f"+86139{n:08d}", channel="manual") for n in range(LEADS)
    )
    ids = list(Lead.objects.values_list("pk", flat=True))

    def assigned() -> int:
        return Lead.objects.filter(owner__isnull=False).count()

    worker = workers.start(pool="solo" if killed == "whole worker" else "prefork")
    _send(tasks.assign_pending_leads)
    at_kill = _kill_mid_run(workers, worker, assigned, LEADS, child=killed == "pool child")
    if killed == "whole worker":
        time.sleep(1)
        assert assigned() >= at_kill  # what was committed stays; nothing runs any more
        workers.start()  # the message comes back to it after the visibility timeout
    _wait_for(lambda: assigned() == LEADS, what="every lead to be assigned", log=worker.log)

    owners = {org.agent_a1.user_id, org.agent_a2.user_id, org.manager_a.user_id}
    assert set(Lead.objects.values_list("owner_id", flat=True)) <= owners
    auto = Assignment.objects.filter(kind=Assignment.Kind.AUTO)
    assert auto.count() == LEADS
    assert not auto.values("lead").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert set(auto.values_list("lead_id", flat=True)) == set(ids)
    for lead_id, owner_id, to_user in auto.values_list("lead_id", "lead__owner_id", "to_user"):
        assert owner_id == to_user, f"lead {lead_id}: owner and assignment differ"
    # Every agent was told of every lead they got, the killed run's batches included: the
    # notification is written with each batch, not at the end of the run.
    told: Counter = Counter()
    for user_id, text in Notification.objects.filter(kind="lead_assigned").values_list(
        "user_id", "text"
    ):
        told[user_id] += int(re.search(r"\d+", text).group())
    assert told == Counter(Lead.objects.values_list("owner_id", flat=True))


# --- a large import ------------------------------------------------------------------------


def _import_file(existing: list[str]) -> tuple[bytes, dict[str, int]]:
    """ROWS data rows: new leads, duplicates of known leads and of earlier rows, rejects."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["姓名", "手机", "地区"])
    expected = {"created": 0, "duplicate": 0, "rejected": 0}
    for n in range(ROWS):
        if n % 10 == 3:
            phone, outcome = "12345", "rejected"
        elif n % 10 == 5:
            phone, outcome = existing[n % len(existing)], "duplicate"
        elif n % 10 == 7:
            phone, outcome = f"138{n - 1:08d}", "duplicate"  # the row before, again
        else:
            phone, outcome = f"138{n:08d}", "created"
        expected[outcome] += 1
        writer.writerow([f"客户{n}", phone, "上海"])
    return out.getvalue().encode(), expected


def test_an_import_killed_mid_way_accounts_for_every_row_exactly_once(org, workers):
    LeadPolicy.current()
    known = LeadFactory.create_batch(20)
    content, expected = _import_file([lead.phone.removeprefix("+86") for lead in known])
    job = importing.import_job_create(
        file=SimpleUploadedFile("big.csv", content), by=org.manager_a.user, start=False
    )

    def processed() -> int:
        return ImportJob.objects.get(pk=job.pk).processed_rows

    worker = workers.start()
    _send(tasks.import_job_run, job.pk)
    _kill_mid_run(workers, worker, processed, ROWS)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.RUNNING
    restarted = workers.start()
    _wait_for(
        lambda: ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.DONE,
        what="the import to finish",
        log=restarted.log,
    )

    job.refresh_from_db()
    assert job.total_rows == job.processed_rows == ROWS
    assert (job.created_count, job.duplicate_count, job.rejected_count) == (
        expected["created"],
        expected["duplicate"],
        expected["rejected"],
    )
    # Every data row (2 … ROWS + 1, the header is row 1) is in exactly one place: the
    # capture record of a new lead, or a report row (duplicate or rejected).
    created_rows = [
        source.payload["row"]
        for source in LeadSource.objects.filter(import_job=job, is_duplicate=False)
    ]
    reported = list(ImportRow.objects.filter(job=job).values_list("row_number", flat=True))
    assert len(created_rows) == expected["created"]
    assert len(reported) == expected["duplicate"] + expected["rejected"]
    assert sorted(created_rows + reported) == list(range(2, ROWS + 2))
    new_leads = Lead.objects.exclude(pk__in=[lead.pk for lead in known])
    assert new_leads.count() == expected["created"]
    assert not Lead.objects.values("phone").annotate(n=Count("id")).filter(n__gt=1).exists()


# --- reminders are rows swept by beat, not long countdowns --------------------------------


def test_no_task_is_queued_with_a_countdown_or_an_eta():
    """A countdown or eta is held by the worker that received it (and lost with it, or
    redelivered after the visibility timeout); due times belong in rows swept by beat."""
    offenders = []
    for path in ROOT.glob("*/**/*.py"):
        if ".venv" in path.parts or "tests" in path.parts or "migrations" in path.parts:
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if re.search(r"\b(countdown|eta)\s*=", text):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"leads.tasks.reclaim_sweep", "leads.tasks.followup_reminders_sweep"} <= scheduled


# --- a web request that fails half-way ----------------------------------------------------


def test_an_order_whose_last_step_fails_leaves_nothing_half_written(org, client_as, monkeypatch):
    from orders.models import Order, OrderEvent, OrderLine
    from orders.services import taking as order_taking
    from tests.orders.factories import ProductFactory

    product = ProductFactory(sku="BB-1", name="企业宽带", list_price="1000.00")
    lead = LeadFactory(owner=org.agent_a1.user, team=org.team_a, status=LeadStatus.CONTACTED)

    def fails(**kwargs):
        raise RuntimeError("the database went away after the order was written")

    # The last step of taking an order: the order, its lines and its event are written.
    monkeypatch.setattr(order_taking.followups, "lead_mark_won", fails)
    client = client_as(org.agent_a1)
    client.raise_request_exception = False
    response = client.post(
        reverse("orders:create", args=[lead.pk]),
        {
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-MIN_NUM_FORMS": "0",
            "lines-MAX_NUM_FORMS": "50",
            "lines-0-product": product.pk,
            "lines-0-quantity": 2,
            "payment_terms": "prepaid",
            "delivery_address": "上海市",
        },
    )

    assert response.status_code == 500
    assert not Order.objects.exists()
    assert not OrderLine.objects.exists()
    assert not OrderEvent.objects.exists()
    lead.refresh_from_db()
    assert lead.status == LeadStatus.CONTACTED
