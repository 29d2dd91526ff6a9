"""Gunicorn settings for production: `gunicorn -c crm/gunicorn.conf.py crm.wsgi:application`.

Everything can be changed from the environment:

    GUNICORN_BIND           0.0.0.0:8000
    WEB_CONCURRENCY         worker processes (default 2 × CPUs + 1)
    WEB_THREADS             threads per worker (default 1: sync workers)
    WEB_TIMEOUT             seconds a request may take before its worker is restarted (60)
    WEB_GRACEFUL_TIMEOUT    on SIGTERM, seconds to finish the requests in flight (30)
    WEB_MAX_REQUESTS        a worker is replaced after this many requests (1000, ± jitter),
                            so slow leaks never grow; 0 turns it off
    WEB_ACCESS_LOG          "1": one access line per request on stdout (default off:
                            the application logs requests it has something to say about,
                            with their request id; Prometheus counts all of them)

Graceful shutdown: SIGTERM (docker stop, systemd stop) stops accepting connections and
lets each worker finish its current requests for up to WEB_GRACEFUL_TIMEOUT seconds.
With PROMETHEUS_MULTIPROC_DIR set, the directory is emptied at start and a dead worker's
gauges are dropped (prometheus_client multiprocess mode).
"""

import multiprocessing
import os
from pathlib import Path


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")  # behind the reverse proxy
workers = _int("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1)
threads = _int("WEB_THREADS", 1)
timeout = _int("WEB_TIMEOUT", 60)
graceful_timeout = _int("WEB_GRACEFUL_TIMEOUT", 30)
keepalive = 5
max_requests = _int("WEB_MAX_REQUESTS", 1000)
max_requests_jitter = max(1, max_requests // 10) if max_requests else 0
worker_tmp_dir = "/dev/shm" if Path("/dev/shm").is_dir() else None  # noqa: S108
accesslog = "-" if os.environ.get("WEB_ACCESS_LOG") == "1" else None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# Requests with huge headers are refused before Django sees them.
limit_request_line = 8190
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


if os.environ.get("LOG_FORMAT") == "json":
    # Gunicorn's own lines (and the access log, when on) as JSON too, redacted like the
    # application's (a path can hold a phone number).
    _json = {
        "()": "pythonjsonlogger.json.JsonFormatter",
        "fmt": "%(levelname)s %(name)s %(message)s",
        "rename_fields": {"levelname": "level", "name": "logger"},
        "timestamp": "time",
    }
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": "crm.logging.RedactFilter"}},
        "formatters": {"json": _json},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "filters": ["redact"],
                "stream": "ext://sys.stdout",
            },
            "error_console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "filters": ["redact"],
                "stream": "ext://sys.stderr",
            },
        },
        "loggers": {
            "gunicorn.error": {"handlers": ["error_console"], "level": "INFO", "propagate": False},
            "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
        },
    }


def on_starting(server):
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):
            stale.unlink()


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
