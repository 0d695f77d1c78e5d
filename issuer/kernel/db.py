"""Transactions that survive lock conflicts.

MySQL/MariaDB abort a transaction on deadlock (1213) and lock wait timeout
(1205); MariaDB 11 adds 1020 ("record has changed since last read"). The
whole transaction is then gone, so only the outermost caller can retry it.
"""

import logging
import random
import threading
import time
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from django.db import InterfaceError, OperationalError, connection, transaction

logger = logging.getLogger(__name__)

LOCK_CONFLICT_ERRORS = frozenset({1213, 1205, 1020})
MAX_ATTEMPTS = 6
# The server is gone, not the request wrong: cannot connect (2002, 2003), gone
# away (2006), connection lost (2013), shutting down (1053), connection
# killed (1927), closed for inactivity (4031).
UNAVAILABLE_ERRORS = frozenset({2002, 2003, 2006, 2013, 1053, 1927, 4031})

P = ParamSpec("P")
R = TypeVar("R")


def is_lock_conflict(exc: OperationalError) -> bool:
    code = exc.args[0] if exc.args else None
    if code in LOCK_CONFLICT_ERRORS:
        return True
    return "database is locked" in str(exc)


def is_database_unavailable(exc: Exception) -> bool:
    """Whether a database error means the server cannot be reached (a retry
    later may succeed) rather than anything about the request."""
    if isinstance(exc, InterfaceError):  # a connection already closed
        return True
    if isinstance(exc, OperationalError):
        return bool(exc.args) and exc.args[0] in UNAVAILABLE_ERRORS
    return False


_frames = threading.local()


def atomic_with_retry(func: Callable[P, R]) -> Callable[P, R]:
    """Run `func` in a transaction, retrying it whole on a lock conflict.

    - Outermost: its own transaction, retried on deadlock or lock timeout.
    - Inside a transaction someone else opened (a test, a view's own
      `atomic()`): a savepoint, so that caller may catch a refusal.
    - Inside another `atomic_with_retry` service: it joins that transaction
      without a savepoint (two round trips saved per call on the hot path);
      an error dooms the whole transaction, which the outer service owns.
      A service that wants to catch a nested service's error and carry on
      opens a savepoint around the call (`with transaction.atomic():`).
    """

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        depth = getattr(_frames, "depth", 0)
        _frames.depth = depth + 1
        try:
            if depth and connection.in_atomic_block:
                with transaction.atomic(savepoint=False):
                    return func(*args, **kwargs)
            if connection.in_atomic_block:
                with transaction.atomic():
                    return func(*args, **kwargs)
            return _run_with_retries(func, *args, **kwargs)
        finally:
            _frames.depth = depth

    return wrapper


def _run_with_retries(func: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                return func(*args, **kwargs)
        except OperationalError as exc:
            if not is_lock_conflict(exc) or attempt == MAX_ATTEMPTS:
                raise
            logger.warning(
                "lock conflict in %s (attempt %d): %s", func.__name__, attempt, exc
            )
            time.sleep(random.uniform(0, 0.005 * 2**attempt))
    raise AssertionError("unreachable")
