"""One activation code, many simultaneous sign-ups: exactly one login is made
(the code's row lock, against real MariaDB)."""

import threading

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Cardholder, PortalActivationCode, User
from accounts.services.portal_access import (
    portal_activation_code_issue,
    portal_signup,
)
from accounts.tests.factories import CardholderFactory
from issuer.kernel.errors import InvalidInput

pytestmark = [pytest.mark.mysql_only, pytest.mark.django_db(transaction=True)]

THREADS = 8
PASSWORD = "violet-harbour-lantern-42"


def test_one_code_makes_one_login_however_many_try_at_once():
    holder = CardholderFactory.create()
    code, record = portal_activation_code_issue(cardholder=holder, issued_by=None)
    outcomes: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def attempt(worker: int) -> None:
        start.wait()
        try:
            portal_signup(code=code, username=f"racer-{worker}", password=PASSWORD)
        except InvalidInput as error:
            outcome = ",".join(error.fields)
        else:
            outcome = "signed up"
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["code"] * (THREADS - 1) + ["signed up"]
    assert User.objects.filter(username__startswith="racer-").count() == 1
    user = User.objects.get(username__startswith="racer-")
    assert Cardholder.objects.get(pk=holder.pk).user == user
    assert PortalActivationCode.objects.get(pk=record.pk).used_by == user


def test_the_code_row_is_locked_before_anything_is_written():
    holder = CardholderFactory.create()
    code, _ = portal_activation_code_issue(cardholder=holder, issued_by=None)

    with CaptureQueriesContext(connection) as queries:
        portal_signup(code=code, username="rosa", password=PASSWORD)

    statements = [query["sql"] for query in queries.captured_queries]
    locked = next(
        index
        for index, sql in enumerate(statements)
        if "accounts_portalactivationcode" in sql and "FOR UPDATE" in sql
    )
    first_write = next(
        index
        for index, sql in enumerate(statements)
        if sql.startswith(("INSERT", "UPDATE"))
    )
    assert locked < first_write
