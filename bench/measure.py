"""The measurements: which page or API, as whom, timed in-process with its SQL counted.

To measure something new, add a `Measurement` to `MEASUREMENTS`: a name, a path (or a
function returning one, for paths that name generated data) and an actor (a function
returning the user to sign in as). Requests go through the whole stack (middleware,
session, auth, view, template or serializer) with `django.test.Client`, so the time is
the server's time without the network; the query count is what Django sent.

Background work (assignment, imports, the reclaim sweep) is a `Job` instead: a callable
timed once, after an untimed `prepare`, inside a transaction that is rolled back, so the
generated data stays as generated and the next run measures the same thing.

Either may carry a target (the issue's "≤ 30 ms"); the table then says PASS or FAIL. A
page that is not routed or a service function that does not exist yet is reported as
SKIP ("not available: …") instead of failing the run.
"""

from __future__ import annotations

import json
import math
import resource
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve

from crm.models import Member, MemberStatus, Role

from . import org

User = get_user_model()
Actor = Callable[[], AbstractBaseUser]


# --- actors: who signs in -----------------------------------------------------------------


def by_username(username: str) -> Actor:
    def actor():
        return User.objects.get(username=username)

    actor.__name__ = username
    return actor


def first_active(role: str) -> Actor:
    """The first active member with `role` by employee number (stable across runs)."""

    def actor():
        member = (
            Member.objects.filter(role=role, status=MemberStatus.ACTIVE)
            .select_related("user")
            .order_by("employee_no")
            .first()
        )
        if member is None:
            raise LookupError(f"no active member with role {role}")
        return member.user

    actor.__name__ = f"first active {role}"
    return actor


ADMIN = by_username(org.ADMIN)
INSPECTOR = by_username(org.INSPECTOR)
CENTER_HEAD = by_username(org.CENTER_HEAD)  # heads the center: sees every team
DIVISION_HEAD = by_username("head1")  # heads one regional division
MANAGER = first_active(Role.TEAM_MANAGER)
AGENT = first_active(Role.AGENT)


@dataclass(frozen=True)
class Measurement:
    name: str
    path: str | Callable[[], str]
    actor: Actor
    target_ms: float | None = None  # median server time


class NotAvailable(Exception):
    """What a measurement needs is not there (yet): reported as SKIP, not as a failure."""


@dataclass(frozen=True)
class Job:
    """A background job timed once: `prepare()` (untimed) returns the argument of `call`,
    whose return value is the note printed beside the time. Both run in one transaction
    that is rolled back afterwards. Either may raise NotAvailable."""

    name: str
    prepare: Callable[[], Any]
    call: Callable[[Any], str]
    target_s: float
    max_peak_mb: float | None = None  # peak resident memory added by the call


@dataclass(frozen=True)
class Floor:
    """A reference timed in the same run as everything else: `prepare()` (untimed) returns
    the callable that is timed `runs` times. A slower machine shows as slower floors, so
    each figure is also printed as a multiple of the signed-in floor request."""

    name: str
    prepare: Callable[[], Callable[[], Any]]


def _floor_view():
    """The floor page's view called directly: no middleware, no URL resolving."""
    from django.test import RequestFactory

    from .urls import floor

    request = RequestFactory().get("/bench/floor/")
    request.user = AGENT()
    return lambda: floor(request)


def _floor_query():
    pk = AGENT().pk
    return lambda: User.objects.filter(pk=pk).first()


def _floor_cpu():
    def loop() -> int:
        total = 0
        for number in range(200_000):
            total += number * number % 7
        return total

    return loop


#: The reference every figure is divided by (its median is the "floor" of the table).
FLOOR_REQUEST = "floor: signed-in request, whole stack"
FLOORS: list[Measurement | Floor] = [
    Measurement(FLOOR_REQUEST, "/bench/floor/", AGENT),
    Floor("floor: the same view without middleware", _floor_view),
    Floor("floor: one primary-key query", _floor_query),
    Floor("floor: fixed CPU loop", _floor_cpu),
]

#: Any one query of a measured request may read at most this many buffers (8 KB pages,
#: shared hits and reads) at 1M leads: the cost of a page must not grow with the data.
BUFFER_BUDGET = 2_000


def _leads_measurements() -> list[Measurement | Job]:
    from . import leads_measure

    return leads_measure.MEASUREMENTS


def _orders_measurements() -> list[Measurement | Job]:
    from . import orders_measure

    return orders_measure.MEASUREMENTS


def _kpi_measurements() -> list[Measurement | Job]:
    from . import kpi_measure

    return kpi_measure.MEASUREMENTS


def _page_measurements() -> list[Measurement | Job]:
    from . import pages_measure

    return pages_measure.MEASUREMENTS


def _dashboard_measurements() -> list[Measurement | Job]:
    from . import dashboard_measure

    return dashboard_measure.MEASUREMENTS


MEASUREMENTS: list[Measurement | Job | Floor] = [
    *FLOORS,
    Measurement("home / agent", "/", AGENT, target_ms=30),
    Measurement("home / team manager", "/", MANAGER, target_ms=50),
    Measurement("home / division head", "/", DIVISION_HEAD, target_ms=80),
    Measurement("home / center head", "/", CENTER_HEAD, target_ms=80),
    Measurement("home / inspector", "/", INSPECTOR, target_ms=80),
    Measurement("home / admin", "/", ADMIN, target_ms=80),
    Measurement("org tree / admin", "/org/", ADMIN, target_ms=80),
    Measurement("org tree / center head", "/org/", CENTER_HEAD, target_ms=80),
    Measurement("members page / admin", "/org/members/", ADMIN, target_ms=80),
    Measurement("api members / admin", "/api/members/", ADMIN, target_ms=15),
    Measurement("api members / center head", "/api/members/", CENTER_HEAD, target_ms=15),
    Measurement("api members / team manager", "/api/members/", MANAGER, target_ms=15),
    Measurement("api members 200 / admin", "/api/members/?page_size=200", ADMIN),
    Measurement("api teams / admin", "/api/teams/", ADMIN, target_ms=15),
    *_leads_measurements(),
    *_orders_measurements(),
    *_page_measurements(),
    *_kpi_measurements(),
    *_dashboard_measurements(),
]


@dataclass
class Result:
    name: str
    path: str
    username: str
    status: int
    runs: int
    median_ms: float
    p95_ms: float
    min_ms: float
    sql_median_ms: float
    queries: int
    queries_max: int
    bytes: int
    rows: str
    target: str = ""
    verdict: str = ""  # PASS, FAIL (over target), SKIP (not available) or "" (no target)
    buffers: int | None = None  # the most any one query of the request read (EXPLAIN)
    target_ms: float | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200 or self.verdict == "SKIP"

    def as_dict(self) -> dict:
        return asdict(self)


def run(measurement: Measurement | Job | Floor, *, runs: int = 30, warmup: int = 3) -> Result:
    """Warm up (caches, templates, the connection), then time `runs` requests."""
    if isinstance(measurement, Job):
        return run_job(measurement)
    if isinstance(measurement, Floor):
        return run_floor(measurement, runs=runs, warmup=warmup)
    try:
        path = measurement.path() if callable(measurement.path) else measurement.path
        resolve(path.split("?", 1)[0])
    except (NotAvailable, Resolver404) as error:
        return _skipped(measurement.name, str(measurement.path), str(error) or "not routed")
    result = _run_page(measurement, path, runs=runs, warmup=warmup)
    result.target_ms = measurement.target_ms
    if measurement.target_ms is not None:
        result.target = f"≤ {measurement.target_ms:g} ms"
        if result.status == 200:
            result.verdict = "PASS" if result.median_ms <= measurement.target_ms else "FAIL"
        else:
            result.verdict = "FAIL"
    if result.buffers is not None and result.buffers > BUFFER_BUDGET:
        result.verdict = "FAIL"
        result.rows += f"; a query read {result.buffers:,} buffers (budget {BUFFER_BUDGET:,})"
    return result


def judge_by_floor(results: list[Result], *, quiet_floor_ms: float) -> None:
    """A time target missed on a slower (or busy) machine still holds when the figure, as a
    multiple of this run's floor, is within the target's multiple of the floor measured
    on a quiet reference machine (`quiet_floor_ms`): the verdict then reads "PASS ×"."""
    floor = next((r for r in results if r.name == FLOOR_REQUEST and r.status == 200), None)
    if floor is None or not floor.median_ms:
        return
    for result in results:
        if result.verdict != "FAIL" or result.target_ms is None or result.status != 200:
            continue
        if result.buffers is not None and result.buffers > BUFFER_BUDGET:
            continue
        if result.median_ms / floor.median_ms <= result.target_ms / quiet_floor_ms:
            result.verdict = "PASS ×"


def run_floor(floor: Floor, *, runs: int, warmup: int) -> Result:
    call = floor.prepare()
    for _ in range(warmup):
        call()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    median = statistics.median(timings)
    return Result(
        floor.name, "floor", "—", 200, runs, median, _percentile(timings, 95), min(timings),
        math.nan, 0, 0, 0, "reference",
    )  # fmt: skip


def _run_page(measurement: Measurement, path: str, *, runs: int, warmup: int) -> Result:
    user = measurement.actor()
    client = Client()
    client.force_login(user)
    try:
        response = None
        for _ in range(warmup):
            response = client.get(path)
            if response.status_code != 200:
                return _failed(measurement, path, user, response.status_code)
        timings: list[float] = []
        sql_times: list[float] = []
        query_counts: list[int] = []
        for _ in range(runs):
            sql_timer = _SqlTimer()
            with (
                CaptureQueriesContext(connection) as captured,
                connection.execute_wrapper(sql_timer),
            ):
                started = time.perf_counter()
                response = client.get(path)
                timings.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                return _failed(measurement, path, user, response.status_code)
            query_counts.append(len(captured))
            sql_times.append(sql_timer.seconds * 1000)
        buffers = _most_buffers(client, path)
    finally:
        client.logout()  # deletes the session row, so runs do not pile them up
    assert response is not None
    return Result(
        name=measurement.name,
        path=path,
        username=user.get_username(),
        status=response.status_code,
        runs=runs,
        median_ms=statistics.median(timings),
        p95_ms=_percentile(timings, 95),
        min_ms=min(timings),
        sql_median_ms=statistics.median(sql_times),
        queries=min(query_counts),
        queries_max=max(query_counts),
        bytes=len(response.content),
        rows=_describe(response),
        buffers=buffers,
    )


def _most_buffers(client: Client, path: str) -> int | None:
    """The most buffers any one read of one more request touched (PostgreSQL only).

    The request's statements are captured with their parameters, then each SELECT is run
    again under `EXPLAIN (ANALYZE, BUFFERS)`; the top plan node's shared hits and reads
    count every page the statement touched, whether cached or not.
    """
    if connection.vendor != "postgresql":
        return None
    statements: list[tuple[str, Any]] = []

    def capture(execute, sql, params, many, context):
        words = sql.lstrip(" (\n").split(None, 1)
        if not many and words and words[0].upper() in ("SELECT", "WITH"):
            statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        client.get(path)
    most = 0
    with connection.cursor() as cursor:
        for sql, params in statements:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql, params)
            plan = cursor.fetchone()[0]
            if isinstance(plan, str):
                plan = json.loads(plan)
            top = plan[0]["Plan"]
            most = max(most, top.get("Shared Hit Blocks", 0) + top.get("Shared Read Blocks", 0))
    return most


#: Tables a rolled-back job leaves dead rows in.
JOB_TABLES = (
    "leads_lead", "leads_leadsource", "leads_assignment", "leads_importjob",
    "leads_importrow", "leads_followup", "crm_notification",
)  # fmt: skip


def vacuum() -> None:
    """Reclaim the rows a rolled-back job wrote, and refresh the planner's statistics.

    A job's 100,000 inserts are rolled back, but their dead tuples stay in the table and
    its indexes until a vacuum; autovacuum may not come for a long while, and meanwhile
    every later measurement (and the next `make bench`) reads through them. Measured
    numbers must not depend on how many runs came before.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("VACUUM (ANALYZE) " + ", ".join(JOB_TABLES))


def run_job(job: Job) -> Result:
    """Time `job.call` once, with its queries and its peak memory, then roll it all back."""
    timer = _SqlTimer()
    try:
        with transaction.atomic():
            argument = job.prepare()
            baseline = _peak_reset()
            with connection.execute_wrapper(timer):
                started = time.perf_counter()
                note = job.call(argument)
                seconds = time.perf_counter() - started
            peak_mb = (_peak_rss() - baseline) / 1024 / 1024
            transaction.set_rollback(True)
    except NotAvailable as error:
        return _skipped(job.name, "job", str(error))
    finally:
        vacuum()
    over = seconds > job.target_s
    target = f"≤ {job.target_s:g} s"
    notes = f"{note}; peak +{peak_mb:.0f} MB"
    if job.max_peak_mb is not None:
        target += f", < {job.max_peak_mb:g} MB"
        over = over or peak_mb >= job.max_peak_mb
    ms = seconds * 1000
    return Result(
        job.name, "job", "—", 200, 1, ms, ms, ms, timer.seconds * 1000,
        timer.count, timer.count, 0, notes, target, "FAIL" if over else "PASS",
    )  # fmt: skip


def _peak_reset() -> int:
    """Start measuring peak memory from now: reset the kernel's high-water mark (Linux),
    and return the resident size it starts from. Elsewhere the process's lifetime peak
    (getrusage) is all there is, so the delta shows only growth beyond earlier peaks."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
        return _proc_status("VmRSS")
    except OSError:
        return _peak_rss()


def _peak_rss() -> int:
    try:
        return _proc_status("VmHWM")
    except OSError:
        scale = 1 if sys.platform == "darwin" else 1024
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def _proc_status(key: str) -> int:
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    raise OSError(f"no {key} in /proc/self/status")


def _skipped(name: str, path: str, why: str) -> Result:
    nan = math.nan
    return Result(
        name, path, "—", 0, 0, nan, nan, nan, nan, 0, 0, 0, f"not available: {why}", "", "SKIP",
    )  # fmt: skip


class _SqlTimer:
    """Adds up the time spent in queries (CaptureQueriesContext rounds each to the ms)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started


def _failed(measurement: Measurement, path: str, user: AbstractBaseUser, status: int) -> Result:
    nan = math.nan
    return Result(
        measurement.name, path, user.get_username(), status, 0,
        nan, nan, nan, nan, 0, 0, 0, f"HTTP {status}",
    )  # fmt: skip


def _percentile(values: list[float], percent: int) -> float:
    """Nearest-rank percentile: with 30 runs, p95 is the second slowest."""
    ordered = sorted(values)
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1]


def _describe(response) -> str:
    """Rows in a paginated API answer, else the page's size."""
    if response.get("Content-Type", "").startswith("application/json"):
        data = json.loads(response.content)
        if isinstance(data, dict) and "results" in data:
            return f"{len(data['results'])} of {data.get('count', '?')} rows"
        if isinstance(data, list):
            return f"{len(data)} rows"
    return f"{len(response.content) / 1024:.0f} KB html"
