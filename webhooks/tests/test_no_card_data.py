"""No webhook ever carries a card number or a CVV: every public event type
is made from a real card's life and every body sent is searched."""

import datetime
import json
import re

import pytest
from django.utils import timezone

from accounts.roles import FRAUD_ANALYST
from accounts.services.billing import billing_run
from accounts.services.payments import credit_account_payment_post, payment_return
from cards.models import CardStatusChange
from cards.services.clearing import (
    authorization_reverse,
    refund_create,
    stale_holds_expire,
)
from cards.services.disputes import dispute_file
from cards.services.lifecycle import SYSTEM, card_freeze, card_replace
from cards.tests.conftest import cleared_capture
from fraud.models import ReviewCase
from fraud.services.live import authorization_score
from fraud.services.outcomes import review_case_close
from fraud.tests.conftest import active_model, authorize, media_root  # noqa: F401
from webhooks.catalogue import PUBLIC_EVENT_TYPES
from webhooks.models import WebhookEvent

pytestmark = pytest.mark.django_db
CARD_DATA_KEYS = re.compile(r'"(pan|card_number|number|cvv|cvc|cvv2)"\s*:')


def _every_event(program, analyst) -> None:
    sandbox, card = program.sandbox, program.card
    authorize(sandbox, 10_000_000)  # declined: over the limit
    authorization_reverse(authorization=authorize(sandbox, 300))
    authorize(sandbox, 200)  # its hold expires below
    capture = cleared_capture(sandbox, 2_000)  # approved, then cleared
    refund_create(
        card=card,
        amount=500,
        currency="USD",
        partner=None,
        authorization=capture.authorization,
    )
    dispute_file(
        capture=capture,
        amount=1_000,
        reason="not_received",
        description="Never arrived.",
        now=capture.created_at,
    )
    case_authorization = authorize(sandbox, 4_500)
    authorization_score(authorization=case_authorization)
    review_case_close(
        case=ReviewCase.objects.get(authorization=case_authorization),
        outcome="legitimate",
        reason="Cardholder called",
        analyst=analyst,
    )
    payment = credit_account_payment_post(
        account=card.account, amount=700, idempotency_key="no-card-data"
    )
    payment_return(payment=payment, reason="R01")
    stale_holds_expire(now=timezone.now() + datetime.timedelta(days=30))
    billing_run(account=card.account, now=timezone.now() + datetime.timedelta(days=40))
    card_freeze(
        card=card, reason=CardStatusChange.Reason.CARDHOLDER_REQUEST, actor=SYSTEM
    )
    card_replace(card=card, reason="lost", actor=SYSTEM)


@pytest.mark.usefixtures("active_model")
def test_no_body_carries_the_pan_or_cvv(
    program, receiver, make_staff, django_capture_on_commit_callbacks
):
    program.subscribe(receiver.url)
    pan, cvv = program.sandbox.issued.pan, program.sandbox.cvv

    with django_capture_on_commit_callbacks(execute=True):
        _every_event(program, make_staff("no-card-data", FRAUD_ANALYST))

    bodies = [r.body.decode() for r in receiver.requests]
    stored = list(WebhookEvent.objects.values_list("body", flat=True))
    types = {json.loads(body)["type"] for body in bodies}
    assert types == set(PUBLIC_EVENT_TYPES)
    for body in bodies + stored:
        assert pan not in body
        assert pan[:12] not in body
        assert pan[-12:] not in body
        assert not CARD_DATA_KEYS.search(body), body
        values = [str(v) for v in _leaves(json.loads(body))]
        assert cvv not in values


def _leaves(node):
    if isinstance(node, dict):
        for value in node.values():
            yield from _leaves(value)
    elif isinstance(node, list):
        for value in node:
            yield from _leaves(value)
    else:
        yield node
