"""Settings shared by every environment.

All configuration is read once, here, from the environment (12-factor). The defaults are
the embedded demo ones: SQLite and a file-system Celery broker, so `make run` needs no
server. `production.py` refuses to start without real values.
"""

import re
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF

from crm import periodic
from crm.db_router import postgres_options
from crm.logging import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
# ENV_FILE lets a deployment (or a test) name another file than the checkout's .env.
environ.Env.read_env(env.str("ENV_FILE", default=str(BASE_DIR / ".env")), overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="insecure-demo-key-change-me-" + "x" * 32)
# The salt of the hashes erased people's numbers stay on the do-not-call list as
# (`risk.models.phone_hash`); empty: SECRET_KEY. Never change it once set.
DO_NOT_CALL_HASH_KEY = env.str("DO_NOT_CALL_HASH_KEY", default="")
# The demo's made-up center says so on every page (crm.settings.local turns it on).
DEMO_MODE = False
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    # Two-factor sign-in (crm/two_factor): TOTP apps and one-time recovery codes.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_prometheus",
    "csp",
    "crm",
    "leads",
    "orders",
    "aftersales",
    "calling",
    "customers",
    "performance",
    "training",
    "risk",
    "privacy",
    "configuration",
]

MIDDLEWARE = [
    # First: one request id for the logs, the audit trail and the answer (crm/logging.py).
    "crm.logging.RequestIdMiddleware",
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Content-Security-Policy on every page Django answers (static files need none).
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # request.user.is_verified(): the session passed the second step (django-otp), and
    # the gate that keeps a session at that step until it does (crm/two_factor).
    "django_otp.middleware.OTPMiddleware",
    "crm.two_factor.middleware.TwoFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Who changed what: the request's user, id and address for the audit trail.
    "risk.audit.AuditMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    # Last, so it sees the outcome of authentication (django-axes' requirement).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "crm.urls"
WSGI_APPLICATION = "crm.wsgi.application"
ASGI_APPLICATION = "crm.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "crm.context_processors.navigation",
                "crm.demo_banner.demo_mode",
                # The settings nav beside the apps' own settings pages (do-not-call, keys).
                "configuration.context_processors.settings_nav",
            ],
            # {% url %} that remembers each URL's shape (a list page links every row).
            "builtins": ["crm.templatetags.fast_urls"],
        },
    },
]

# --- Database ---------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'crm.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web, worker and beat share one file: WAL plus IMMEDIATE transactions keep writers
    # from failing with "database is locked" under the demo's light concurrency.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# A statement running longer is cancelled by PostgreSQL (0: no limit; production: 30 s).
# Set it higher for the slow-queue worker (imports, recomputes): see README, Operations.
DATABASE_STATEMENT_TIMEOUT_MS = env.int("DATABASE_STATEMENT_TIMEOUT_MS", default=0)
DATABASES["default"] = postgres_options(
    DATABASES["default"], statement_timeout_ms=DATABASE_STATEMENT_TIMEOUT_MS
)
# A streaming replica for reads that tolerate lag (dashboards): crm.db_router.reading().
if env.str("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = postgres_options(
        {
            **env.db_url("DATABASE_REPLICA_URL"),
            "CONN_MAX_AGE": env.int("CONN_MAX_AGE", default=60),
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {"connect_timeout": env.int("DATABASE_REPLICA_CONNECT_TIMEOUT", default=2)},
            "TEST": {"MIRROR": "default"},
        },
        statement_timeout_ms=DATABASE_STATEMENT_TIMEOUT_MS,
    )
# How often each process asks the replica how far behind it is (crm.db_router): a lagging
# or unreachable replica is left for the primary until the next check.
DATABASE_REPLICA_CHECK_SECONDS = env.int("DATABASE_REPLICA_CHECK_SECONDS", default=5)
DATABASE_ROUTERS = ["crm.db_router.PrimaryReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Covering indexes (INCLUDE) are a PostgreSQL read optimization; on the SQLite demo they are
# plain indexes, which is all it needs.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# --- Auth -------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "risk.spraying.SprayGuardBackend",
    "axes.backends.AxesStandaloneBackend",
    "crm.auth.MemberBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=12 * 3600)  # one long shift
# Shared workstations: sign out when the browser closes (the age still bounds a session).
SESSION_EXPIRE_AT_BROWSER_CLOSE = env.bool("SESSION_EXPIRE_AT_BROWSER_CLOSE", default=False)

# Two-factor sign-in (crm/two_factor, README "Risk controls"): these roles must enrol an
# authenticator app before reaching anything; others may, from their account menu. Anyone
# with a confirmed device enters a code after the password. Wrong codes wait 1, 2, 4, 8 … s.
OTP_REQUIRED_ROLES = env.list("OTP_REQUIRED_ROLES", default=["admin", "department_head"])
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Telesales CRM")
OTP_TOTP_THROTTLE_FACTOR = env.int("OTP_TOTP_THROTTLE_FACTOR", default=1)
OTP_STATIC_THROTTLE_FACTOR = env.int("OTP_STATIC_THROTTLE_FACTOR", default=1)
# The secret keys never show in the Django admin (devices are reset from the member page).
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# Failed sign-ins are throttled per username and address (django-axes).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# One address failing for this many different accounts within the cool-off is refused for
# all of them (risk.spraying): one password tried across every username.
AXES_SPRAY_ACCOUNT_LIMIT = env.int("AXES_SPRAY_ACCOUNT_LIMIT", default=10)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Behind N reverse proxies, count the client address from X-Forwarded-For (0: none).
AXES_IPWARE_PROXY_COUNT = env.int("PROXY_COUNT", default=0) or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if AXES_IPWARE_PROXY_COUNT else ("REMOTE_ADDR",)
)

# --- Internationalization ---------------------------------------------------------------
LANGUAGE_CODE = env.str("LANGUAGE_CODE", default="zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static files: served by the app itself (WhiteNoise), never a CDN --------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "staticfiles")
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
# Course materials (stored under MEDIA_ROOT/training/, served only to signed-in staff).
TRAINING_MATERIAL_MAX_BYTES = env.int("TRAINING_MATERIAL_MAX_BYTES", default=50 * 1024 * 1024)
# An .xlsx import may unpack to at most this much (zip bombs; leads/services/import_files.py).
IMPORT_XLSX_MAX_UNPACKED_BYTES = env.int("IMPORT_XLSX_MAX_UNPACKED_BYTES", default=512 * 1024**2)
# Managers hear of agents still onboarding this many days after they were hired.
TRAINING_ONBOARDING_ALERT_DAYS = env.int("TRAINING_ONBOARDING_ALERT_DAYS", default=14)
# Overdue installments reach the team manager once they are this many days late.
RECEIVABLES_ESCALATION_DAYS = env.int("RECEIVABLES_ESCALATION_DAYS", default=30)
# Performance: an agent whose scorecard total is below this is suggested an improvement plan.
PERFORMANCE_IMPROVEMENT_BELOW = env.int("PERFORMANCE_IMPROVEMENT_BELOW", default=60)
# Dashboards reuse a team's period-wide figures (funnel, satisfaction trend, live sums) this
# long; today's figures and overdue work are always live. 0 computes them on every view.
PERFORMANCE_DASHBOARD_CACHE_SECONDS = env.int("PERFORMANCE_DASHBOARD_CACHE_SECONDS", default=60)
# The wallboard's shared snapshot of a team is recomputed at most this often (seconds); the
# page polls every 2.5 s, so a change shows within 5 s.
WALLBOARD_SNAPSHOT_SECONDS = env.float("WALLBOARD_SNAPSHOT_SECONDS", default=2.0)
# The lead policy and calling hours, kept this long per process (crm/config.py); 0: off.
CONFIG_CACHE_SECONDS = env.int("CONFIG_CACHE_SECONDS", default=10)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Content-Security-Policy (django-csp) -------------------------------------------------
# Everything the pages use is served by the app itself: no inline script, no <style> block,
# no style="" or on*="" attribute, no eval (htmx is told not to inject its indicator style
# nor to eval, by the htmx-config meta tag in base.html). Scripts read their data from
# json_script blocks and data- attributes; dynamic widths are classes (crm.css, `pct_class`).
# The API docs run under it unchanged (crm.apis.api_docs); DRF's browsable API adds only
# the hashes of its templates' fixed style attributes (crm.renderers). tests/crm/test_csp*.py
# hold every page to it, as every role, in a real browser.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

# --- REST API -----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an unauthenticated API call answers 401 with WWW-Authenticate.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["crm.api_defaults.IsActiveStaff"],
    "DEFAULT_FILTER_BACKENDS": [
        "crm.filters.FilterBackend",
        "rest_framework.filters.OrderingFilter",
        "rest_framework.filters.SearchFilter",
    ],
    # DRF's own two, the HTML one allowed its fixed style attributes by hash (CSP).
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "crm.renderers.BrowsableAPIRenderer",
    ],
    # Request bodies are JSON; only the upload endpoints (imports, course materials) take
    # multipart, each naming its parser. One body format per operation keeps generated
    # clients simple (tests/crm/test_api_client.py).
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DEFAULT_PAGINATION_CLASS": "crm.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "crm.api_defaults.exception_handler",
    # Per signed-in user (token or session) and per address for anonymous calls.
    # (rates: API_RATE_USER, API_RATE_ANON below, read per request).
    "DEFAULT_THROTTLE_CLASSES": [
        "risk.throttles.PerUserThrottle",
        "risk.throttles.PerAddressThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {"token": "10/min", "token_account": "10/min"},
}
API_RATE_USER = env.str("API_RATE_USER", default="600/min")
API_RATE_ANON = env.str("API_RATE_ANON", default="60/min")
# The schema and /api/docs/ need a signed-in member unless opened here.
API_SCHEMA_PUBLIC = env.bool("API_SCHEMA_PUBLIC", default=False)
SPECTACULAR_SETTINGS = {
    "TITLE": "Telesales CRM API",
    "DESCRIPTION": "Leads, follow-ups, orders, after-sales, performance and training for "
    "telesales call centers. Every list is scoped to what the caller may see.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["crm.api_defaults.SchemaAccess"],
    "SWAGGER_UI_DIST": "SIDECAR",
    # No "valid" badge fetched from validator.swagger.io: it would send the schema's address
    # out, and the CSP (img-src 'self') refuses it anyway.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # drf-spectacular's enum hook, then ours (crm.schema): a schema a generated client and
    # openapi-spec-validator accept.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "crm.schema.postprocess_schema",
    ],
    # Member status is served both whole and as the subset a new hire may start with;
    # naming the whole set keeps the two enums from colliding in the schema.
    # Several models share field names ("kind", "status", "channel") with different choice
    # sets; each gets a stable, meaningful enum name instead of a hash suffix.
    "ENUM_NAME_OVERRIDES": {
        "TicketStatusEnum": "aftersales.models.TicketStatus",
        "AgentStateEnum": "calling.models.AgentState",
        "StateSourceEnum": "calling.models.StateSource",
        "RevisitStatusEnum": "aftersales.models.RevisitStatus",
        "ImprovementStatusEnum": "aftersales.models.ImprovementItem.Status",
        "TicketEventKindEnum": "aftersales.models.TicketEvent.Kind",
        "MemberStatusEnum": "crm.models.MemberStatus",
        "RoleEnum": "crm.models.Role",
        "DepartmentKindEnum": "crm.models.Department.Kind",
        "SkillKindEnum": "crm.models.Skill.Kind",
        "MemberEventKindEnum": "crm.models.MemberEvent.Kind",
        "LeadChannelEnum": "leads.models.Channel",
        "LeadStatusEnum": "leads.models.LeadStatus",
        "FollowUpChannelEnum": "leads.models.FollowUpChannel",
        "ScoringRuleKindEnum": "leads.models.ScoringRule.Kind",
        "AssignmentKindEnum": "leads.models.Assignment.Kind",
        "ImportJobStatusEnum": "leads.models.ImportJob.Status",
        "ImportJobKindEnum": "leads.models.ImportJob.Kind",
        "DoNotCallSourceEnum": "risk.models.DoNotCall.Source",
        "CourseKindEnum": "training.models.CourseKind",
        "EnrollmentStatusEnum": "training.models.EnrollmentStatus",
        "PromotionProposalStatusEnum": "training.models.ProposalStatus",
        "ScriptStageEnum": "training.models.ScriptStage",
        "CaseOutcomeEnum": "training.models.CaseOutcome",
        "OrderStatusEnum": "orders.models.OrderStatus",
        "CallDirectionEnum": "leads.models.Call.Direction",
        "CustomerKindEnum": "customers.models.CustomerKind",
        "ContactKindEnum": "customers.models.ContactKind",
        "PaymentKindEnum": "orders.models.money.PaymentKind",
        "ProductKindEnum": "orders.models.Product.Kind",
        "OrderEventKindEnum": "orders.models.OrderEvent.Kind",
        "PhoneRevealPurposeEnum": "risk.models.PhoneReveal.Purpose",
        "RiskEventKindEnum": "risk.models.RiskEvent.Kind",
        "AuditEntryActionEnum": "risk.models.AuditEntry.Action",
        "IncentiveKindEnum": "performance.models.Incentive.Kind",
        "EvaluationRatingKindEnum": "performance.models.EvaluationRating.Kind",
        "CoachingSessionKindEnum": "performance.models.CoachingSession.Kind",
        "SubjectRequestKindEnum": "privacy.models.RequestKind",
        "SubjectRequestStatusEnum": "privacy.models.RequestStatus",
        "RequestEventKindEnum": "privacy.models.RequestEvent.Kind",
    },
}

# --- Celery -------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
# The demo's broker needs no server: messages are files under var/. The host part only
# keeps kombu from warning that none was given.
FILESYSTEM_BROKER_URL = "filesystem://localhost//"
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or FILESYSTEM_BROKER_URL)
CELERY_BROKER_TRANSPORT_OPTIONS = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "control_folder": str(VAR_DIR / "broker-control"),
    }
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL or None)
CELERY_TASK_IGNORE_RESULT = not CELERY_RESULT_BACKEND
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# Two queues: slow jobs (imports, assignment runs, hand-overs, KPI recomputes, exports)
# must not hold up fast ones (reminders, notifications, sweeps). Tasks whose name matches
# one of CELERY_SLOW_TASKS go to the slow queue (crm.celery.route_task), every other to
# the fast one. A worker consumes what `-Q` names: `-Q fast,slow` for one worker doing all.
CELERY_FAST_QUEUE = env.str("CELERY_FAST_QUEUE", default="fast")
CELERY_SLOW_QUEUE = env.str("CELERY_SLOW_QUEUE", default="slow")
CELERY_TASK_DEFAULT_QUEUE = CELERY_FAST_QUEUE
CELERY_SLOW_TASKS = [
    "leads.tasks.import*",
    "leads.tasks.assign_pending_leads",
    "leads.tasks.handover*",
    "performance.tasks.recompute*",
    "*.tasks.export*",
    "crm.tasks.headcount_snapshot_take",
    "customers.tasks.tiers_recompute",
]
CELERY_TASK_ROUTES = ("crm.celery.route_task",)
# Django's LOGGING (below) formats the worker's logs too.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# A worker serves its Prometheus metrics on this port (0: not served); crm/metrics.py.
CELERY_METRICS_PORT = env.int("CELERY_METRICS_PORT", default=0)
CELERY_METRICS_ADDR = env.str("CELERY_METRICS_ADDR", default="0.0.0.0")  # noqa: S104
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Each app declares its periodic tasks in `<app>/periodic.py`; beat runs them all.
CELERY_BEAT_SCHEDULE = periodic.collect(
    [
        "crm",
        "leads",
        "orders",
        "aftersales",
        "calling",
        "customers",
        "performance",
        "training",
        "risk",
        "privacy",
    ]
)

# --- Cache: shared (Redis) when there is one, so API rate limits hold across web
# processes; else per process. (Sign-in lockouts are rows in the database: shared anyway.)
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's Redis cache, with one client per process (crm/cache.py).
            "BACKEND": "crm.cache.SharedClientRedisCache",
            # Not the broker's database: a cache.clear() must never drop queued tasks.
            "LOCATION": env.str("CACHE_URL", default=re.sub(r"/\d*$", "", REDIS_URL) + "/1"),
            "KEY_PREFIX": "crm",
        }
    }
    # Sessions are read from the shared cache and written through to the database (which
    # keeps them across a cache flush): no session query on a request. Ending someone's
    # sessions goes through the session store, so both copies go (crm.services).
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Metrics (crm/metrics.py): /metrics answers these addresses or the bearer token ---------
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=["127.0.0.1/32", "::1/128"])
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# Proxies whose X-Forwarded-For is believed for /metrics (addresses or networks; none by
# default: a proxied request then needs the token).
METRICS_TRUSTED_PROXIES = env.list("METRICS_TRUSTED_PROXIES", default=[])

# --- Logging ------------------------------------------------------------------------------
# LOG_FORMAT: text (default) or json (one object per line; production's default). Both carry
# the request id and have phone numbers and names removed (crm/logging.py).
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
LOGGING = logging_config(LOG_FORMAT, env.str("LOG_LEVEL", default="INFO"))
