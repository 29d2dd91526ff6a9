"""bin/backup and bin/restore: what was backed up is there after a restore into another
database. PostgreSQL and its client tools are required (CI: a failure, not a skip)."""

import os
import shutil
import subprocess
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from tests.factories import DepartmentFactory
from tests.leads.factories import LeadFactory
from tests.support import unavailable

REPO = Path(__file__).resolve().parents[2]


def _url(database: str) -> str:
    config = connection.settings_dict
    auth = quote(config["USER"] or "")
    if config.get("PASSWORD"):
        auth += ":" + quote(config["PASSWORD"])
    host = config.get("HOST") or "127.0.0.1"
    port = config.get("PORT") or 5432
    return f"postgresql://{auth}@{host}:{port}/{database}"


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        unavailable("backup and restore need PostgreSQL")
    for tool in ("pg_dump", "pg_restore"):
        if shutil.which(tool) is None:
            unavailable(f"{tool} is not on PATH")


@pytest.fixture
def scratch_database(postgres):
    import psycopg

    name = f"{connection.settings_dict['NAME']}_restore_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(_url("postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield name
    finally:
        with psycopg.connect(_url("postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _run(*args: str, **env: str) -> str:
    result = subprocess.run(
        [str(REPO / "bin" / args[0]), *args[1:]],
        cwd=REPO,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip()


@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_into_a_scratch_database(scratch_database, tmp_path):
    import psycopg

    marker = f"备份-{uuid.uuid4().hex[:8]}"
    DepartmentFactory(name=marker)
    leads = [LeadFactory(company=marker) for _ in range(3)]

    dump = Path(
        _run(
            "backup", DATABASE_URL=_url(connection.settings_dict["NAME"]), BACKUP_DIR=str(tmp_path)
        )
    )
    assert dump.parent == tmp_path and dump.suffix == ".dump" and dump.stat().st_size > 0
    assert not list(tmp_path.glob("*.partial"))

    _run("restore", str(dump), _url(scratch_database))
    with psycopg.connect(_url(scratch_database)) as restored:
        departments = restored.execute(
            "SELECT count(*) FROM crm_department WHERE name = %s", [marker]
        ).fetchone()[0]
        phones = {
            row[0]
            for row in restored.execute(
                "SELECT phone FROM leads_lead WHERE company = %s", [marker]
            ).fetchall()
        }
        migrations = restored.execute("SELECT count(*) FROM django_migrations").fetchone()[0]
    assert departments == 1
    assert phones == {lead.phone for lead in leads}
    assert migrations > 10

    # Restoring again over the restored copy (--clean --if-exists) works and adds nothing.
    _run("restore", str(dump), _url(scratch_database))
    with psycopg.connect(_url(scratch_database)) as restored:
        count = restored.execute(
            "SELECT count(*) FROM leads_lead WHERE company = %s", [marker]
        ).fetchone()[0]
    assert count == 3


def test_backup_refuses_a_database_that_is_not_postgresql(tmp_path):
    result = subprocess.run(
        [str(REPO / "bin" / "backup")],
        cwd=REPO,
        env={**os.environ, "DATABASE_URL": "sqlite:////tmp/x.sqlite3", "BACKUP_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2 and "only PostgreSQL" in result.stderr
