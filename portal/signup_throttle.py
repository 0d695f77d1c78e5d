"""Slow down guessing of activation codes: wrong codes counted per client IP.

After `FAILURE_LIMIT` wrong codes within `WINDOW_SECONDS` the sign-up page
refuses every attempt from that address until the window ends. The counts
live in Django's cache (per process unless a shared cache is configured).
"""

from axes.helpers import get_client_ip_address
from django.core.cache import cache
from django.http import HttpRequest

FAILURE_LIMIT = 5
WINDOW_SECONDS = 60 * 60


def _key(request: HttpRequest) -> str:
    return f"portal-signup-failures:{get_client_ip_address(request)}"


def signup_is_throttled(request: HttpRequest) -> bool:
    """Say whether this client has used up its wrong codes for now."""
    return int(cache.get(_key(request), 0)) >= FAILURE_LIMIT


def signup_failure_count(request: HttpRequest) -> None:
    """Count one wrong activation code from this client."""
    key = _key(request)
    if not cache.add(key, 1, timeout=WINDOW_SECONDS):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=WINDOW_SECONDS)
