"""The portal's sign-in lockout holds when many wrong attempts arrive at once.

Threads, each with its own client and database connection, post to the
portal's sign-in together through the full middleware stack (axes,
sessions, audit), so the failures race each other in the database as an
attack's would: wrong passwords, and right passwords with wrong codes for a
cardholder who turned two-step sign-in on.
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
from conftest import PORTAL_TEST_PASSWORD
from issuer.kernel.models import AuditEvent

ATTEMPTS = 30
LOGIN = "/portal/login/"


@pytest.fixture
def holder(transactional_db: None, issue_card, cardholder_user) -> User:  # type: ignore[no-untyped-def]
    return cardholder_user(issue_card(), username="holder")


def _sign_in(password: str, code: str = "") -> tuple[int, bool]:
    """Post the sign-in form; the status and whether a session was opened."""
    client = Client()
    response = client.post(
        LOGIN,
        {"username": "holder", "password": password, "otp_token": code},
        HTTP_USER_AGENT="lockout-test",
    )
    return response.status_code, "_auth_user_id" in client.session


def _all_at_once(attempt) -> Counter:  # type: ignore[no-untyped-def]
    """Run `attempt(number)` in ATTEMPTS threads released together."""
    start = threading.Barrier(ATTEMPTS)

    def run(number: int) -> tuple[int, bool]:
        try:
            start.wait()
            return attempt(number)
        finally:
            connection.close()  # this thread's own connection

    with ThreadPoolExecutor(max_workers=ATTEMPTS) as pool:
        return Counter(pool.map(run, range(ATTEMPTS)))


def _failures() -> int:
    return AccessAttempt.objects.get(username="holder").failures_since_start


def test_parallel_wrong_passwords_are_each_counted_and_lock_the_login(holder):
    """Every failure is counted once, every answer is the form again or the
    lockout page, and afterwards the right password is locked out too."""
    outcomes = _all_at_once(lambda number: _sign_in(f"wrong-{number}"))
    counted = _failures()

    right_password = _sign_in(PORTAL_TEST_PASSWORD)

    assert set(outcomes) <= {(200, False), (429, False)}
    assert outcomes[(429, False)] >= ATTEMPTS - settings.AXES_FAILURE_LIMIT + 1
    assert counted == ATTEMPTS  # no lost update
    assert right_password == (429, False)
    assert _failures() == ATTEMPTS + 1
    assert not AuditEvent.objects.filter(
        action=AuditEvent.Action.LOGIN_SUCCEEDED
    ).exists()
    assert (
        AuditEvent.objects.filter(
            action=AuditEvent.Action.LOGIN_FAILED, actor_username="holder"
        ).count()
        == ATTEMPTS + 1
    )


def test_parallel_wrong_codes_with_the_right_password_lock_the_login(holder):
    """With two-step sign-in on, the right password and a wrong code is a
    failure too: counted under concurrency, and the right code afterwards is
    locked out."""
    device = staff_device(holder)
    right = totp_code(device)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"

    outcomes = _all_at_once(lambda number: _sign_in(PORTAL_TEST_PASSWORD, wrong))
    counted = _failures()

    assert set(outcomes) <= {(200, False), (429, False)}
    assert outcomes[(429, False)] >= ATTEMPTS - settings.AXES_FAILURE_LIMIT + 1
    assert counted == ATTEMPTS
    assert _sign_in(PORTAL_TEST_PASSWORD, right) == (429, False)


RACERS = 10


@pytest.mark.mysql_only
def test_first_failures_arriving_together_are_all_counted(holder):
    """The first failures of a username, each about to insert its attempt row
    and released together, are each counted (axes' own handler deadlocks on
    MariaDB here: a 500 and the failure lost)."""
    outcomes = first_failures_together(
        lambda number: _sign_in(f"wrong-{number}"), RACERS
    )

    assert set(outcomes) <= {(200, False), (429, False)}
    assert _failures() == RACERS
