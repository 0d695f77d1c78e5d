"""Failure throttles that hold across every process: counted in the shared
cache (settings.CACHES, Redis in production).

A throttle counts failures of one subject (a user, a client address) in a
window; once `limit` are counted the subject is locked out until the key
expires, `lockout_seconds` after the failure that reached the limit. The
count is one atomic increment in Redis, so parallel attempts through many
web processes are all counted.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches


@dataclass(frozen=True)
class FailureThrottle:
    """Counts failures per subject; `limit_setting` and `lockout_setting`
    name the settings read at call time."""

    scope: str
    limit_setting: str
    lockout_setting: str

    @property
    def limit(self) -> int:
        return int(getattr(settings, self.limit_setting))

    @property
    def lockout_seconds(self) -> int:
        return int(getattr(settings, self.lockout_setting))

    def _key(self, subject: str) -> str:
        return f"throttle:{self.scope}:{subject}"

    def failures(self, subject: str) -> int:
        """Failures counted for `subject` in the current window."""
        return int(caches["default"].get(self._key(subject), 0))

    def is_locked(self, subject: str) -> bool:
        """Whether `subject` has used up its failures for now."""
        return self.failures(subject) >= self.limit

    def failure_count(self, subject: str) -> bool:
        """Count one failure; say whether it is the one that locked `subject`."""
        cache, key, seconds = (
            caches["default"],
            self._key(subject),
            self.lockout_seconds,
        )
        cache.add(key, 0, timeout=seconds)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=seconds)
            count = 1
        if count == 1 or count >= self.limit:
            # The lockout runs from the failure that reached the limit; and a
            # key the window's end raced with gets its expiry back.
            cache.touch(key, timeout=seconds)
        return count == self.limit

    def reset(self, subject: str) -> None:
        """Forget `subject`'s failures (after a success)."""
        caches["default"].delete(self._key(subject))
