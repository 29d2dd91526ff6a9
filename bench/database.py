"""Make sure the benchmark database exists, before Django (or `migrate`) connects to it.

Run as `python -m bench.database` with DJANGO_SETTINGS_MODULE=crm.settings.bench. Exits 1
with a readable message when PostgreSQL is not reachable, so `make bench` fails clearly
instead of with a driver traceback.
"""

from __future__ import annotations

import sys

import psycopg
from psycopg import sql


def _server_params(db: dict) -> dict:
    """Connection parameters for the server's maintenance database `postgres`."""
    params = {
        "host": db.get("HOST") or None,
        "port": db.get("PORT") or None,
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
        "dbname": "postgres",
        "connect_timeout": 5,
    }
    return {key: value for key, value in params.items() if value is not None}


def ensure_database(db: dict) -> bool:
    """Create the database named in `db` (a Django DATABASES entry) if missing.

    Returns True when it was created.
    """
    name = db["NAME"]
    with psycopg.connect(**_server_params(db), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists:
            return False
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return True


def main() -> int:
    from django.conf import settings

    db = settings.DATABASES["default"]
    where = f"{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}"
    if db["ENGINE"] != "django.db.backends.postgresql":
        print(f"bench: BENCH_DATABASE_URL must point to PostgreSQL, not {db['ENGINE']}.")
        return 1
    try:
        created = ensure_database(db)
    except psycopg.OperationalError as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
        print(
            f"bench: PostgreSQL is not reachable at {where} as {db.get('USER') or '(default)'}"
            f" ({first_line}).\n"
            "bench: start PostgreSQL or set BENCH_DATABASE_URL, e.g.\n"
            "       BENCH_DATABASE_URL=postgres://user:password@host:5432/crm_bench make bench",
            file=sys.stderr,
        )
        return 1
    if created:
        print(f"bench: created database {db['NAME']} on {where}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
