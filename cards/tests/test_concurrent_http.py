"""16+ concurrent HTTP clients on a handful of cards, against a live server."""

import json
import random
import threading
import urllib.error
import urllib.request

import pytest

from accounts.selectors import credit_account_balance
from cards.models import Authorization
from cards.tests.conftest import authorization_body
from ledger.verification import ledger_breaches

pytestmark = pytest.mark.django_db(transaction=True)

CLIENTS = 16
REQUESTS_PER_CLIENT = 25
LIMIT = 30_000


def _post(url: str, key: str, body: dict, idempotency_key: str) -> dict:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={
            "Authorization": f"Api-Key {key}",
            "Content-Type": "application/json",
            "Idempotency-Key": idempotency_key,
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_concurrent_clients_never_pass_the_limit_and_retries_have_one_effect(
    live_server, make_partner, issue_card
):
    _, key = make_partner()
    cards = [issue_card(limit=LIMIT) for _ in range(4)]
    url = f"{live_server.url}/api/v1/authorizations"
    results: list[tuple[str, dict]] = []
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(CLIENTS)

    def client(number: int) -> None:
        rng = random.Random(number)
        start.wait()
        for n in range(REQUESTS_PER_CLIENT):
            card = rng.choice(cards)
            body = authorization_body(card, amount=rng.randint(200, 2_000))
            idempotency_key = f"c{number}-{n}"
            try:
                first = _post(url, key, body, idempotency_key)
                retry = _post(url, key, body, idempotency_key)  # a network retry
            except urllib.error.HTTPError as exc:
                with lock:
                    errors.append(f"{exc.code} {exc.read()[:200]!r}")
                continue
            with lock:
                results.append((idempotency_key, first))
                if retry != first:
                    errors.append(f"retry differs for {idempotency_key}")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(results) == CLIENTS * REQUESTS_PER_CLIENT
    assert Authorization.objects.count() == len(results)
    approved = [body for _, body in results if body["status"] == "approved"]
    declined = [body for _, body in results if body["status"] == "declined"]
    assert approved and declined
    assert {body["response_code"] for body in declined} == {"51"}
    for card in cards:
        balance = credit_account_balance(account=card.issued.card.account)
        approved_here = sum(
            body["amount"]
            for body in approved
            if body["card_id"] == str(card.issued.card.public_id)
        )
        assert balance.pending == approved_here
        assert approved_here <= LIMIT
    assert list(ledger_breaches()) == []
