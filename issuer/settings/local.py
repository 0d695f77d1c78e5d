"""Local development and the zero-setup demo: SQLite, in-process tasks."""

from issuer.settings.base import *  # noqa: F403
from issuer.settings.base import BASE_DIR, env

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env("SECRET_KEY", default="insecure-local-development-key-do-not-deploy")
SANDBOX = env.bool("SANDBOX", default=True)
LOG_FORMAT = env("LOG_FORMAT", default="text")

# Development card-data keys: public, for local use only.
CARD_DATA_KEYS = env.str(
    "CARD_DATA_KEYS", default="dev-1:aXNzdWVyLWRldmVsb3BtZW50LWNhcmQtZGF0YS1rZXk="
)
CARD_FINGERPRINT_KEY = env.str(
    "CARD_FINGERPRINT_KEY", default="aXNzdWVyLWRldi1jYXJkLWZpbmdlcnByaW50LWtleSE="
)
CARD_CVV_KEY = env.str(
    "CARD_CVV_KEY", default="aXNzdWVyLWRldmVsb3BtZW50LWNhcmQtY3Z2LWtleSE="
)
IDEMPOTENCY_FINGERPRINT_KEYS = env.str(
    "IDEMPOTENCY_FINGERPRINT_KEYS",
    default="dev-1:aXNzdWVyLWRldmVsb3BtZW50LWlkZW1wb3RlbmN5LWtleSE=",
)
LOGGING["handlers"]["console"]["formatter"] = LOG_FORMAT  # type: ignore[index]  # noqa: F405

# Serve static files straight from the apps (no collectstatic needed).
WHITENOISE_USE_FINDERS = True

# Local partners' test receivers run on this machine over plain HTTP.
WEBHOOK_ALLOW_HTTP = env.bool("WEBHOOK_ALLOW_HTTP", default=True)
WEBHOOK_ALLOW_PRIVATE_HOSTS = env.bool("WEBHOOK_ALLOW_PRIVATE_HOSTS", default=True)

# Emails (statements, alerts, password resets) as files, one per message,
# not on the console where live demo traffic would bury everything else.
if "EMAIL_URL" not in env:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(BASE_DIR / env("EMAIL_FILE_PATH", default="var/mail"))
