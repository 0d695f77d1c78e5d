"""Parallel wrong-CVV and wrong-expiry attempts on one card, each thread a
client of the API view with its own MariaDB connection (the live server's
listen backlog drops connections past ~10 at once): every attempt is answered
201 with an ISO 8583 code and recorded, and the card is blocked after exactly
the threshold.
"""

import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from cards.models import Authorization, Card, CardStatusChange
from cards.services.authorizations import VERIFICATION_FAILURES_BEFORE_BLOCK
from cards.tests.conftest import authorization_body

pytestmark = [pytest.mark.mysql_only, pytest.mark.django_db(transaction=True)]

ATTEMPTS = 32


def _post(key: str, body: dict) -> tuple[int, dict]:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    try:
        response = client.post("/api/v1/authorizations", body, format="json")
        return response.status_code, response.json()
    finally:
        connection.close()


def _wrong_cvv(cvv: str) -> str:
    return f"{(int(cvv) + 1) % 1000:03d}"


@pytest.mark.parametrize("wrong", ["cvv", "expiry"])
def test_parallel_wrong_attempts_are_all_201_recorded_and_block_at_the_threshold(
    make_partner, issue_card, wrong
):
    """Given one active card,
    when 32 clients send a wrong CVV (or a wrong expiry) at the same moment,
    then every answer is 201 declined with N7/54 or 62, there is one
    authorization row per attempt, exactly the threshold count as failures
    and the card is blocked once, by card security."""
    _, key = make_partner()
    card = issue_card()
    if wrong == "cvv":
        body = authorization_body(card, cvv=_wrong_cvv(card.cvv))
        failure_code = "N7"
    else:
        month, year = card.issued.card.expiry.split("/")
        body = authorization_body(card, expiry=f"{month}/{int(year) + 1:02d}")
        failure_code = "54"
    answers: list[tuple[int, dict]] = []
    lock = threading.Lock()
    start = threading.Barrier(ATTEMPTS)

    def client() -> None:
        start.wait()
        answer = _post(key, body)
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=client) for _ in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert [status for status, _ in answers] == [201] * ATTEMPTS, answers
    codes = sorted(answer["response_code"] for _, answer in answers)
    threshold = VERIFICATION_FAILURES_BEFORE_BLOCK
    assert codes == sorted([failure_code] * threshold + ["62"] * (ATTEMPTS - threshold))
    assert {answer["status"] for _, answer in answers} == {"declined"}
    assert Authorization.objects.filter(card=card.issued.card).count() == ATTEMPTS
    recorded = Authorization.objects.filter(card=card.issued.card)
    assert sorted(str(row.public_id) for row in recorded) == sorted(
        answer["id"] for _, answer in answers
    )
    blocked = Card.objects.get(pk=card.issued.card.pk)
    assert (blocked.status, blocked.block_owner, blocked.verification_failures) == (
        "blocked",
        "security",
        threshold,
    )
    assert (
        CardStatusChange.objects.filter(
            card=blocked, to_status="blocked", reason="cvv_failures"
        ).count()
        == 1
    )
