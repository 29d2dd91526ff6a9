"""Tests: PostgreSQL and Redis when reachable, else SQLite and the in-memory broker.

In CI (`CI=true`) both servers are required: a missing one is an error, not a skip.
"""

import os
import socket
from urllib.parse import urlparse

from .base import *  # noqa: F403
from .base import BASE_DIR, env

CI = env.bool("CI", default=False)


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=1
        ):
            return True
    except OSError:
        return False


_pg_url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/crm")
if _reachable(_pg_url, 5432):
    DATABASES = {"default": env.db_url_config(_pg_url)}
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("TEST_DATABASE_NAME", "test_crm")}
    # A statement waiting on a lock fails after a minute instead of hanging the run (a
    # test's flush once waited behind another test's open transaction until killed).
    DATABASES["default"]["OPTIONS"] = {"options": "-c lock_timeout=60000"}
    if os.environ.get("DATABASE_REPLICA_URL"):  # tests/ops/test_replica.py's probe
        DATABASES["replica"] = {
            **env.db_url_config(os.environ["DATABASE_REPLICA_URL"]),
            "OPTIONS": {"connect_timeout": 2},
            "TEST": {"MIRROR": "default"},
        }
elif CI:
    raise RuntimeError(f"CI requires PostgreSQL at {_pg_url}, which is not reachable")
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}

_redis_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
REDIS_AVAILABLE = _reachable(_redis_url, 6379)
if not REDIS_AVAILABLE and CI:
    raise RuntimeError(f"CI requires Redis at {_redis_url}, which is not reachable")
REDIS_URL = _redis_url if REDIS_AVAILABLE else ""
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_BROKER_TRANSPORT_OPTIONS = {}
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_IGNORE_RESULT = False
CELERY_TASK_ALWAYS_EAGER = False
# Runs of the suite side by side (on one Redis), and the processes of one run
# (pytest-xdist: gw0, gw1, …; each has its own database), must not take each other's tasks.
CELERY_TASK_DEFAULT_QUEUE = (
    "test-"
    + os.environ.get("TEST_DATABASE_NAME", "test_crm")
    + os.environ.get("PYTEST_XDIST_WORKER", "")
)
# One queue for fast and slow tasks alike: the test worker consumes it (crm.celery.route_task).
CELERY_FAST_QUEUE = CELERY_SLOW_QUEUE = CELERY_TASK_DEFAULT_QUEUE
# Per process, never the shared Redis: tests clear the cache, side-by-side runs must not mix.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Production's sessions (read from the cache) with or without Redis: query counts hold.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# The fuzz harness reads /api/schema/ while collecting tests, before any user exists; the
# sign-in requirement itself is tested with this set back to False.
API_SCHEMA_PUBLIC = True
DEBUG = False
SECRET_KEY = "test-secret-key-" + "t" * 40
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "tests.support.InMemoryStorage"},  # a handle per open(), as on disk
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = BASE_DIR / "var" / "test-media"
AXES_FAILURE_LIMIT = 5
# Tests sign admins and heads in with force_login: enrolment is required only where a test
# asks for it (tests/crm/test_two_factor*.py set it back). A user with a device is still
# asked for the code.
OTP_REQUIRED_ROLES: list[str] = []
LANGUAGE_CODE = "en"
LOGGING = {"version": 1, "disable_existing_loggers": False}
# Policies read fresh on every call: tests change them with QuerySet.update() too.
CONFIG_CACHE_SECONDS = 0
