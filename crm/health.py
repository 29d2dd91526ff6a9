"""Liveness and readiness: is the database answering, is the Celery broker reachable."""

import time

from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .celery import app as celery_app


def _database() -> dict:
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as error:  # any failure means "not ok"; the reason is reported
        return {"ok": False, "error": type(error).__name__}
    return {"ok": True, "ms": round((time.monotonic() - started) * 1000, 1)}


def _broker() -> dict:
    started = time.monotonic()
    try:
        with celery_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
            transport = conn.transport_cls
    except Exception as error:  # any failure means "not ok"; the reason is reported
        return {"ok": False, "error": type(error).__name__}
    return {
        "ok": True,
        "transport": str(transport),
        "ms": round((time.monotonic() - started) * 1000, 1),
    }


@never_cache
@require_GET
def healthz(request):
    checks = {"database": _database(), "broker": _broker()}
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503
    )
