"""`make bench`: production-like settings on a dedicated PostgreSQL database.

DEBUG is off, and the cache and sessions live in Redis as in production, so the measured
times and query counts are the ones users get. Only what would slow the data generator down
without changing what is measured differs: a fast password hasher and eager Celery.
"""

import warnings

from crm.db_router import postgres_options

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS, env

DEBUG = False
# The cache and sessions as production has them with Redis (crm.settings.base): sessions
# read from the shared cache, written through to the database. BENCH_REDIS_URL="" measures
# without (a per-process cache, a session query per request).
_BENCH_REDIS = env.str("BENCH_REDIS_URL", default="redis://127.0.0.1:6379/6")
if _BENCH_REDIS:
    CACHES = {
        "default": {
            "BACKEND": "crm.cache.SharedClientRedisCache",
            "LOCATION": _BENCH_REDIS,
            "KEY_PREFIX": "bench",
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
SECRET_KEY = env.str("SECRET_KEY", default="bench-secret-key-" + "b" * 40)
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]
# The product's URLs plus the floor page the bench measures every figure against.
ROOT_URLCONF = "bench.urls"

DATABASES = {
    "default": env.db_url(
        "BENCH_DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/crm_bench"
    ),
}
DATABASES["default"]["CONN_MAX_AGE"] = 60
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# The production connection options (JIT off), without the statement timeout: the
# generator's bulk statements run for minutes.
DATABASES["default"] = postgres_options(DATABASES["default"], statement_timeout_ms=0)

# Thousands of generated users share one precomputed hash; MD5 keeps force_login and any
# password check cheap. Never used outside the benchmark and the tests.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"
CELERY_BROKER_TRANSPORT_OPTIONS = {}
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True

# Nothing is collected: static files are not measured, so WhiteNoise need not warn.
warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Quiet: the report is the output. Server errors still print their traceback.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "django.security": {"level": "ERROR"},
        "axes": {"level": "ERROR"},
    },
}
# Pages are measured through force_login'd admins and heads: no enrolment step in between.
OTP_REQUIRED_ROLES: list[str] = []
