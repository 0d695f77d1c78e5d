"""Production: everything from base, tightened. No default secret key."""

from django.core.exceptions import ImproperlyConfigured

from issuer.settings.base import *  # noqa: F403
from issuer.settings.base import env, redis_cache

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
# Card-data keys have no default here: generate them (see .env.example).
CARD_DATA_KEYS = env.str("CARD_DATA_KEYS")
CARD_FINGERPRINT_KEY = env.str("CARD_FINGERPRINT_KEY")
CARD_CVV_KEY = env.str("CARD_CVV_KEY")
IDEMPOTENCY_FINGERPRINT_KEYS = env.str("IDEMPOTENCY_FINGERPRINT_KEYS")
# Throttles and counters must hold across processes and hosts: Redis only.
CACHES = {
    "default": redis_cache(
        env.str("CACHE_URL", default="") or env.str("REDIS_CACHE_URL"),
        key_prefix=env.str("CACHE_KEY_PREFIX", default="issuer"),
    )
}
# /metrics is never public here: a token, an allow-list, or both.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=[])
if not METRICS_TOKEN and not METRICS_ALLOWED_IPS:
    raise ImproperlyConfigured(
        "Set METRICS_TOKEN or METRICS_ALLOWED_IPS: /metrics is not public in "
        "production."
    )

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
