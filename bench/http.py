"""`make bench --http`: the same pages through a real socket, served as in production.

gunicorn (2 sync workers, `bench.http_settings`: the production settings plus the floor
page) serves the bench database; each measured page is requested over a new TCP
connection (sync workers close every connection, as behind a proxy) with a session made
for its actor, and timed from the first byte sent to the last byte read. The figures are
what a user waits for minus the network: middleware, view, template or serializer, SQL,
and the WSGI server's own cost.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from importlib import import_module
from pathlib import Path

from django.conf import settings
from django.urls import Resolver404, resolve

from .measure import Floor, Job, Measurement, NotAvailable, Result, _percentile, _skipped

ROOT = Path(__file__).resolve().parents[1]
WORKERS = int(os.environ.get("BENCH_HTTP_WORKERS", 2))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _database_url() -> str:
    db = settings.DATABASES["default"]
    return (
        f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )


def server_environment() -> dict[str, str]:
    """What the production settings insist on, pointed at the bench's data."""
    var = Path(settings.VAR_DIR)
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.http_settings",
        "SECRET_KEY": settings.SECRET_KEY,  # the sessions made here must be valid there
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": _database_url(),
        "DATABASE_STATEMENT_TIMEOUT_MS": "0",
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6"),
        "STATIC_ROOT": str(var / "bench-static"),
        "MEDIA_ROOT": str(var / "bench-media"),
        "LOG_LEVEL": "WARNING",
        # Pages are measured as signed-in admins and heads, without the enrolment step.
        "OTP_REQUIRED_ROLES": "",
    }


@contextmanager
def serve():
    """gunicorn on a free loopback port for the duration; yields the port."""
    env = server_environment()
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    port = _free_port()
    log = open(Path(settings.VAR_DIR) / "bench-http-web.log", "w")  # noqa: SIM115
    # The production gunicorn configuration, sized as the issue measured: 2 sync workers.
    env.update(GUNICORN_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY=str(WORKERS), WEB_THREADS="1")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "crm/gunicorn.conf.py", "crm.wsgi:application"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if _get(port, "/healthz", None)[0] == 200:
                    break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start: see var/bench-http-web.log")
            time.sleep(0.3)
        yield port
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def _get(port: int, path: str, session: str | None) -> tuple[int, int]:
    """One GET over a new connection: (status, body bytes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Host": "127.0.0.1", "X-Forwarded-Proto": "https", "Accept-Language": "zh-hans"}
    if session:
        headers["Cookie"] = f"{settings.SESSION_COOKIE_NAME}={session}"
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read()
        return response.status, len(body)
    finally:
        conn.close()


def _session_for(user) -> str:
    """A signed-in session in the database (the production cache falls back to it)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    store = import_module("django.contrib.sessions.backends.db").SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def _forget(session: str) -> None:
    from django.contrib.sessions.models import Session

    Session.objects.filter(session_key=session).delete()


def run(port: int, measurement: Measurement, *, runs: int, warmup: int) -> Result:
    try:
        path = measurement.path() if callable(measurement.path) else measurement.path
        resolve(path.split("?", 1)[0])
    except (NotAvailable, Resolver404) as error:
        return _skipped(measurement.name, str(measurement.path), str(error) or "not routed")
    user = measurement.actor()
    session = _session_for(user)
    try:
        status, size = 0, 0
        for _ in range(warmup):
            status, size = _get(port, path, session)
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            status, size = _get(port, path, session)
            timings.append((time.perf_counter() - started) * 1000)
            if status != 200:
                break
    finally:
        _forget(session)
    result = Result(
        name=measurement.name,
        path=path,
        username=user.get_username(),
        status=status,
        runs=len(timings),
        median_ms=statistics.median(timings),
        p95_ms=_percentile(timings, 95),
        min_ms=min(timings),
        sql_median_ms=float("nan"),
        queries=0,
        queries_max=0,
        bytes=size,
        rows="over HTTP" if status == 200 else f"answered {status}",
        target_ms=measurement.target_ms,
    )
    if measurement.target_ms is not None:
        result.target = f"≤ {measurement.target_ms:g} ms"
        ok = status == 200 and result.median_ms <= measurement.target_ms
        result.verdict = "PASS" if ok else "FAIL"
    return result


def measure_all(measurements, *, runs: int, warmup: int) -> list[Result]:
    """Every page measurement over HTTP (jobs and in-process floors are left out)."""
    pages = [m for m in measurements if isinstance(m, Measurement)]
    skipped = [m for m in measurements if isinstance(m, Job | Floor)]
    if skipped:
        print(f"bench --http: {len(skipped)} jobs and floors left out (run without --http)")
    with serve() as port:
        return [run(port, m, runs=runs, warmup=warmup) for m in pages]
