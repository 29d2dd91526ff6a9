"""Production: secrets and hosts must come from the environment; HTTPS everywhere.

Passes `manage.py check --deploy` with no warnings.
"""

from crm.db_router import postgres_options
from crm.logging import logging_config

from .base import *  # noqa: F403
from .base import env

DEBUG = False
SECRET_KEY = env.str("SECRET_KEY")
if len(SECRET_KEY) < 50:
    # docker-compose passes an unset key through as "": refuse to start, never run on it.
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("SECRET_KEY must be set to 50 or more random characters.")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
# Production never falls back to the demo's SQLite and file-system broker.
# Persistent connections (checked before reuse) and a 30 s statement timeout by default;
# the slow-queue worker may be given a longer one (README, Operations).
DATABASE_STATEMENT_TIMEOUT_MS = env.int("DATABASE_STATEMENT_TIMEOUT_MS", default=30_000)
DATABASES = {
    "default": postgres_options(
        {
            **env.db_url("DATABASE_URL"),
            "CONN_MAX_AGE": env.int("CONN_MAX_AGE", default=60),
            "CONN_HEALTH_CHECKS": True,
        },
        statement_timeout_ms=DATABASE_STATEMENT_TIMEOUT_MS,
    )
}
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = postgres_options(
        {
            **env.db_url("DATABASE_REPLICA_URL"),
            "CONN_MAX_AGE": env.int("CONN_MAX_AGE", default=60),
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {"connect_timeout": env.int("DATABASE_REPLICA_CONNECT_TIMEOUT", default=2)},
        },
        statement_timeout_ms=DATABASE_STATEMENT_TIMEOUT_MS,
    )
# Query counts and timings for Prometheus (django-prometheus' wrapper of the same backend).
for _alias in DATABASES.values():
    if _alias["ENGINE"] == "django.db.backends.postgresql":
        _alias["ENGINE"] = "django_prometheus.db.backends.postgresql"
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=env.str("REDIS_URL"))
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=env.str("REDIS_URL"))
CELERY_TASK_IGNORE_RESULT = False
CELERY_BROKER_TRANSPORT_OPTIONS = {}
# REDIS_URL is required (above): base.py's cache is then Redis, shared by all web
# processes, so API rate limits hold across them.
LOG_FORMAT = env.str("LOG_FORMAT", default="json")
LOGGING = logging_config(LOG_FORMAT, env.str("LOG_LEVEL", default="INFO"))

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Probes and the metrics scraper talk plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"
