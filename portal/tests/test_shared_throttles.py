"""Throttles hold across processes: the card-reveal password re-entry and
the sign-up activation code count failures in the shared (Redis) cache, so
attempts spread over two web processes are counted together, the user (or
connection) is locked for a while, and the lockout is audited.

Two processes are simulated by two separate connections to the cache, each
used in turn as the default cache, and two browsers (two sessions)."""

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.test import Client
from django.utils.module_loading import import_string

from accounts.models import Cardholder, User
from accounts.services.portal_access import portal_activation_code_issue
from conftest import PORTAL_TEST_PASSWORD
from issuer.kernel.models import AuditEvent

pytestmark = pytest.mark.django_db
SIGNUP_PASSWORD = "violet-harbour-lantern-42"


def _shared_connection(settings: Any) -> Any:
    """A new connection to the configured cache, as another process opens it."""
    config = settings.CACHES["default"]
    backend = import_string(config["BACKEND"])
    params = {k: v for k, v in config.items() if k not in ("BACKEND", "LOCATION")}
    return backend(config["LOCATION"], params)


@pytest.fixture(params=["shared", "per-process"])
def processes(request, settings) -> Iterator[tuple[str, Callable[[int], None]]]:
    """Two processes' caches; `switch(n)` makes process n's the default.

    "per-process" is the old configuration (Django's default local-memory
    cache, one per process): the same attempts are not all counted there,
    which shows the tests can fail."""
    if request.param == "shared":
        connections = [_shared_connection(settings), _shared_connection(settings)]
        assert connections[0] is not connections[1]
    else:
        connections = [LocMemCache(f"process-{n}-{id(request)}", {}) for n in range(2)]
    for connection in connections:
        connection.clear()
    original = caches["default"]

    def switch(number: int) -> None:
        caches["default"] = connections[number]

    yield request.param, switch
    for connection in connections:
        connection.clear()
    caches["default"] = original


def _reveal_url(card: Any) -> str:
    return f"/portal/cards/{card.public_id}/reveal/"


def test_wrong_reveal_passwords_lock_the_user_across_processes(
    processes, settings, test_card, cardholder_user
):
    """Given a limit of 4, when 2 wrong passwords arrive through each of two
    processes (two sessions), then the right password is refused (429, no
    grant), one lockout and one refusal are audited."""
    kind, switch = processes
    settings.REVEAL_PASSWORD_FAILURE_LIMIT = 4
    card = test_card.issued.card
    user = cardholder_user(test_card)
    browsers = [Client(), Client()]
    for browser in browsers:
        browser.force_login(user)

    statuses = []
    for number in (0, 1, 0, 1):
        switch(number)
        response = browsers[number].post(_reveal_url(card), {"password": "guess"})
        statuses.append(response.status_code)
    switch(0)
    right = browsers[0].post(_reveal_url(card), {"password": PORTAL_TEST_PASSWORD})

    assert statuses == [400, 400, 400, 400]
    if kind == "per-process":
        assert right.status_code == 302  # the old way: never locked
        return
    assert right.status_code == 429
    assert "Too many wrong passwords" in right.content.decode()
    assert test_card.issued.pan not in right.content.decode()
    assert "portal_reveal_grant" not in browsers[0].session
    events = AuditEvent.objects.filter(target_id=str(card.pk)).order_by("pk")
    assert [(e.action, e.outcome) for e in events] == [
        (AuditEvent.Action.PAN_REVEAL, AuditEvent.Outcome.FAILED),
    ] * 4 + [
        (AuditEvent.Action.LOCKED_OUT, AuditEvent.Outcome.DENIED),
        (AuditEvent.Action.PAN_REVEAL, AuditEvent.Outcome.DENIED),
    ]
    assert events[4].details == {
        "why": "too many wrong passwords at the card-number reveal",
        "failures": 4,
        "locked_for_seconds": 900,
    }
    assert events[4].actor == user


def test_a_reveal_lockout_is_per_user_and_ends(
    settings, issue_card, cardholder_user, cardholder_client
):
    """Another cardholder is not locked; the locked one may try again once
    the lockout's seconds have passed."""
    settings.REVEAL_PASSWORD_FAILURE_LIMIT = 2
    settings.REVEAL_PASSWORD_LOCKOUT_SECONDS = 1
    caches["default"].clear()
    locked_card, other_card = issue_card(), issue_card()
    locked = cardholder_client(cardholder_user(locked_card))
    other = cardholder_client(cardholder_user(other_card))
    for _ in range(2):
        locked.post(_reveal_url(locked_card.issued.card), {"password": "guess"})

    refused = locked.post(
        _reveal_url(locked_card.issued.card), {"password": PORTAL_TEST_PASSWORD}
    )
    others = other.post(
        _reveal_url(other_card.issued.card), {"password": PORTAL_TEST_PASSWORD}
    )
    time.sleep(1.5)
    later = locked.post(
        _reveal_url(locked_card.issued.card), {"password": PORTAL_TEST_PASSWORD}
    )

    assert (refused.status_code, others.status_code, later.status_code) == (
        429,
        302,
        302,
    )


def _signup_form(code: str, username: str) -> dict[str, str]:
    return {
        "code": code,
        "username": username,
        "password1": SIGNUP_PASSWORD,
        "password2": SIGNUP_PASSWORD,
    }


def test_wrong_activation_codes_lock_the_connection_across_processes(
    processes, settings, test_card
):
    """Given a limit of 4, when 2 wrong codes arrive through each of two
    processes, then even the right code is refused (429) and the lockout is
    audited once."""
    kind, switch = processes
    settings.SIGNUP_CODE_FAILURE_LIMIT = 4
    cardholder = Cardholder.objects.get(pk=test_card.issued.card.account.cardholder_id)
    code, _ = portal_activation_code_issue(cardholder=cardholder, issued_by=None)
    browsers = [Client(), Client()]

    statuses = []
    for number in (0, 1, 0, 1):
        switch(number)
        response = browsers[number].post(
            "/portal/signup/", _signup_form("AAAA-BBBB-CCCC", f"guesser{number}")
        )
        statuses.append(response.status_code)
    switch(1)
    right = browsers[1].post("/portal/signup/", _signup_form(code, "rosa.diaz"))

    assert statuses == [200, 200, 200, 200]
    if kind == "per-process":
        assert right.status_code == 302  # the old way: never locked
        return
    assert right.status_code == 429
    assert not User.objects.filter(username="rosa.diaz").exists()
    [lockout] = AuditEvent.objects.filter(action=AuditEvent.Action.LOCKED_OUT)
    assert (lockout.outcome, lockout.actor_username, lockout.target_type) == (
        AuditEvent.Outcome.DENIED,
        "guesser1",
        "portal.signup",
    )
    assert lockout.details["failures"] == 4
