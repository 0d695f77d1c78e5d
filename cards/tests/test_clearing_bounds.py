"""Captures and refunds are bounded (docs/money-bounds.md).

Captures: within the product's over-capture tolerance, only while the
authorization is capturable, otherwise through the flagged, audited
force-post path. Refunds: linked ones within what was captured; unlinked
ones only from acquirers/processors, within per-refund and daily maxima.
"""

import datetime

import pytest
from django.utils import timezone

from accounts.models import Partner, Scope
from accounts.selectors import credit_account_balance
from cards.models import Capture, CardProduct, Refund
from cards.services.authorizations import authorization_create
from cards.services.clearing import (
    authorization_capture,
    authorization_reverse,
    force_capture,
    refund_create,
)
from cards.tests.conftest import authorization_body, authorization_request
from issuer.kernel.errors import Forbidden, InvalidInput
from issuer.kernel.models import AuditEvent
from ledger.models import LedgerHold
from ledger.verification import ledger_breaches

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture(autouse=True)
def _bounds(settings):
    settings.UNLINKED_REFUND_MAX_AMOUNT = 50_000
    settings.UNLINKED_REFUND_DAILY_MAX_PER_CARD = 100_000
    settings.UNAUTHORIZED_CAPTURE_MAX_AMOUNT = 50_000
    settings.UNAUTHORIZED_CAPTURE_DAILY_MAX_PER_CARD = 100_000


def _approve(test_card, amount: int, mcc: str = "5411"):
    authorization = authorization_create(
        request=authorization_request(
            test_card,
            amount=amount,
            merchant={"id": "m-1", "name": "Shop", "mcc": mcc, "country": "US"},
        ),
        partner=None,
    )
    assert authorization.status == "approved"
    return authorization


def _state(test_card):
    balance = credit_account_balance(account=test_card.issued.card.account)
    return (balance.posted_balance, balance.pending, balance.available)


def _client(make_partner, api_client, scopes, kind=Partner.Kind.ACQUIRER):
    partner, key = make_partner(scopes=scopes)
    Partner.objects.filter(pk=partner.pk).update(kind=kind)
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return api_client


def test_a_capture_of_999_999_999_999_on_a_100_authorization_is_refused(
    partner_client, test_card
):
    """Hostile: capture nearly a trillion on a 100.00 authorization."""
    created = partner_client.post(
        f"{API}/authorizations",
        authorization_body(test_card, amount=10_000),
        format="json",
    ).json()
    before = _state(test_card)

    response = partner_client.post(
        f"{API}/authorizations/{created['id']}/capture",
        {"amount": 999_999_999_999},
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "over_capture_tolerance"
    assert list(response.json()["error"]["fields"]) == ["amount"]
    assert Capture.objects.count() == 0
    assert _state(test_card) == before == (0, 10_000, 90_000)
    assert list(ledger_breaches()) == []


def test_captures_total_at_most_the_tolerance_over_the_authorization(test_card):
    """Default tolerance 10 %: 10,000 + 1,000 in two captures, not 1 more."""
    authorization = _approve(test_card, 10_000)
    authorization_capture(authorization=authorization, amount=6_000)
    authorization_capture(authorization=authorization, amount=5_000)

    with pytest.raises(InvalidInput) as refused:
        authorization_capture(authorization=authorization, amount=1)

    assert refused.value.fields["amount"]
    assert authorization.captured_amount == 11_000
    assert _state(test_card) == (11_000, 0, 89_000)


@pytest.mark.parametrize("mcc", ["5812", "5814", "5541", "5542", "7011", "7512"])
def test_tip_fuel_hotel_and_car_rental_categories_get_the_larger_tolerance(
    test_card, mcc
):
    """Default MCC tolerance 20 %: 12,000 on 10,000, and not 12,001."""
    authorization = _approve(test_card, 10_000, mcc=mcc)

    with pytest.raises(InvalidInput):
        authorization_capture(authorization=authorization, amount=12_001)
    capture = authorization_capture(authorization=authorization, amount=12_000)

    assert capture.is_over_capture and capture.amount == 12_000


def test_the_tolerance_is_configured_per_product(test_card):
    CardProduct.objects.filter(pk=test_card.issued.card.product_id).update(
        over_capture_tolerance_bps=0
    )
    authorization = _approve(test_card, 10_000)

    with pytest.raises(InvalidInput):
        authorization_capture(authorization=authorization, amount=10_001)
    assert authorization_capture(authorization=authorization).amount == 10_000


def test_a_capture_after_a_full_reversal_is_refused_unless_forced(
    partner_client, test_card
):
    created = partner_client.post(
        f"{API}/authorizations",
        authorization_body(test_card, amount=10_000),
        format="json",
    ).json()
    base = f"{API}/authorizations/{created['id']}"
    partner_client.post(f"{base}/reverse", {}, format="json")

    refused = partner_client.post(f"{base}/capture", {"amount": 5_000}, format="json")
    too_much = partner_client.post(
        f"{base}/capture", {"amount": 11_001, "force": True}, format="json"
    )
    forced = partner_client.post(
        f"{base}/capture", {"amount": 11_000, "force": True}, format="json"
    )

    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "not_capturable"
    assert list(refused.json()["error"]["fields"]) == ["force"]
    assert too_much.status_code == 400
    assert list(too_much.json()["error"]["fields"]) == ["amount"]
    assert forced.status_code == 201 and forced.json()["is_forced_post"] is True
    capture = Capture.objects.get()
    assert (capture.amount, capture.is_forced_post) == (11_000, True)
    audit = AuditEvent.objects.get(action=AuditEvent.Action.FORCE_POST)
    assert audit.target_id == str(capture.pk)
    assert audit.details["amount"] == 11_000
    assert _state(test_card) == (11_000, 0, 89_000)
    assert list(ledger_breaches()) == []


def test_a_hold_past_its_expiry_is_not_capturable_before_the_sweeper_runs(
    test_card,
):
    authorization = _approve(test_card, 10_000)
    LedgerHold.objects.filter(pk=authorization.hold_id).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )

    with pytest.raises(InvalidInput) as refused:
        authorization_capture(authorization=authorization, amount=10_000)
    capture = authorization_capture(
        authorization=authorization, amount=10_000, force=True
    )

    assert "force" in refused.value.fields
    assert capture.is_forced_post and capture.is_after_expiry
    assert LedgerHold.objects.get(pk=authorization.hold_id).status == "expired"
    assert _state(test_card) == (10_000, 0, 90_000)
    assert list(ledger_breaches()) == []


def test_a_partial_reversal_leaves_the_rest_capturable(test_card):
    authorization = _approve(test_card, 10_000)
    authorization_reverse(authorization=authorization, amount=4_000)

    capture = authorization_capture(authorization=authorization, amount=6_000)

    assert not capture.is_forced_post
    assert _state(test_card) == (6_000, 0, 94_000)


def test_a_linked_refund_is_bounded_by_what_was_captured(test_card):
    authorization = _approve(test_card, 10_000)
    authorization_capture(authorization=authorization, amount=7_000)
    card = test_card.issued.card
    refund_create(
        card=card,
        authorization=authorization,
        amount=5_000,
        currency="USD",
        partner=None,
    )

    with pytest.raises(InvalidInput) as refused:
        refund_create(
            card=card,
            authorization=authorization,
            amount=2_001,
            currency="USD",
            partner=None,
        )

    assert refused.value.fields == {
        "amount": ["Only 2000 of this authorization can be refunded."]
    }
    assert Refund.objects.count() == 1
    assert _state(test_card) == (2_000, 3_000, 95_000)


def test_an_unlinked_refund_of_999_999_999_999_is_refused(
    make_partner, api_client, test_card
):
    """Hostile: an acquirer holding only `refunds` credits nearly a trillion."""
    client = _client(make_partner, api_client, [Scope.REFUNDS])

    response = client.post(
        f"{API}/refunds",
        {
            "pan": test_card.issued.pan,
            "merchant": {"id": "m-1", "name": "Shop", "mcc": "5411", "country": "US"},
            "amount": 999_999_999_999,
            "currency": "USD",
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "refund_above_maximum"
    assert list(response.json()["error"]["fields"]) == ["amount"]
    assert Refund.objects.count() == 0
    assert _state(test_card) == (0, 0, 100_000)


def test_a_program_manager_may_not_send_an_unlinked_refund(
    make_partner, api_client, test_card
):
    client = _client(
        make_partner, api_client, [Scope.REFUNDS], kind=Partner.Kind.PROGRAM_MANAGER
    )

    response = client.post(
        f"{API}/refunds",
        {
            "pan": test_card.issued.pan,
            "merchant": {"id": "m-1", "name": "Shop", "mcc": "5411", "country": "US"},
            "amount": 100,
            "currency": "USD",
        },
        format="json",
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "unlinked_refund_not_allowed"
    assert Refund.objects.count() == 0


@pytest.mark.parametrize("kind", [Partner.Kind.ACQUIRER, Partner.Kind.PROCESSOR])
def test_acquirers_and_processors_send_unlinked_refunds_up_to_the_daily_maximum(
    test_card, make_partner, kind
):
    partner, _ = make_partner(scopes=[Scope.REFUNDS])
    Partner.objects.filter(pk=partner.pk).update(kind=kind)
    partner.refresh_from_db()
    card = test_card.issued.card

    def refund(amount: int) -> Refund:
        return refund_create(
            card=card, amount=amount, currency="USD", partner=partner, merchant_id="m"
        )

    refund(50_000)
    refund(50_000)
    with pytest.raises(InvalidInput) as refused:
        refund(1)

    assert refused.value.code == "refund_above_daily_maximum"
    assert Refund.objects.count() == 2
    assert _state(test_card) == (-100_000, 0, 200_000)


def test_the_program_manager_check_is_in_the_service_too(test_card, make_partner):
    partner, _ = make_partner(scopes=[Scope.REFUNDS])
    Partner.objects.filter(pk=partner.pk).update(kind=Partner.Kind.PROGRAM_MANAGER)
    partner.refresh_from_db()

    with pytest.raises(Forbidden):
        refund_create(
            card=test_card.issued.card,
            amount=100,
            currency="USD",
            partner=partner,
            merchant_id="m",
        )
    assert Refund.objects.count() == 0


def test_a_capture_without_authorization_is_bounded_per_capture_and_per_day(
    partner_client, test_card
):
    """Hostile: a force post of nearly a trillion with no authorization."""
    body = {
        "pan": test_card.issued.pan,
        "currency": "USD",
        "merchant": {"id": "m-1", "name": "Shop", "mcc": "5411", "country": "US"},
    }

    huge = partner_client.post(
        f"{API}/captures", {**body, "amount": 999_999_999_999}, format="json"
    )
    first = partner_client.post(
        f"{API}/captures", {**body, "amount": 50_000}, format="json"
    )
    second = partner_client.post(
        f"{API}/captures", {**body, "amount": 50_000}, format="json"
    )
    third = partner_client.post(f"{API}/captures", {**body, "amount": 1}, format="json")

    assert huge.status_code == 400
    assert huge.json()["error"]["code"] == "capture_above_maximum"
    assert list(huge.json()["error"]["fields"]) == ["amount"]
    assert (first.status_code, second.status_code) == (201, 201)
    assert third.status_code == 400
    assert third.json()["error"]["code"] == "capture_above_daily_maximum"
    assert Capture.objects.count() == 2
    assert AuditEvent.objects.filter(action=AuditEvent.Action.FORCE_POST).count() == 2
    assert _state(test_card) == (100_000, 0, 0)
    assert list(ledger_breaches()) == []


def test_a_staff_force_capture_is_bounded_too(test_card):
    with pytest.raises(InvalidInput) as refused:
        force_capture(
            card=test_card.issued.card,
            amount=50_001,
            currency="USD",
            merchant_id="m-1",
            merchant_name="Shop",
            partner=None,
        )

    assert refused.value.code == "capture_above_maximum"
    assert Capture.objects.count() == 0
