"""Login lockout (django-axes) that counts every failure under concurrency.

axes' database handler records a failure with
`AccessAttempt.objects.select_for_update().get_or_create(...)` inside a
transaction, then `failures_since_start = F(...) + 1`. The increment is
atomic, but the first failures of a username racing each other deadlock on
MariaDB/MySQL: each INSERT that loses the unique-key race takes a shared
lock on the winner's row, and two of them then both want the exclusive
lock (error 1213). The request fails with a 500 and its failure is never
counted (`accounts/tests/test_staff_lockout.py` shows it).

This handler first makes sure the row exists, in its own short
transaction (a losing INSERT's error ends it and releases its lock at
once), so axes' code always takes the locked `get` path: one row lock per
failure, serialised, never a deadlock, and no failure lost.
"""

from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_query_str
from axes.models import AccessAttempt
from django.db import IntegrityError, transaction
from django.http import HttpRequest


class ConcurrencySafeAxesHandler(AxesDatabaseHandler):
    def user_login_failed(
        self,
        sender: Any,
        credentials: dict[str, Any],
        request: HttpRequest | None = None,
        **kwargs: Any,
    ) -> None:
        if request is not None:
            username = get_client_username(request, credentials)
            if username is not None:
                _attempt_row_ensure(request, username)
        super().user_login_failed(sender, credentials, request, **kwargs)


def _attempt_row_ensure(request: HttpRequest, username: str) -> None:
    """Create the (username, ip, user agent) row with no failures, if missing."""
    key = {
        "username": username,
        "ip_address": request.axes_ip_address,  # type: ignore[attr-defined]
        "user_agent": request.axes_user_agent,  # type: ignore[attr-defined]
    }
    if AccessAttempt.objects.filter(**key).exists():
        return
    try:
        with transaction.atomic():
            AccessAttempt.objects.create(
                **key,
                get_data=get_query_str(request.GET).replace("\0", "0x00"),
                post_data=get_query_str(request.POST).replace("\0", "0x00"),
                http_accept=request.axes_http_accept,  # type: ignore[attr-defined]
                path_info=request.axes_path_info,  # type: ignore[attr-defined]
                failures_since_start=0,
                attempt_time=request.axes_attempt_time,  # type: ignore[attr-defined]
            )
    except IntegrityError:
        pass  # a concurrent failure created it first
