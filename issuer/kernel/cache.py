"""The shared cache: Django's Redis backend, cleared by its own prefix.

Throttles and per-user counters must hold across every web process, so they
live in Redis (settings.CACHES). Django's `RedisCache.clear()` flushes the
whole Redis database, which may also hold Celery's queues or another
process's keys; this backend deletes only the keys under its own prefix.
"""

from typing import Any

from django.core.cache.backends.redis import RedisCache


class PrefixedRedisCache(RedisCache):
    """`RedisCache` whose `clear()` removes only this cache's keys."""

    def clear(self) -> None:
        client = self._cache.get_client(write=True)  # type: ignore[attr-defined]
        # Django's default key function makes "<prefix>:<version>:<key>".
        pattern = f"{self.key_prefix}:*"
        keys: list[Any] = list(client.scan_iter(match=pattern, count=1000))
        for start in range(0, len(keys), 500):
            client.delete(*keys[start : start + 500])
