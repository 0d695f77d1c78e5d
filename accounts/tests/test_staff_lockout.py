"""The login lockout holds when many wrong passwords arrive at once.

Fifty threads, each with its own client and database connection, post to
the admin login together (full middleware stack: axes, sessions, audit), so
the failures race each other in the database as an attack's would.
"""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.db import connection
from django.test import Client

from accounts.models import User
from accounts.tests.lockout_race import first_failures_together
from accounts.tests.staff_auth import staff_device, totp_code
from issuer.kernel.models import AuditEvent

PASSWORD = "a-long-staff-passphrase-42"
ATTEMPTS = 50
LOGIN = "/admin/login/"


@pytest.fixture
def agent(transactional_db: None) -> User:
    return User.objects.create_user(username="agent", password=PASSWORD, is_staff=True)


def _log_in(password: str, code: str = "") -> int:
    response = Client().post(
        LOGIN,
        {"username": "agent", "password": password, "otp_token": code},
        HTTP_USER_AGENT="lockout-test",
    )
    return response.status_code


def test_lockout_with_50_parallel_wrong_passwords(agent):
    """Given 50 wrong passwords sent at once, every failure is counted exactly
    once, every response is either a refused login or the lockout page, the
    lockout holds against the right password and a valid code, and each
    attempt is in the audit trail."""
    device = staff_device(agent)
    start = threading.Barrier(ATTEMPTS)

    def wrong_password(attempt: int) -> int:
        try:
            start.wait()
            return _log_in(f"wrong-{attempt}")
        finally:
            connection.close()  # this thread's own connection

    with ThreadPoolExecutor(max_workers=ATTEMPTS) as pool:
        statuses = Counter(pool.map(wrong_password, range(ATTEMPTS)))
    failures_after_attack = AccessAttempt.objects.get(
        username="agent"
    ).failures_since_start
    right_credentials = _log_in(PASSWORD, totp_code(device))

    # Refused (200) until the limit is reached; the lockout page (429) after.
    assert set(statuses) <= {200, 429}
    assert statuses[429] >= ATTEMPTS - settings.AXES_FAILURE_LIMIT + 1
    assert failures_after_attack == ATTEMPTS  # no lost update
    assert right_credentials == 429
    assert AccessAttempt.objects.get(username="agent").failures_since_start == (
        ATTEMPTS + 1
    )
    assert not AuditEvent.objects.filter(
        action=AuditEvent.Action.LOGIN_SUCCEEDED
    ).exists()
    events = Counter(
        AuditEvent.objects.filter(actor_username="agent").values_list(
            "action", flat=True
        )
    )
    assert events == {
        AuditEvent.Action.LOGIN_FAILED: ATTEMPTS + 1,
        AuditEvent.Action.LOCKED_OUT: statuses[429] + 1,
    }
    device.refresh_from_db()
    assert device.last_t == -1  # the code was never even checked


RACERS = 10


@pytest.mark.mysql_only
def test_first_failures_arriving_together_are_all_counted(agent):
    """The first failures of a username, each about to insert its attempt row
    and released together, are each counted. (axes' own handler deadlocks
    here on MariaDB: error 1213, a 500, and the failure lost.)"""
    statuses = first_failures_together(
        lambda attempt: _log_in(f"wrong-{attempt}"), RACERS
    )

    assert set(statuses) <= {200, 429}
    assert AccessAttempt.objects.get(username="agent").failures_since_start == RACERS
    assert (
        AuditEvent.objects.filter(
            action=AuditEvent.Action.LOGIN_FAILED, actor_username="agent"
        ).count()
        == RACERS
    )
