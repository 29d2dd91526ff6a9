"""Scale-out, exercised: dashboards and reports read a real streaming replica, and fall back
to the primary when it lags past the admin-set seconds or is down.

The test starts a primary and a streaming replica of it (`initdb`, `pg_basebackup -R`) on
free ports under a temporary directory, with PostgreSQL's own tools (Debian's
postgresql package; in CI, as `.ci/run` installs it, a missing tool fails the test). The
primary gets the test database's schema and fixed rows (`pg_dump`), then a process of its
own (`tests/ops/replica_probe.py`) with DATABASE_URL and DATABASE_REPLICA_URL set seeds
and reads, as a web process would.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from tests.support import unavailable

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.django_db]


def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    if found:
        return Path(found[0]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_postgres(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    """PostgreSQL's server tools refuse to run as root: run them as `postgres` then."""
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--", *args]
    return subprocess.run(args, check=True, capture_output=True, text=True, **kwargs)


class Cluster:
    def __init__(self, bin_dir: Path, data: Path, port: int) -> None:
        self.bin, self.data, self.port = bin_dir, data, port

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/crm"

    def start(self) -> None:
        _as_postgres(
            [
                str(self.bin / "pg_ctl"),
                "-D",
                str(self.data),
                "-l",
                f"{self.data}.log",
                "-w",
                "-t",
                "60",
                "start",
            ]
        )

    def stop(self) -> None:
        subprocess.run(
            (["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else [])
            + [str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"],
            capture_output=True,
        )

    def sql(self, statement: str):
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=postgres dbname=crm") as db:
            db.autocommit = True
            return db.execute(statement).fetchone()


@pytest.fixture(scope="module")
def clusters(django_db_setup, django_db_blocker):
    bin_dir = _pg_bin()
    if bin_dir is None or connection.vendor != "postgresql":
        unavailable("PostgreSQL's server tools (initdb, pg_basebackup) and PostgreSQL")
    base = Path(tempfile.mkdtemp(prefix="crm-replica-"))
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
    primary = Cluster(bin_dir, base / "primary", _free_port())
    replica = Cluster(bin_dir, base / "replica", _free_port())
    try:
        _as_postgres(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(primary.data),
                "-U",
                "postgres",
                "--auth=trust",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ]
        )
        with open(primary.data / "postgresql.conf", "a") as conf:
            conf.write(
                f"port = {primary.port}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{base}'\nwal_level = replica\n"
                "max_wal_senders = 4\nfsync = off\nfull_page_writes = off\n"
            )
        primary.start()
        _as_postgres([str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(primary.port), "crm"])
        # The test database's schema and the rows its migrations made (indicators, …).
        with django_db_blocker.unblock():
            name = connection.settings_dict["NAME"]
        settings = connection.settings_dict
        dump = subprocess.run(
            [
                str(bin_dir / "pg_dump"),
                "-h",
                settings["HOST"] or "127.0.0.1",
                "-p",
                str(settings["PORT"] or 5432),
                "-U",
                settings["USER"] or "postgres",
                "--no-owner",
                "--no-privileges",
                name,
            ],
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(
            [
                str(bin_dir / "psql"),
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                "127.0.0.1",
                "-p",
                str(primary.port),
                "-U",
                "postgres",
                "crm",
            ],
            input=dump,
            check=True,
            capture_output=True,
        )
        _as_postgres(
            [
                str(bin_dir / "pg_basebackup"),
                "-h",
                "127.0.0.1",
                "-p",
                str(primary.port),
                "-U",
                "postgres",
                "-D",
                str(replica.data),
                "-R",
                "-X",
                "stream",
                "--no-sync",
                "-c",
                "fast",
            ]
        )
        with open(replica.data / "postgresql.auto.conf", "a") as conf:
            conf.write(f"port = {replica.port}\n")
        replica.start()
        yield primary, replica
    finally:
        replica.stop()
        primary.stop()
        shutil.rmtree(base, ignore_errors=True)


def _probe(primary: Cluster, replica: Cluster, *args: str) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "crm.settings.test",
        "DATABASE_URL": primary.url,
        "DATABASE_REPLICA_URL": replica.url,
    }
    done = subprocess.run(
        [sys.executable, "-m", "tests.ops.replica_probe", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    line = next(ln for ln in done.stdout.splitlines() if ln.startswith("PROBE "))
    return json.loads(line.removeprefix("PROBE "))


def _caught_up(primary: Cluster, replica: Cluster) -> None:
    target = primary.sql("SELECT pg_current_wal_lsn()::text")[0]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if replica.sql(f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn")[0]:
            return
        time.sleep(0.1)
    raise AssertionError("the replica did not catch up within 30 s")


def test_dashboards_and_reports_read_the_replica_and_fall_back(clusters):
    primary, replica = clusters
    assert replica.sql("SELECT pg_is_in_recovery()")[0] is True

    _probe(primary, replica, "seed")
    _probe(primary, replica, "lag", "2")
    _caught_up(primary, replica)

    # Fresh enough: every page's reads after sign-in are the replica's.
    pages = _probe(primary, replica, "read")
    for name, page in pages.items():
        assert page["status"] == 200, (name, page)
        assert page["replica"] > 0, (name, page)
    assert pages["team dashboard API"]["followups_today"] == 3

    # Replay paused while the primary moves on: past 2 s behind, the primary serves, and
    # the page shows the new follow-up the replica has not replayed.
    replica.sql("SELECT pg_wal_replay_pause()")
    _probe(primary, replica, "followup")
    time.sleep(3)
    pages = _probe(primary, replica, "read")
    for name, page in pages.items():
        assert page["status"] == 200, (name, page)
        assert page["replica"] == 0, (name, page)
        assert page["primary"] > 0, (name, page)
    assert pages["team dashboard API"]["followups_today"] == 4

    # Caught up again: back on the replica.
    replica.sql("SELECT pg_wal_replay_resume()")
    _caught_up(primary, replica)
    pages = _probe(primary, replica, "read")
    assert all(page["replica"] > 0 for page in pages.values()), pages
    assert pages["team dashboard API"]["followups_today"] == 4

    # Down: the pages still answer, from the primary.
    replica.stop()
    pages = _probe(primary, replica, "read")
    for name, page in pages.items():
        assert page["status"] == 200, (name, page)
        assert page["replica"] == 0, (name, page)
    assert pages["team dashboard API"]["followups_today"] == 4
