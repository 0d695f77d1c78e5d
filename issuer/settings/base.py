"""Settings shared by every environment; values come from the environment.

Every variable read here is documented in `.env.example`.
"""

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import environ
from celery.schedules import crontab
from csp import constants as csp

BASE_DIR = Path(__file__).resolve().parent.parent.parent


class _SetVariables(Mapping[str, str]):
    """The process environment without its empty variables: `DATABASE_URL=`
    (as `.env.example` writes it, in `.env` or in the shell) means unset, so
    the setting's default applies instead of an empty value."""

    def __getitem__(self, name: str) -> str:
        value = os.environ[name]
        if value == "":
            raise KeyError(name)
        return value

    def __iter__(self) -> Iterator[str]:
        return (name for name, value in os.environ.items() if value != "")

    def __len__(self) -> int:
        return sum(1 for _ in self)


env = environ.Env()
env.ENVIRON = _SetVariables()  # type: ignore[assignment]
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Sandbox mode: test-card issuing and demo data are allowed only when on.
SANDBOX = env.bool("SANDBOX", default=False)

INSTALLED_APPS = [
    # django.contrib.admin with the staff console (TOTP, audit) as its site.
    "issuer.admin_apps.IssuerAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_api_key",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "django_filters",
    "issuer.admin_apps.ScheduledTasksConfig",  # django_celery_beat
    "django_prometheus",
    "issuer.admin_apps.StaffLockoutsConfig",  # axes
    "django_otp",
    "issuer.admin_apps.StaffSecondFactorsConfig",  # django_otp's TOTP
    "issuer.kernel",
    "ledger",
    "accounts",
    "cards",
    "fraud",
    "portal",
    "webhooks",
    "fraud.dashboards",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "issuer.kernel.api.middleware.ApiBodyLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "issuer.urls"
WSGI_APPLICATION = "issuer.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
# Cardholders sign in at /portal/login/ and land on their overview.
LOGIN_URL = "portal-login"
LOGIN_REDIRECT_URL = "portal-dashboard"

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
                "csp.context_processors.nonce",
            ],
        },
    },
]


def database_from_url(url: str) -> dict[str, Any]:
    """A database alias from its URL, with the connection options we rely on."""
    database = env.db_url_config(url)
    database["CONN_HEALTH_CHECKS"] = True
    if database["ENGINE"] == "django.db.backends.mysql":
        database["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
        database["OPTIONS"] = {
            "charset": "utf8mb4",
            "isolation_level": "read committed",
            "init_command": "SET sql_mode='STRICT_TRANS_TABLES,NO_ZERO_DATE,"
            "NO_ZERO_IN_DATE,ERROR_FOR_DIVISION_BY_ZERO',"
            " innodb_lock_wait_timeout=10",
        }
        database["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}
    elif database["ENGINE"] == "django.db.backends.sqlite3":
        # IMMEDIATE takes the write lock at BEGIN, so concurrent writers queue
        # instead of failing on lock upgrade; WAL lets readers run meanwhile.
        database["OPTIONS"] = {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    return database


DATABASES = {
    "default": database_from_url(
        env("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
    )
}
# A read replica of the primary: the staff dashboards and the history reads
# of training and back-tests go there (issuer/kernel/db_router.py); unset,
# everything reads the primary.
if _replica_url := env("DATABASE_REPLICA_URL", default=""):
    DATABASES["replica"] = database_from_url(_replica_url)
DATABASE_ROUTERS = ["issuer.kernel.db_router.PrimaryReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Content-Security-Policy (django-csp) on every page: scripts, styles, fonts
# and images from this site only (Chart.js and Swagger UI are served here),
# an inline script only with the response's nonce, no framing, forms posting
# here only. Inline style attributes stay allowed (Django's admin uses them).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.SELF],
        "script-src": [csp.SELF, csp.NONCE],
        "style-src": [csp.SELF, csp.UNSAFE_INLINE],
        # The TOTP QR code and Swagger UI's icons are data: URIs.
        "img-src": [csp.SELF, "data:"],
        "font-src": [csp.SELF],
        "connect-src": [csp.SELF],
        "object-src": [csp.NONE],
        "base-uri": [csp.SELF],
        "form-action": [csp.SELF],
        "frame-ancestors": [csp.NONE],
    }
}

# Login lockout (django-axes): lock a username after repeated failures
# (wrong passwords and wrong second-factor codes alike).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "admin/staff/locked_out.html"
# Counts every failure when many arrive at once (see accounts/lockout.py).
AXES_HANDLER = "accounts.lockout.ConcurrencySafeAxesHandler"

# Staff second factor (django-otp TOTP), required by the admin site: no
# setting turns it off. The issuer name is what authenticator apps show.
OTP_TOTP_ISSUER = "Issuer staff"
# Nobody reads a device's secret or QR code back in the admin.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# Locking by IP alone would lock out everyone behind one NAT or proxy; the
# lockout is per username on purpose.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media"))

SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_SAVE_EVERY_REQUEST = True  # idle timeout: the age restarts on activity

# Celery. Without a broker, tasks run in-process so the demo needs no services.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="") or "memory://"
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL == "memory://"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=None)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Redis has no real acknowledgements: a message a worker took stays invisible
# to the others until it is acknowledged (after the task: acks_late) or
# CELERY_VISIBILITY_TIMEOUT seconds pass; then any worker's sweep (every
# CELERY_RESTORE_SECONDS) puts it back. A pool process that dies hands its task
# back at once (reject on worker lost); a whole node killed is recovered after
# the timeout. Keep it above the run time of event consumers and above every
# countdown/ETA, or those are handed out twice (harmless: consumers are
# idempotent, but wasted). See docs/reliability.md.
CELERY_VISIBILITY_TIMEOUT = env.int("CELERY_VISIBILITY_TIMEOUT", default=60)
CELERY_RESTORE_SECONDS = env.int("CELERY_RESTORE_SECONDS", default=2)
# A publish to a dead broker gives up after one quick retry: the request that
# published is never held up by an outage (the outbox sweeper catches up).
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
    "visibility_timeout": CELERY_VISIBILITY_TIMEOUT,
    # kombu sweeps every interval x throttle seconds (100 s by default).
    "unacked_restore_interval": CELERY_RESTORE_SECONDS,
    "unacked_restore_throttle": 1,
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.1,
    "interval_max": 0.2,
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"

# Malformed input is a 4xx in the error shape (docs/security.md, Input rules): an
# API body above this many bytes is a 413, JSON nested deeper than this a 400.
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=64 * 1024)
API_MAX_JSON_DEPTH = env.int("API_MAX_JSON_DEPTH", default=32)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api_auth.PartnerApiKeyAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["accounts.api_auth.HasPartnerScope"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["issuer.kernel.api.parsers.BoundedJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "issuer.kernel.api.schema.IssuerAutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "EXCEPTION_HANDLER": "issuer.kernel.api.errors.api_exception_handler",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Issuer partner API",
    "DESCRIPTION": "Authorizations, captures, reversals, refunds, payments, "
    "cards and webhooks for acquirers, processors and program managers.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI assets are served from the sidecar package: no CDN needed.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Request bodies get their own components, so a required text field says
    # it cannot be blank (minLength 1) where only requests are concerned.
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    # A tag per resource, and every operation's summary and description:
    # issuer/kernel/api/schema_docs.py.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "issuer.kernel.api.schema_docs.schema_docs_apply",
    ],
    "ENUM_NAME_OVERRIDES": {
        "WebhookEndpointStatusEnum": "webhooks.models.WebhookEndpoint.Status",
        "WebhookDeliveryStatusEnum": "webhooks.models.WebhookDelivery.Status",
    },
}

LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOG_FORMAT = env("LOG_FORMAT", default="json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "mask_pans": {"()": "issuer.kernel.logging.MaskCardNumbersFilter"},
        "client_errors_one_line": {
            "()": "issuer.kernel.logging.ClientErrorsWithoutTraceback"
        },
    },
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {
                "asctime": "time",
                "levelname": "level",
                "name": "logger",
            },
        },
        "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["mask_pans"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # 403/404: one line each, no traceback.
        "django.request": {"filters": ["client_errors_one_line"]},
        "django.security": {"filters": ["client_errors_one_line"]},
        "axes": {"level": "WARNING"},
        "kombu.connection": {"level": "ERROR"},
        "celery.app.trace": {"level": env("CELERY_TRACE_LOG_LEVEL", default="WARNING")},
    },
}

# Card data (see cards/security/keys.py). Read by the vault at call time.
# PAN encryption key ring "id:base64key,...", the first entry encrypts; the
# HMAC key of the PAN fingerprint; the CVV derivation key. Empty here: local
# and test settings give development keys, production requires real ones.
CARD_DATA_KEYS = env.str("CARD_DATA_KEYS", default="")
CARD_FINGERPRINT_KEY = env.str("CARD_FINGERPRINT_KEY", default="")
CARD_CVV_KEY = env.str("CARD_CVV_KEY", default="")
# HMAC key ring of the idempotency request fingerprints (issuer/kernel/
# request_mac.py), "id:base64key,...": the first makes new fingerprints, the
# others still verify. Empty here like the card keys: local and test give
# public development keys, production requires real ones.
IDEMPOTENCY_FINGERPRINT_KEYS = env.str("IDEMPOTENCY_FINGERPRINT_KEYS", default="")

# The shared cache: throttles and per-user counters that must hold across
# every process (portal sign-up codes, card-reveal password). CACHE_URL (or
# REDIS_CACHE_URL) is a Redis URL, e.g. redis://127.0.0.1:6379/1. Unset, the
# zero-setup demo uses a file cache under var/cache: shared by the processes
# of one machine, which is all the demo runs. Production requires Redis.
CACHE_KEY_PREFIX = env.str("CACHE_KEY_PREFIX", default="issuer")
_CACHE_URL = env.str("CACHE_URL", default="") or env.str("REDIS_CACHE_URL", default="")


def redis_cache(url: str, *, key_prefix: str) -> dict[str, object]:
    """A CACHES entry for Redis at `url` (issuer/kernel/cache.py)."""
    return {
        "BACKEND": "issuer.kernel.cache.PrefixedRedisCache",
        "LOCATION": url,
        "KEY_PREFIX": key_prefix,
        "TIMEOUT": 300,
    }


if _CACHE_URL:
    CACHES = {"default": redis_cache(_CACHE_URL, key_prefix=CACHE_KEY_PREFIX)}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(BASE_DIR / "var" / "cache"),
            "KEY_PREFIX": CACHE_KEY_PREFIX,
        }
    }

# Wrong passwords at the portal's card-reveal re-entry, and wrong portal
# activation codes, before the user (or connection) is locked out of them
# for the lockout's seconds. Counted in the shared cache (above).
REVEAL_PASSWORD_FAILURE_LIMIT = env.int("REVEAL_PASSWORD_FAILURE_LIMIT", default=5)
REVEAL_PASSWORD_LOCKOUT_SECONDS = env.int(
    "REVEAL_PASSWORD_LOCKOUT_SECONDS", default=15 * 60
)
SIGNUP_CODE_FAILURE_LIMIT = env.int("SIGNUP_CODE_FAILURE_LIMIT", default=5)
SIGNUP_CODE_LOCKOUT_SECONDS = env.int("SIGNUP_CODE_LOCKOUT_SECONDS", default=60 * 60)

# Who may read /metrics (Prometheus). Empty both: anyone (development).
# Production requires at least one: a bearer token (Authorization: Bearer
# <token>) and/or client addresses or networks (comma-separated CIDRs,
# checked against REMOTE_ADDR, so not spoofable by a header).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=[])

# Outgoing email (the portal's password reset links). EMAIL_URL in
# django-environ's form, e.g. smtp+tls://user:password@smtp.example.com:587;
# unset, emails are printed to the console (set it in production).
_EMAIL = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _EMAIL["EMAIL_BACKEND"]
EMAIL_HOST = _EMAIL.get("EMAIL_HOST") or "localhost"
EMAIL_PORT = _EMAIL.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _EMAIL.get("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = _EMAIL.get("EMAIL_HOST_PASSWORD") or ""
EMAIL_USE_TLS = bool(_EMAIL.get("EMAIL_USE_TLS"))
EMAIL_USE_SSL = bool(_EMAIL.get("EMAIL_USE_SSL"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Issuer <no-reply@localhost>")
# Days a password reset link works.
PASSWORD_RESET_TIMEOUT = 3 * 24 * 60 * 60

# Password given to the demo logins that `seed_demo` creates (sandbox only).
DEMO_PASSWORD = env("DEMO_PASSWORD", default="issuer-demo-2026")

# Seconds a verified partner API key is trusted without a look-up, per
# process (0: look up on every request). Bounds how long a revocation takes
# to reach other processes.
API_KEY_CACHE_SECONDS = env.int("API_KEY_CACHE_SECONDS", default=5)

# Committed events are relayed to Celery in batches gathered for this many
# milliseconds (0: one task per commit). The sweeper catches any left behind.
OUTBOX_RELAY_BATCH_MS = env.int("OUTBOX_RELAY_BATCH_MS", default=20)

# Seconds between beat's sweeps of the outbox for events the on-commit relay
# could not hand over (a broker outage); they are delivered that much later.
OUTBOX_SWEEP_SECONDS = env.float("OUTBOX_SWEEP_SECONDS", default=30.0)

# Seconds between the staff dashboards' refreshes of their charts.
DASHBOARD_REFRESH_SECONDS = env.int("DASHBOARD_REFRESH_SECONDS", default=10)

# Fraud tiers (fraud.services.training.tier_policy): fraud_train sets the
# High threshold so that High and Critical (each opens a review case) fit
# the analysts' daily review capacity, and every tier reaches its precision
# target, both measured on the most recent validation window. Capacity per
# program: "Program A=40,Program B=20" (cases a day; the issuer-wide figure
# is their sum); otherwise FRAUD_REVIEW_CAPACITY_PER_DAY.
FRAUD_REVIEW_CAPACITY_PER_DAY = env.float("FRAUD_REVIEW_CAPACITY_PER_DAY", default=50.0)
FRAUD_REVIEW_CAPACITY_BY_PROGRAM = {
    name: float(value)
    for name, value in env.dict("FRAUD_REVIEW_CAPACITY_BY_PROGRAM", default={}).items()
}
FRAUD_TIER_PRECISION_MEDIUM = env.float("FRAUD_TIER_PRECISION_MEDIUM", default=0.10)
FRAUD_TIER_PRECISION_HIGH = env.float("FRAUD_TIER_PRECISION_HIGH", default=0.50)
FRAUD_TIER_PRECISION_CRITICAL = env.float("FRAUD_TIER_PRECISION_CRITICAL", default=0.90)

# Disputes (cards.services.disputes): a cardholder may dispute a cleared
# transaction up to DISPUTE_FILING_DAYS after the day it cleared (UTC). Staff
# must submit it to the network within DISPUTE_SUBMISSION_DAYS of filing and
# see it decided within DISPUTE_DECISION_DAYS (Regulation Z: two billing
# cycles, at most 90 days). Evidence files are PDF, PNG or JPEG up to
# DISPUTE_EVIDENCE_MAX_BYTES.
DISPUTE_FILING_DAYS = env.int("DISPUTE_FILING_DAYS", default=60)
DISPUTE_SUBMISSION_DAYS = env.int("DISPUTE_SUBMISSION_DAYS", default=30)
DISPUTE_DECISION_DAYS = env.int("DISPUTE_DECISION_DAYS", default=90)
DISPUTE_EVIDENCE_MAX_BYTES = env.int("DISPUTE_EVIDENCE_MAX_BYTES", default=5_000_000)

# Days an approved authorization's hold lasts before the beat task expires it.
AUTHORIZATION_HOLD_DAYS = env.int("AUTHORIZATION_HOLD_DAYS", default=7)

# Money bounds (docs/money-bounds.md). A payment is posted at once but raises
# available credit only once it settles, PAYMENT_SETTLEMENT_DAYS after its
# receipt (the bank's return window); a payment may exceed what is owed by
# at most PAYMENT_CREDIT_BALANCE_ALLOWANCE (minor units).
PAYMENT_SETTLEMENT_DAYS = env.int("PAYMENT_SETTLEMENT_DAYS", default=3)
PAYMENT_CREDIT_BALANCE_ALLOWANCE = env.int(
    "PAYMENT_CREDIT_BALANCE_ALLOWANCE", default=10_000
)
# An unlinked refund (no authorization; acquirers and processors only) is at
# most UNLINKED_REFUND_MAX_AMOUNT, and one card's unlinked refunds in one UTC
# day at most UNLINKED_REFUND_DAILY_MAX_PER_CARD (minor units).
UNLINKED_REFUND_MAX_AMOUNT = env.int("UNLINKED_REFUND_MAX_AMOUNT", default=50_000)
UNLINKED_REFUND_DAILY_MAX_PER_CARD = env.int(
    "UNLINKED_REFUND_DAILY_MAX_PER_CARD", default=100_000
)
# A clearing with no authorization at all (force post) is bounded the same
# way: at most UNAUTHORIZED_CAPTURE_MAX_AMOUNT each and
# UNAUTHORIZED_CAPTURE_DAILY_MAX_PER_CARD a card a UTC day (minor units).
UNAUTHORIZED_CAPTURE_MAX_AMOUNT = env.int(
    "UNAUTHORIZED_CAPTURE_MAX_AMOUNT", default=50_000
)
UNAUTHORIZED_CAPTURE_DAILY_MAX_PER_CARD = env.int(
    "UNAUTHORIZED_CAPTURE_DAILY_MAX_PER_CARD", default=100_000
)
# Seconds after which an authorization still awaiting its program's real-time
# decision (the process waiting for it died) is finalized by the program's
# default, by a beat task running as often (docs/realtime-decisions.md).
AUTHORIZATION_DECISION_STALE_SECONDS = env.int(
    "AUTHORIZATION_DECISION_STALE_SECONDS", default=30
)
CELERY_BEAT_SCHEDULE = {
    "resolve-stale-program-decisions": {
        "task": "cards.resolve_stale_program_decisions",
        "schedule": float(AUTHORIZATION_DECISION_STALE_SECONDS),
    },
    "sweep-outbox": {"task": "kernel.sweep_outbox", "schedule": OUTBOX_SWEEP_SECONDS},
    # Webhook retries too far off for a countdown, lapsed leases, lost sends.
    "sweep-webhook-deliveries": {
        "task": "webhooks.sweep_deliveries",
        "schedule": 15.0,
    },
    "expire-stale-holds": {"task": "cards.expire_stale_holds", "schedule": 15 * 60.0},
    # Activity buckets past every window that reads them (spending controls).
    "prune-activity-counters": {
        "task": "cards.prune_activity_counters",
        "schedule": 60 * 60.0,
    },
    # Payments past their settlement window become spendable; idempotent.
    "settle-payments": {"task": "accounts.settle_payments", "schedule": 15 * 60.0},
    # Hourly, so a missed run catches up the same day; each run is idempotent.
    "billing-batch": {"task": "accounts.run_billing", "schedule": 60 * 60.0},
    # Every open account's behavioural score, once a night (UTC).
    "recalculate-credit-scores": {
        "task": "accounts.recalculate_credit_scores_nightly",
        "schedule": crontab(hour=2, minute=30),
    },
    # Payment-due reminders, once a day (UTC); once per statement however
    # often it runs.
    "remind-payment-due": {
        "task": "portal.remind_payment_due",
        "schedule": crontab(hour=9, minute=0),
    },
}

# Billing: minimum payment = max(floor, percent of the balance + interest +
# fees) + past due, capped at the balance; charge-off after this many days
# past due.
MINIMUM_PAYMENT_FLOOR = env.int("MINIMUM_PAYMENT_FLOOR", default=2_500)
MINIMUM_PAYMENT_PERCENT_BPS = env.int("MINIMUM_PAYMENT_PERCENT_BPS", default=100)
CHARGE_OFF_DAYS = env.int("CHARGE_OFF_DAYS", default=180)
# The IANA time zone whose days billing counts in, for card products that do
# not name their own: a cycle closes only once its last day has ended there
# (docs/billing.md). A line keeps the zone it was opened with.
BILLING_TIME_ZONE = env("BILLING_TIME_ZONE", default="UTC")

# Address of the portal, for links in cardholder notification emails.
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="http://localhost:8000")
# Days before the latest statement's due date that a cardholder whose minimum
# payment is not yet met is reminded (by the daily beat task).
PAYMENT_DUE_REMINDER_DAYS = env.int("PAYMENT_DUE_REMINDER_DAYS", default=3)

# Partner webhooks (webhooks/). Each POST waits WEBHOOK_TIMEOUT_SECONDS at
# most. A failed delivery (network error, timeout, 5xx, 408, 429) is retried
# after WEBHOOK_RETRY_BASE_SECONDS, doubling up to
# WEBHOOK_RETRY_MAX_DELAY_SECONDS, each delay varied by ±WEBHOOK_RETRY_JITTER,
# for WEBHOOK_RETRY_WINDOW_SECONDS (a day). Retries due within
# WEBHOOK_ETA_MAX_SECONDS are scheduled on the broker (keep it under the
# broker visibility timeout, or a waiting retry is handed out twice; harmless
# but wasteful); later ones are found by the beat sweeper. An endpoint whose
# every attempt has failed for WEBHOOK_DISABLE_AFTER_SECONDS, at least
# WEBHOOK_DISABLE_AFTER_FAILURES times in a row, is disabled and
# WEBHOOK_ALERT_EMAILS (and the endpoint's own alert address) are told. A
# rotated-out secret keeps signing for WEBHOOK_SECRET_OVERLAP_SECONDS unless
# the rotation says otherwise.
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)
WEBHOOK_RETRY_BASE_SECONDS = env.float("WEBHOOK_RETRY_BASE_SECONDS", default=30.0)
WEBHOOK_RETRY_MAX_DELAY_SECONDS = env.float(
    "WEBHOOK_RETRY_MAX_DELAY_SECONDS", default=3600.0
)
WEBHOOK_RETRY_JITTER = env.float("WEBHOOK_RETRY_JITTER", default=0.2)
WEBHOOK_RETRY_WINDOW_SECONDS = env.int("WEBHOOK_RETRY_WINDOW_SECONDS", default=86400)
WEBHOOK_ETA_MAX_SECONDS = env.float("WEBHOOK_ETA_MAX_SECONDS", default=30.0)
WEBHOOK_DISABLE_AFTER_SECONDS = env.int(
    "WEBHOOK_DISABLE_AFTER_SECONDS", default=3 * 86400
)
WEBHOOK_DISABLE_AFTER_FAILURES = env.int("WEBHOOK_DISABLE_AFTER_FAILURES", default=20)
WEBHOOK_SECRET_OVERLAP_SECONDS = env.int(
    "WEBHOOK_SECRET_OVERLAP_SECONDS", default=86400
)
WEBHOOK_ALERT_EMAILS = env.list("WEBHOOK_ALERT_EMAILS", default=[])
# Development only: plain-HTTP endpoints, and hosts on internal addresses
# (loopback, private networks). Production refuses both.
WEBHOOK_ALLOW_HTTP = env.bool("WEBHOOK_ALLOW_HTTP", default=False)
WEBHOOK_ALLOW_PRIVATE_HOSTS = env.bool("WEBHOOK_ALLOW_PRIVATE_HOSTS", default=False)
