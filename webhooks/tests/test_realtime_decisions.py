"""A card program decides its authorizations in real time, against a real
local HTTP server: it approves, declines with a reason, approves a lower
amount, is slow, fails. The call is signed like a webhook and waits with no
transaction open (docs/realtime-decisions.md)."""

import datetime
import json
import re
import time

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Partner, Scope
from accounts.selectors import credit_account_balance
from cards.models import ActivityCounter, Authorization, Capture
from cards.services.authorizations import authorization_create, authorization_decide
from cards.services.clearing import authorization_capture
from cards.services.realtime_decisions import realtime_decisions_resolve_stale
from cards.tests.conftest import authorization_body, authorization_request
from issuer.kernel.errors import InvalidInput
from issuer.kernel.models import OutboxEvent
from webhooks.models import AuthorizationDecisionEndpoint
from webhooks.services.decisions import decision_endpoint_put
from webhooks.signing import signature_of
from webhooks.tests.conftest import program_with_card

pytestmark = pytest.mark.django_db(transaction=True)
API = "/api/v1"
LIMIT = 100_000
APPROVE = ("json", 0, 200, {"decision": "approve"})


@pytest.fixture
def program(make_partner, issue_card):  # type: ignore[no-untyped-def]
    made = program_with_card(make_partner, issue_card)
    Partner.objects.filter(pk=made.partner.pk).update(kind=Partner.Kind.PROGRAM_MANAGER)
    made.partner.refresh_from_db()
    return made


@pytest.fixture
def acquirer(make_partner) -> APIClient:  # type: ignore[no-untyped-def]
    _, key = make_partner(scopes=[Scope.AUTHORIZATIONS])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


def _register(program, url, **options):  # type: ignore[no-untyped-def]
    endpoint, secret = decision_endpoint_put(
        partner=program.partner, url=url, **options
    )
    assert secret is not None
    return endpoint, secret


def _authorize(client, program, amount, key=None):  # type: ignore[no-untyped-def]
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(
        f"{API}/authorizations",
        authorization_body(program.sandbox, amount=amount),
        format="json",
        **headers,
    )


def _available(program) -> int:  # type: ignore[no-untyped-def]
    return credit_account_balance(account=program.card.account).available


def _card_day_counter(program) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    row = ActivityCounter.objects.get(
        scope=ActivityCounter.Scope.CARD,
        owner_id=program.card.pk,
        granularity=ActivityCounter.Granularity.DAY,
    )
    return row.count, row.amount


def _published(authorization_id: str) -> list[str]:
    return list(
        OutboxEvent.objects.filter(aggregate_id=authorization_id)
        .order_by("pk")
        .values_list("type", flat=True)
    )


def test_the_program_approves(receiver, program, acquirer):
    """Given an endpoint that approves, when the card authorizes 2,500, then
    it is approved with the decision and its latency recorded, 2,500 held,
    and authorization.approved published once, after the decision."""
    _register(program, receiver.url)
    receiver.script(APPROVE)

    response = _authorize(acquirer, program, 2_500)

    body = response.json()
    assert (response.status_code, body["status"], body["response_code"]) == (
        201,
        "approved",
        "00",
    )
    assert body["approved_amount"] == 2_500
    assert body["realtime_decision"]["outcome"] == "approved"
    assert body["realtime_decision"]["latency_ms"] >= 0
    assert _available(program) == LIMIT - 2_500
    assert _card_day_counter(program) == (1, 2_500)
    assert _published(body["id"]) == ["authorization.approved"]


def test_the_request_is_signed_and_carries_no_card_data(receiver, program, acquirer):
    """The POST verifies with the endpoint's secret (the webhooks signature)
    and holds ids, amount, merchant and channel, never the PAN or CVV."""
    _, secret = _register(program, receiver.url)
    receiver.script(APPROVE)

    _authorize(acquirer, program, 1_000)

    [request] = receiver.wait_for(1)
    header = request.headers["Webhook-Signature"]
    timestamp, signature = re.fullmatch(r"t=(\d+),v1=([0-9a-f]{64})", header).groups()
    assert signature == signature_of(
        secret=secret, timestamp=int(timestamp), body=request.body
    )
    event = request.event
    assert event["type"] == "authorization.decision_requested"
    data = event["data"]
    assert (data["amount"], data["currency"], data["channel"]) == (1_000, "USD", "pos")
    assert data["card_id"] == str(program.card.public_id)
    assert data["fraud"] is None
    assert data["default_decision"] == "decline"
    text = request.body.decode()
    assert program.sandbox.issued.pan not in text
    assert f'"{program.sandbox.cvv}"' not in text
    assert not re.search(r'"(pan|cvv|cvc|number|expiry)"\s*:', text)


def test_the_program_declines_with_a_reason(receiver, program, acquirer):
    """A decline with an allowed ISO 8583 code declines with that code and
    reason, and releases the hold and the counted approval exactly."""
    _register(program, receiver.url)
    receiver.script(
        (
            "json",
            0,
            200,
            {"decision": "decline", "response_code": "59", "reason": "Risky."},
        )
    )

    body = _authorize(acquirer, program, 4_000).json()

    assert (body["status"], body["response_code"], body["reason"]) == (
        "declined",
        "59",
        "Risky.",
    )
    assert body["realtime_decision"]["outcome"] == "declined"
    assert _available(program) == LIMIT
    assert _card_day_counter(program) == (0, 0)
    authorization = Authorization.objects.get(public_id=body["id"])
    assert authorization.hold.status == "voided"
    assert _published(body["id"]) == ["authorization.declined"]


def test_a_decline_code_outside_the_allowed_set_applies_the_default(
    receiver, program, acquirer
):
    """A decline with code 00 is no valid answer: the default (approve) applies."""
    _register(program, receiver.url, default_approves=True)
    receiver.script(("json", 0, 200, {"decision": "decline", "response_code": "00"}))

    body = _authorize(acquirer, program, 1_000).json()

    assert (body["status"], body["realtime_decision"]["outcome"]) == (
        "approved",
        "error-default",
    )


def test_the_program_approves_a_lower_amount(receiver, program, acquirer):
    """A partial approval of 600 of 1,000: code 10, 600 held and counted,
    400 released."""
    _register(program, receiver.url)
    receiver.script(("json", 0, 200, {"decision": "approve", "amount": 600}))

    body = _authorize(acquirer, program, 1_000).json()

    assert (body["status"], body["response_code"], body["approved_amount"]) == (
        "approved",
        "10",
        600,
    )
    assert body["realtime_decision"]["outcome"] == "partial"
    assert _available(program) == LIMIT - 600
    assert _card_day_counter(program) == (1, 600)
    authorization = Authorization.objects.get(public_id=body["id"])
    assert (authorization.hold.pending_amount, authorization.reversed_amount) == (
        600,
        400,
    )


def test_a_partial_approval_bounds_captures_by_what_was_approved(
    receiver, program, acquirer
):
    """Approved 600 of 1,000: a capture of the 1,000 asked for is refused
    (above 600 and its tolerance), and nothing is posted; 600 captures."""
    _register(program, receiver.url)
    receiver.script(("json", 0, 200, {"decision": "approve", "amount": 600}))
    body = _authorize(acquirer, program, 1_000).json()
    authorization = Authorization.objects.get(public_id=body["id"])

    with pytest.raises(InvalidInput) as refused:
        authorization_capture(authorization=authorization, amount=1_000)

    assert refused.value.code == "over_capture_tolerance"
    assert Capture.objects.filter(authorization=authorization).count() == 0
    authorization_capture(authorization=authorization, amount=600)
    assert Capture.objects.filter(authorization=authorization).count() == 1


def test_a_slow_program_gets_the_default_within_the_budget(receiver, program, acquirer):
    """Given a 300 ms budget and a program answering after 1.5 s, the default
    (decline) applies, is recorded as timeout-default, and the request
    returns within the budget and a small margin."""
    _register(program, receiver.url, budget_ms=300)
    receiver.script(("json", 1.5, 200, {"decision": "approve"}))

    started = time.monotonic()
    body = _authorize(acquirer, program, 1_000).json()
    elapsed = time.monotonic() - started

    # Back before the program's answer (1.5 s): the wait stopped at the
    # budget, whatever the rest of the request cost on a loaded machine.
    assert elapsed < 1.5
    assert (body["status"], body["response_code"]) == ("declined", "05")
    assert body["realtime_decision"]["outcome"] == "timeout-default"
    assert 250 <= body["realtime_decision"]["latency_ms"] < 800
    assert _available(program) == LIMIT
    assert _card_day_counter(program) == (0, 0)


@pytest.mark.parametrize("failure", ["http_500", "refused", "not_json"])
def test_a_failing_program_gets_the_default(receiver, program, acquirer, failure):
    """A 500, a refused connection or an unreadable answer: the default
    (approve, here) applies and error-default is recorded."""
    url = "http://127.0.0.1:9/decide" if failure == "refused" else receiver.url
    _register(program, url, default_approves=True)
    receiver.script(500 if failure == "http_500" else 200)

    body = _authorize(acquirer, program, 1_000).json()

    assert (body["status"], body["response_code"]) == ("approved", "00")
    assert body["realtime_decision"]["outcome"] == "error-default"
    assert _available(program) == LIMIT - 1_000


def test_the_decision_is_idempotent_on_the_key(receiver, program, acquirer):
    """The same Idempotency-Key replays the final answer; the program is
    asked once and one authorization exists."""
    _register(program, receiver.url)
    receiver.script(("json", 0, 200, {"decision": "approve", "amount": 700}))

    first = _authorize(acquirer, program, 1_000, key="k-1")
    second = _authorize(acquirer, program, 1_000, key="k-1")

    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert len(receiver.requests) == 1
    assert Authorization.objects.filter(card=program.card).count() == 1


def test_a_card_outside_the_program_is_not_sent(
    receiver, program, acquirer, issue_card
):
    """Another program's card is decided locally: nothing reaches this
    program's endpoint."""
    _register(program, receiver.url)
    other = issue_card()

    authorization = authorization_create(
        request=authorization_request(other, amount=1_000), partner=None
    )

    assert (authorization.status, authorization.realtime_decision) == ("approved", "")
    assert receiver.requests == []


def test_a_crash_before_the_decision_is_resolved_by_the_default(receiver, program):
    """A pending authorization nobody finished (its process died after the
    hold committed) holds credit until the sweeper applies the default."""
    _register(program, receiver.url)
    pending = authorization_decide(
        request=authorization_request(program.sandbox, amount=3_000), partner=None
    )
    assert pending.status == "pending"
    assert _available(program) == LIMIT - 3_000

    later = timezone.now() + datetime.timedelta(seconds=60)
    resolved = realtime_decisions_resolve_stale(now=later)

    pending.refresh_from_db()
    assert (resolved, pending.status, pending.realtime_decision) == (
        1,
        "declined",
        "timeout-default",
    )
    assert _available(program) == LIMIT
    assert _published(str(pending.public_id)) == ["authorization.declined"]
    assert receiver.requests == []


class TestTheEndpointApi:
    def _client(self, key: str) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
        return client

    def test_register_read_change_delete(self, receiver, program):
        """PUT shows the secret once (201), then changes without it (200);
        the secret is sealed at rest; DELETE stops the asking."""
        client = self._client(program.api_key)
        url = f"{API}/authorization-decision-endpoint"

        created = client.put(
            url, {"url": receiver.url, "budget_ms": 800}, format="json"
        )
        changed = client.put(
            url,
            {"url": receiver.url, "budget_ms": 2000, "default_decision": "approve"},
            format="json",
        )
        read = client.get(url)

        assert created.status_code == 201
        secret = created.json()["secret"]
        assert secret.startswith("whsec_")
        assert changed.status_code == 200
        assert "secret" not in changed.json()
        assert (read.json()["budget_ms"], read.json()["default_decision"]) == (
            2000,
            "approve",
        )
        row = AuthorizationDecisionEndpoint.objects.get(partner=program.partner)
        assert secret.encode() not in bytes(row.ciphertext)
        assert client.delete(url).status_code == 204
        assert client.get(url).status_code == 404

    def test_budget_is_at_most_two_seconds(self, receiver, program):
        client = self._client(program.api_key)

        response = client.put(
            f"{API}/authorization-decision-endpoint",
            {"url": receiver.url, "budget_ms": 2001},
            format="json",
        )

        assert response.status_code == 400
        assert "budget_ms" in response.json()["error"]["fields"]
        assert not AuthorizationDecisionEndpoint.objects.exists()

    def test_only_a_program_manager_registers_for_its_own_program(
        self, receiver, make_partner
    ):
        """An acquirer cannot register: there is no other program to name."""
        _, key = make_partner()

        response = self._client(key).put(
            f"{API}/authorization-decision-endpoint",
            {"url": receiver.url},
            format="json",
        )

        assert response.status_code == 403
        assert not AuthorizationDecisionEndpoint.objects.exists()

    def test_the_url_policy_applies(self, program, settings):
        settings.WEBHOOK_ALLOW_PRIVATE_HOSTS = False

        response = self._client(program.api_key).put(
            f"{API}/authorization-decision-endpoint",
            {"url": "http://127.0.0.1:8000/decide"},
            format="json",
        )

        assert response.status_code == 400
        assert not AuthorizationDecisionEndpoint.objects.exists()


def test_answer_bodies_are_json(receiver):
    """The local receiver answers JSON as scripted (a check of the harness)."""
    import httpx

    receiver.script(("json", 0, 200, {"decision": "approve"}))
    answer = httpx.post(receiver.url, content=b"{}")
    assert json.loads(answer.text) == {"decision": "approve"}


@pytest.mark.mysql_only
def test_parallel_authorizations_while_the_program_thinks_never_exceed_the_limit(
    receiver, make_partner, issue_card
):
    """Given a 10,000 limit and a program approving after 0.3 s, when 12
    threads each authorize 1,500 at once, then exactly 6 are approved (each
    hold committed before its wait, so none decides from stale credit) and
    the account never goes past its limit."""
    from threading import Barrier, Thread

    from django.db import connection

    made = program_with_card(make_partner, lambda: issue_card(limit=10_000))
    Partner.objects.filter(pk=made.partner.pk).update(kind=Partner.Kind.PROGRAM_MANAGER)
    made.partner.refresh_from_db()
    _register(made, receiver.url, budget_ms=2000)
    receiver.script(*[("json", 0.3, 200, {"decision": "approve"})] * 12)
    barrier, statuses = Barrier(12), []

    def authorize() -> None:
        try:
            barrier.wait()
            authorization = authorization_create(
                request=authorization_request(made.sandbox, amount=1_500),
                partner=None,
            )
            statuses.append(authorization.status)
        finally:
            connection.close()

    threads = [Thread(target=authorize) for _ in range(12)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == ["approved"] * 6 + ["declined"] * 6
    assert len(receiver.requests) == 6  # declined locally: the program is not asked
    assert _available(made) == 10_000 - 9_000
    assert time.monotonic() - started < 12 * 0.3  # the waits overlap: no lock held
