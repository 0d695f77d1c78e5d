"""Test settings: the database comes from DATABASE_URL (MariaDB in CI)."""

import os

from issuer.settings.base import *  # noqa: F403
from issuer.settings.base import env

SECRET_KEY = "insecure-test-key"  # noqa: S105
DEBUG = False
SANDBOX = True
# Development card-data keys: public, fixed, never from the environment.
CARD_DATA_KEYS = "dev-1:aXNzdWVyLWRldmVsb3BtZW50LWNhcmQtZGF0YS1rZXk="
CARD_FINGERPRINT_KEY = "aXNzdWVyLWRldi1jYXJkLWZpbmdlcnByaW50LWtleSE="
CARD_CVV_KEY = "aXNzdWVyLWRldmVsb3BtZW50LWNhcmQtY3Z2LWtleSE="
IDEMPOTENCY_FINGERPRINT_KEYS = "dev-1:aXNzdWVyLWRldmVsb3BtZW50LWlkZW1wb3RlbmN5LWtleSE="
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
ALLOWED_HOSTS = ["*"]
# Tests run tasks in-process unless a test starts a real worker on this broker.
CELERY_BROKER_URL = env("TEST_CELERY_BROKER_URL", default="redis://127.0.0.1:6379/15")
CELERY_RESULT_BACKEND = env(
    "TEST_CELERY_RESULT_BACKEND", default="redis://127.0.0.1:6379/15"
)
# A real worker subprocess is started with TEST_CELERY_EAGER=0.
CELERY_TASK_ALWAYS_EAGER = env.bool("TEST_CELERY_EAGER", default=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    (BASE_DIR / "var").mkdir(exist_ok=True)  # noqa: F405
    # A file, not shared memory, so threads and worker processes see one database.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / "test.sqlite3")}  # noqa: F405
# A read replica: a second connection to the test database (Django's test
# mirror), read only like a real replica (issuer/kernel/db_router.py). Reads
# go there only from tests that allow the "replica" database and run outside
# a transaction (transactional tests); in a `db` test the primary's
# connection is always inside the test's transaction, so they never do.
DATABASES["replica"] = {  # noqa: F405
    **DATABASES["default"],  # noqa: F405
    "TEST": {"MIRROR": "default"},
}
AXES_ENABLED = True
# Emails stay in django.core.mail.outbox.
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LOG_FORMAT = "text"
LOGGING["handlers"]["console"]["formatter"] = "text"  # type: ignore[index]  # noqa: F405

# Serve static files straight from the apps (no collectstatic needed).
WHITENOISE_USE_FINDERS = True

# Relay at commit, deterministically; the batching test turns batching on.
OUTBOX_RELAY_BATCH_MS = 0

# Parallel test processes (pytest-xdist) each start real workers on the same
# Redis: give each its own key namespace so no worker takes another's tasks.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,  # noqa: F405
    "global_keyprefix": f"issuer-test-{env('PYTEST_XDIST_WORKER', default='main')}-",
}

# Tests receive webhooks on a local HTTP server.
WEBHOOK_ALLOW_HTTP = True
WEBHOOK_ALLOW_PRIVATE_HOSTS = True

# The shared cache is real Redis, as in production. Each test run (and each
# xdist worker) has its own key prefix, so parallel runs (and other checkouts
# on this Redis) never see or clear each other's counters, while the
# servers and workers a test starts (child processes, which inherit the
# environment) share the test's prefix.
_CACHE_RUN = os.environ.setdefault("ISSUER_TEST_CACHE_RUN", str(os.getpid()))
CACHES = {
    "default": redis_cache(  # noqa: F405
        env("TEST_CACHE_URL", default="redis://127.0.0.1:6379/14"),
        key_prefix=f"issuer-test-{env('PYTEST_XDIST_WORKER', default='main')}-"
        f"{_CACHE_RUN}",
    )
}
