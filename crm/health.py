"""Liveness (`/healthz`) and readiness (`/readyz`).

* `/healthz`: the process is up and answers. No database, no broker: a restart would not
  cure an outage of those, so a liveness probe must not depend on them. Always 200.
* `/readyz`: may this process take traffic? The database answers, the Celery broker is
  reachable, every migration is applied (the plan to the code's latest migrations is
  empty), and the cache answers when it is a shared one (Redis). 200 with the details of
  each check, or 503 naming what failed (`failed`).
"""

import time

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .celery import app as celery_app

# Once every migration is applied it stays so for the life of this process (new
# migrations come with new code, that is with a new process): checked until then only.
_migrated = False


def _timed(check) -> dict:
    started = time.monotonic()
    try:
        details = check() or {}
    except Exception as error:  # any failure means "not ok"; the reason is reported
        return {"ok": False, "error": type(error).__name__}
    return {"ok": True, **details, "ms": round((time.monotonic() - started) * 1000, 1)}


def _database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {}


def _broker() -> dict:
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
        transport = conn.transport_cls
    return {"transport": str(transport)}


class MigrationsPending(Exception):
    pass


def _migrations() -> dict:
    global _migrated
    if _migrated:
        return {}
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        raise MigrationsPending(f"{len(plan)} migrations not applied")
    _migrated = True
    return {}


def _cache() -> dict:
    from django.core.cache import cache

    cache.set("readyz", "1", 5)
    if cache.get("readyz") != "1":
        raise RuntimeError("cache did not keep a value")
    return {}


def _shared_cache() -> bool:
    return "redis" in settings.CACHES["default"]["BACKEND"].lower()


@never_cache
@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def readyz(request):
    checks = {
        "database": _timed(_database),
        "broker": _timed(_broker),
        "migrations": _timed(_migrations),
    }
    if _shared_cache():
        checks["cache"] = _timed(_cache)
    failed = [name for name, check in checks.items() if not check["ok"]]
    body = {"status": "error" if failed else "ok", **checks}
    if failed:
        body["failed"] = failed
    return JsonResponse(body, status=503 if failed else 200)
