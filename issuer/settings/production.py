"""Production: everything from base, tightened. No default secret key."""

from issuer.settings.base import *  # noqa: F403
from issuer.settings.base import env

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
# Card-data keys have no default here: generate them (see .env.example).
CARD_DATA_KEYS = env.str("CARD_DATA_KEYS")
CARD_FINGERPRINT_KEY = env.str("CARD_FINGERPRINT_KEY")
CARD_CVV_KEY = env.str("CARD_CVV_KEY")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# Webhooks go to public HTTPS endpoints only.
WEBHOOK_ALLOW_HTTP = False
WEBHOOK_ALLOW_PRIVATE_HOSTS = False
