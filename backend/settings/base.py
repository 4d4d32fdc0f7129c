"""Settings shared by every environment.

Everything that differs between machines comes from environment variables (documented in
README.md and .env.example). With none set, the project runs on embedded defaults: an SQLite
file database and kombu's filesystem broker under ``var/``, so a newcomer needs no server.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import dj_database_url
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("TOH_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "knox",
    "corsheaders",
    "axes",
    "django_htmx",
    "apps.core",
    "apps.accounts",
    "apps.consent",
    "apps.episodes",
    "apps.checkins",
    "apps.exercises",
    "apps.outcomes",
    "apps.assessments",
    "apps.treatments",
    "apps.flags",
    "apps.notifications",
    "apps.reminders",
    "apps.dashboard",
    "apps.progress",
    "apps.audit",
    "apps.intake",
    "apps.privacy",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Cache-Control: no-store on all that can carry patient data (apps/core/cache_control.py).
    "apps.core.cache_control.NoStoreMiddleware",
    # The language of the answer: the patient's, else Accept-Language, else the default
    # (apps/core/i18n.py); outside the error middleware, so its answers are translated too.
    "apps.core.i18n.LanguageMiddleware",
    # Every error answer under /api/ in the JSON error shape, 500s too (apps/core/api_errors.py).
    "apps.core.api_errors.ApiErrorMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Writes the access log of staff requests to patient data (apps/audit/middleware.py).
    "apps.audit.middleware.AccessLogMiddleware",
    # Refuses API writes that would collect data after consent is withdrawn (apps/consent/gate.py).
    "apps.consent.gate.ConsentGateMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last: turns a locked-out sign-in into the lockout answer (apps/accounts/lockout.py).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "backend.urls"
WSGI_APPLICATION = "backend.wsgi.application"
ASGI_APPLICATION = "backend.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.config(
        env="DATABASE_URL",
        default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
SQLITE_BUSY_TIMEOUT_SECONDS = int(os.environ.get("SQLITE_BUSY_TIMEOUT_SECONDS", "20"))
SQLITE_SYNCHRONOUS = os.environ.get("SQLITE_SYNCHRONOUS", "NORMAL").strip().upper()
if SQLITE_SYNCHRONOUS not in {"NORMAL", "FULL", "EXTRA"}:
    raise ValueError("SQLITE_SYNCHRONOUS must be NORMAL, FULL or EXTRA.")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Web (2 gunicorn processes), the Celery worker (prefork) and beat share the file. What
    # makes that safe (docs/operations.md):
    # - WAL: readers never block the writer and the writer never blocks readers;
    # - BEGIN IMMEDIATE: a transaction takes the write lock when it starts, waiting up to the
    #   busy timeout; a deferred one that reads, then writes, fails at once with "database is
    #   locked" when another process wrote in between (the busy handler cannot help there);
    # - the busy timeout (sqlite3's `timeout`, and the same PRAGMA) for the write lock and for
    #   autocommit writes; synchronous=NORMAL (SQLITE_SYNCHRONOUS) never corrupts in WAL mode
    #   and survives any process crash; a power loss may lose the last commits (FULL: not).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
            "transaction_mode": "IMMEDIATE",
            "init_command": ";".join(
                [
                    "PRAGMA journal_mode=WAL",
                    f"PRAGMA synchronous={SQLITE_SYNCHRONOUS}",
                    f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_SECONDS * 1000}",
                    "PRAGMA temp_store=MEMORY",
                    "PRAGMA cache_size=-20000",
                ]
            ),
        }
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0
# PostgreSQL behind PgBouncer in transaction pooling mode (docs/scaling.md): each transaction
# (or lone statement) may run on another server connection, so nothing may live in a session.
# - no server-side cursors: `.iterator()` would DECLARE a cursor that outlives its statement;
# - no prepared statements: psycopg 3 prepares a query run 5 times on a connection
#   (prepare_threshold); PgBouncer 1.18 cannot route them. Django's default client-side
#   binding never prepares; prepare_threshold=None makes that hold whatever the binding;
# - no SET / LISTEN / advisory locks outside a transaction: the code has none (SET LOCAL in
#   the cohort generator is transaction-scoped); the time zone Django sets on connect is one of
#   the parameters PgBouncer itself tracks and replays per client;
# - the connection to PgBouncer may persist (CONN_MAX_AGE): it is the pooler's client side;
# - CREATE/DROP DATABASE (the test runner) go straight to PostgreSQL: DATABASE_DIRECT_URL
#   (apps/core/db_backends/pgbouncer).
DATABASE_POOLER = os.environ.get("DATABASE_POOLER", "").strip().lower()
if DATABASE_POOLER not in {"", "pgbouncer"}:
    raise ValueError("DATABASE_POOLER must be empty or 'pgbouncer'.")
# (It applies to a PostgreSQL DATABASE_URL; the embedded SQLite file has no pooler.)
if (
    DATABASE_POOLER == "pgbouncer"
    and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
):
    DATABASES["default"]["ENGINE"] = "apps.core.db_backends.pgbouncer"
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = None
    if os.environ.get("DATABASE_DIRECT_URL"):
        _direct = dj_database_url.parse(os.environ["DATABASE_DIRECT_URL"])
        # DIRECT is the pgbouncer backend's own key (apps/core/db_backends/pgbouncer); the
        # stubs' DBConfig TypedDict knows only Django's keys.
        DATABASES["default"]["DIRECT"] = {  # type: ignore[typeddict-unknown-key]
            key: _direct[key] for key in ("HOST", "PORT", "USER", "PASSWORD")
        }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis, cache, broker --------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            # Fails open: a Redis outage must not turn every throttled request into a 500
            # (apps/core/cache.py).
            "BACKEND": "apps.core.cache.FailOpenRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "toh",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    # A file cache is shared by the web workers, so throttles and lockouts hold across them.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or REDIS_URL or "filesystem://"
CELERY_BROKER_FILESYSTEM_DIR = VAR_DIR / "broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    # kombu's filesystem transport with atomic message files (apps/core/filesystem_broker.py).
    CELERY_BROKER_TRANSPORT = "apps.core.filesystem_broker:Transport"
    # One folder for in and out: producer and consumer run on this host (see STACK.md).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_FILESYSTEM_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_FILESYSTEM_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_FILESYSTEM_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_FILESYSTEM_DIR / "control"),
        "store_processed": False,
    }
    # The transport needs its folders before anyone publishes or consumes.
    for _folder in ("queue", "processed", "control"):
        (CELERY_BROKER_FILESYSTEM_DIR / _folder).mkdir(parents=True, exist_ok=True)
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
# Queues split by kind (docs/scaling.md): with a name here, the provider calls (push, SMS,
# e-mail) go to that queue, for workers of their own (`celery worker -Q <name>`); the rest
# stay on the default queue "celery". Empty: one queue for everything.
CELERY_DELIVERIES_QUEUE = os.environ.get("CELERY_DELIVERIES_QUEUE", "").strip()
if CELERY_DELIVERIES_QUEUE:
    CELERY_TASK_ROUTES = {
        "notifications.deliver_notification": {"queue": CELERY_DELIVERIES_QUEUE},
        "notifications.deliver_notifications": {"queue": CELERY_DELIVERIES_QUEUE},
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 120
CELERY_TASK_TIME_LIMIT = 180
CELERY_TIMEZONE = "UTC"
# Workers log through settings.LOGGING (its handlers carry the health-data filter): Celery
# keeps its hands off the root logger, and its own "celery.task" logger is configured there.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_ENABLE_UTC = True
CELERY_BEAT_SCHEDULE: dict[str, dict] = {}
# Flag engine (apps.flags, docs/flags.md): nightly sweep, 4-hour escalation, daily digest.
CELERY_BEAT_SCHEDULE["flags-sweep-active-episodes"] = {
    "task": "flags.sweep_active_episodes",
    "schedule": 60 * 60,  # hourly: the first run after each UTC midnight sweeps, the rest resume
}
# The record-change outbox (apps/episodes/record_changes.py): every write's change row is
# claimed by this tick even when its after-commit kick was lost with the broker.
CELERY_BEAT_SCHEDULE["flags-process-record-changes"] = {
    "task": "flags.process_record_changes",
    "schedule": 60,
    "options": {"expires": 55},
}
# The dashboard's maintained patient summaries (apps/dashboard/summary_store.py): those whose
# patient-local date has passed are refreshed here (until then the page computes them).
CELERY_BEAT_SCHEDULE["dashboard-refresh-stale-summaries"] = {
    "task": "dashboard.refresh_stale_summaries",
    "schedule": 5 * 60,
    "options": {"expires": 4 * 60},
}
# Overrides of apps.episodes.record_changes.DEFAULTS (lease, batch, retry backoff, pruning).
RECORD_CHANGES: dict[str, float] = {"LEASE_SECONDS": 180}
# Who hears about a new flag (apps/notifications/flag_announcements.py): every new flag is
# stored unannounced; this tick claims what an after-commit kick lost with the broker.
CELERY_BEAT_SCHEDULE["notifications-announce-new-flags"] = {
    "task": "notifications.announce_new_flags",
    "schedule": 60,
    "options": {"expires": 55},
}
# The nightly sweep in leased chunks (apps/flags/sweep.py: DEFAULTS): chunk size, lease,
# attempts, and how many tasks share one day's chunks (the tick and PARALLEL_TASKS - 1 helpers).
FLAG_SWEEP: dict[str, float] = {
    "PARALLEL_TASKS": int(os.environ.get("FLAG_SWEEP_PARALLEL_TASKS", "4")),
}
CELERY_BEAT_SCHEDULE["flags-escalate-unacknowledged-urgent"] = {
    "task": "flags.escalate_unacknowledged_urgent",
    "schedule": 5 * 60,
}
CELERY_BEAT_SCHEDULE["flags-send-daily-digests"] = {
    "task": "flags.send_daily_digests",
    "schedule": crontab(hour=7, minute=0),  # UTC,
}
# Reminders and notifications (docs/notifications.md): claim due reminders, and send
# notifications whose quiet hours are over. `expires` drops a tick that waited too long.
CELERY_BEAT_SCHEDULE["reminders-claim-due"] = {
    "task": "reminders.claim_due_reminders",
    "schedule": 60,
    "options": {"expires": 55},
}
CELERY_BEAT_SCHEDULE["notifications-dispatch-due"] = {
    "task": "notifications.dispatch_due_notifications",
    "schedule": 60,
    "options": {"expires": 55},
}
# Worker liveness for GET health/ (apps.core.health.check_worker): the heartbeat expires
# after one interval, so a stopped worker never finds a pile of them on its return.
CELERY_BEAT_SCHEDULE["core-heartbeat"] = {
    "task": "core.heartbeat",
    "schedule": int(os.environ.get("HEALTH_HEARTBEAT_SECONDS", "15")),
    "options": {"expires": int(os.environ.get("HEALTH_HEARTBEAT_SECONDS", "15"))},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# django-axes first: it refuses locked-out attempts before the password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# The client address (throttles, lockout, access log): REMOTE_ADDR with 0 trusted proxies (the
# default: X-Forwarded-For is ignored); behind N proxies that each append to X-Forwarded-For,
# the N-th address from its right (apps.core.throttling.client_ip). README: Production.
TRUSTED_PROXY_COUNT = int(os.environ.get("TOH_TRUSTED_PROXY_COUNT", "0"))
# Lockout after repeated failed sign-ins for one e-mail address from one client address.
AXES_CLIENT_IP_CALLABLE = "apps.core.throttling.client_ip"
# (Used by axes only if django-ipware is installed and the callable above is removed.)
AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT or None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if TRUSTED_PROXY_COUNT else ("REMOTE_ADDR",)
)
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("AXES_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "apps.accounts.lockout.login_username"
AXES_LOCKOUT_CALLABLE = "apps.accounts.lockout.lockout_response"
# Failed attempts are kept (for the lockout); a log of every successful sign-in is not.
AXES_DISABLE_ACCESS_LOG = True
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/admin/login/"
# A password-reset link/code (Django's PasswordResetTokenGenerator: single use, since it hashes
# the password and last login) stops working after this many seconds.
PASSWORD_RESET_TIMEOUT = 60 * int(os.environ.get("PASSWORD_RESET_TIMEOUT_MINUTES", "60"))
# Where the reset e-mail's link points (the app's deep link or a web page), given ?uid=&token=;
# empty: the e-mail carries only the code to type into the app.
PASSWORD_RESET_URL = os.environ.get("PASSWORD_RESET_URL", "")

REST_KNOX = {
    # A device token expires after this much idle time; each use moves the expiry on (written
    # at most once per MIN_REFRESH_INTERVAL seconds, so a busy phone does not write each call).
    "TOKEN_TTL": dt.timedelta(days=int(os.environ.get("TOKEN_IDLE_DAYS", "90"))),
    "AUTO_REFRESH": True,
    "MIN_REFRESH_INTERVAL": 3600,
    "AUTH_HEADER_PREFIX": "Token",
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "apps.accounts.authentication.DeviceTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "apps.core.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # JSON only, bounded in size and depth before it is decoded (apps/core/parsers.py).
    "DEFAULT_PARSER_CLASSES": ["apps.core.parsers.BoundedJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "apps.core.exceptions.api_exception_handler",
    # Every write is throttled per user (scope "writes"), whatever the view says.
    "DEFAULT_THROTTLE_CLASSES": ["apps.core.throttling.WriteRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "auth": os.environ.get("THROTTLE_AUTH_RATE", "10/minute"),
        "writes": os.environ.get("THROTTLE_WRITE_RATE", "600/minute"),
        # Reset e-mails per address asked for (apps.accounts.throttles.ResetEmailThrottle).
        "password_reset_email": os.environ.get("THROTTLE_PASSWORD_RESET_EMAIL_RATE", "3/hour"),
        # FHIR and CSV exports, per user (apps/privacy/api/exports.py).
        "exports": os.environ.get("THROTTLE_EXPORT_RATE", "10/hour"),
    },
    # DRF's own client address for throttles: the same rule as client_ip above.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "NON_FIELD_ERRORS_KEY": "non_field_errors",
    "UNAUTHENTICATED_USER": None,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

# Request bodies of the API: at most this many bytes (413) and this deep (400).
API_JSON_MAX_BYTES = int(os.environ.get("API_JSON_MAX_BYTES", str(2_621_440)))
API_JSON_MAX_DEPTH = int(os.environ.get("API_JSON_MAX_DEPTH", "32"))
# Plausible values (apps/core/bounds.py): a recorded_at at most this far ahead of the clock;
# plans within this many years of today.
RECORDED_AT_MAX_FUTURE_MINUTES = int(os.environ.get("RECORDED_AT_MAX_FUTURE_MINUTES", "10"))
PLAN_YEARS_AROUND_TODAY = 5

SPECTACULAR_SETTINGS = {
    "TITLE": "TOH Recovery API",
    "DESCRIPTION": (
        "v1 contract of the TOH Recovery backend for the companion mobile app and the "
        "physiotherapist dashboards. Authenticate with `Authorization: Token <token>` (or "
        "`Bearer <token>`) obtained from `POST /api/v1/auth/token/`; web pages use a session. "
        "Lists are paginated with `?page=` (and `?page_size=`, at most 200)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    # Every operation's error answers in the error shape (apps/core/schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "apps.core.schema.add_error_responses",
    ],
    # Swagger UI's files come from the drf-spectacular-sidecar package, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several components have a field called `status`; name each enum after what it is.
    "ENUM_NAME_OVERRIDES": {
        "EpisodeStatusEnum": "apps.episodes.models.EpisodeStatus",
        "SyncItemStatusEnum": "apps.intake.api.serializers.SYNC_ITEM_STATUS_CHOICES",
        "HealthStatusEnum": ["ok", "error"],
        "HealthComponentStatusEnum": ["ok", "degraded", "error"],
        "FlagStatusEnum": "apps.flags.models.FlagStatus",
        "FlagSeverityEnum": "apps.flags.models.FlagSeverity",
        # Choice sets the clinical course (assessments, treatments, imaging) shares.
        "PainfulSidesEnum": "apps.checkins.models.PainfulSide",
        "AffectedSideEnum": "apps.episodes.models.Side",
        "WalkingAidEnum": "apps.checkins.models.WalkingAid",
        "AssessmentAidEnum": "apps.assessments.models.AssessmentAid",
        "ResolutionOutcomeEnum": "apps.flags.models.ResolutionOutcome",
    },
}

# --- Internationalisation and time ------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
# Languages with a catalogue (locale/<code>/LC_MESSAGES/django.po; English is the source).
LANGUAGES = [("en-gb", "English"), ("es", "Español")]
# The languages this deployment offers patients: a language is switched on only after a
# clinician has reviewed its clinical wording (docs/i18n.md).
TOH_PATIENT_LANGUAGES = [
    code.strip().lower()
    for code in os.environ.get("TOH_PATIENT_LANGUAGES", "en-gb,es").split(",")
    if code.strip()
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").exists() else []
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# --- Security headers (all environments) ---------------------------------------------------------
CORS_ALLOWED_ORIGINS = env_list("CORS_ALLOWED_ORIGINS")
CORS_URLS_REGEX = r"^/api/.*$"  # only the API answers cross-origin requests
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "connect-src": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
    "base-uri": ["'self'"],
    "object-src": ["'none'"],
}

# --- Mail ---------------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "TOH Recovery <no-reply@localhost>")
# Development: files under var/mail/, a log line with user ids only (apps/core/mail.py).
MAILERS: dict[str, dict[str, Any]] = {
    "default": {
        "BACKEND": os.environ.get("EMAIL_BACKEND_CLASS") or "apps.core.mail.DevelopmentMailBackend",
    }
}

# --- Product settings ----------------------------------------------------------------------------
ENROLMENT_CODE_TTL_HOURS = int(os.environ.get("ENROLMENT_CODE_TTL_HOURS", "168"))
EMERGENCY_NUMBER = os.environ.get("TOH_EMERGENCY_NUMBER", "999")
HELPLINE = os.environ.get("TOH_HELPLINE", "111")
# Clinical rule thresholds (CLINICAL_RULES.md): overrides of the spec's defaults, which live in
# apps.flags.rules.base.Thresholds; e.g. {"morning_stiffness_minutes": 45}. See docs/flags.md.
FLAG_THRESHOLDS: dict[str, int | float] = {}
# An emergency or urgent flag still open (not acknowledged) this many minutes after it opened is
# escalated to the clinic admins (CLINICAL_RULES.md: 4 hours). Checked every 5 minutes.
FLAG_ESCALATION_DELAY_MINUTES = int(os.environ.get("FLAG_ESCALATION_DELAY_MINUTES", "240"))

# Notifications and reminders (docs/notifications.md). Channels by name -> class; a channel
# without credentials is reported by the health endpoint and skipped by delivery.
NOTIFICATION_CHANNELS: dict[str, str] = {
    "push": os.environ.get(
        "NOTIFICATION_PUSH_CHANNEL", "apps.notifications.channels.push.FcmPushChannel"
    ),
    "email": "apps.notifications.channels.email.EmailChannel",
    "sms": "apps.notifications.channels.sms.TwilioSmsChannel",
    "console": "apps.notifications.channels.console.ConsoleChannel",
}
FCM_CREDENTIALS_FILE = os.environ.get("FCM_CREDENTIALS_FILE", "")
TWILIO_ACCOUNT_SID = os.environ.get("TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = os.environ.get("TWILIO_AUTH_TOKEN", "")
TWILIO_FROM_NUMBER = os.environ.get("TWILIO_FROM_NUMBER", "")
TWILIO_MESSAGING_SERVICE_SID = os.environ.get("TWILIO_MESSAGING_SERVICE_SID", "")
# Overrides of apps.notifications.conf.DEFAULTS / apps.reminders.conf.DEFAULTS, e.g.
# {"DAILY_BUDGET": 3} / {"FOLLOWUP_AFTER_MINUTES": 180, "STALE_AFTER_MINUTES": 120}.
NOTIFICATIONS: dict[str, object] = {}
REMINDERS: dict[str, object] = {}

# Health checks run by GET /api/v1/health/: (name, dotted path, critical). A failing critical
# check makes the endpoint answer 503.
HEALTH_CHECKS: list[tuple[str, str, bool]] = [
    ("database", "apps.core.health.check_database", True),
    ("broker", "apps.core.health.check_broker", True),
    ("worker", "apps.core.health.check_worker", True),
    ("backlog", "apps.core.health.check_backlog", True),
    ("cache", "apps.core.health.check_cache", False),
    ("notification_channels", "apps.notifications.health.check_channels", False),
]
# Worker liveness (docs/operations.md): beat sends `core.heartbeat` every this many seconds
# and a worker stores when it ran it; older than the max age, health answers 503 (worker or
# beat down), except within the grace after a web process starts (a fresh start).
HEALTH_HEARTBEAT_SECONDS = int(os.environ.get("HEALTH_HEARTBEAT_SECONDS", "15"))
HEALTH_WORKER_MAX_AGE_SECONDS = int(os.environ.get("HEALTH_WORKER_MAX_AGE_SECONDS", "45"))
HEALTH_WORKER_STARTUP_GRACE_SECONDS = int(
    os.environ.get("HEALTH_WORKER_STARTUP_GRACE_SECONDS", "60")
)
# Backlogs (apps.core.health.register_backlog_probe): a queue whose oldest pending item is
# older than this is reported `degraded` (still 200); a queue listed in the critical map
# older than its limit is an error (503): record changes not evaluated mean flags not raised.
HEALTH_BACKLOG_DEGRADED_SECONDS = int(os.environ.get("HEALTH_BACKLOG_DEGRADED_SECONDS", "300"))
HEALTH_BACKLOG_CRITICAL_SECONDS: dict[str, int] = {
    "record_changes": int(os.environ.get("HEALTH_RECORD_CHANGES_CRITICAL_SECONDS", "600")),
}

# Every handler carries the health-data filter (apps/core/logging.py): no query strings, e-mail
# addresses, bodies, SQL or task arguments in any log line. A handler added here needs it too.
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"no_health_data": {"()": "apps.core.logging.RedactHealthData"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["no_health_data"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Django's own defaults (console only with DEBUG, mail_admins, django.server with the
        # raw request line) are replaced: everything goes through the root's handlers.
        "django": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        "django.server": {"handlers": [], "level": LOG_LEVEL, "propagate": True},
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # Celery sets this logger up itself unless it already has a handler (it then stops
        # propagation): give it ours.
        "celery.task": {"handlers": ["console"], "level": LOG_LEVEL, "propagate": False},
    },
}
