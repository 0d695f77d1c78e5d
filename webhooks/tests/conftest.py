"""Webhook fixtures: a local receiving server, a program partner with a card
of its own, and an endpoint of that partner pointing at the receiver."""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Cardholder, Partner
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from webhooks.services.decisions import decision_endpoints_forget
from webhooks.services.endpoints import webhook_endpoint_create
from webhooks.tests.receiver import Receiver


@pytest.fixture(autouse=True)
def _fresh_decision_endpoints() -> Iterator[None]:
    """Each test reads which programs decide in real time afresh."""
    decision_endpoints_forget()
    yield
    decision_endpoints_forget()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class Program:
    partner: Partner
    api_key: str
    sandbox: Any  # the SandboxCard of a cardholder in this partner's program

    @property
    def card(self) -> Any:
        return self.sandbox.issued.card

    def subscribe(
        self, url: str, events: list[str] | None = None
    ) -> tuple[WebhookEndpoint, str]:
        return webhook_endpoint_create(
            partner=self.partner, url=url, event_types=events or ["*"]
        )


def program_with_card(make_partner: Any, issue_card: Any) -> Program:
    partner, key = make_partner()
    sandbox = issue_card()
    Cardholder.objects.filter(pk=sandbox.issued.card.account.cardholder_id).update(
        program_partner=partner
    )
    return Program(partner=partner, api_key=key, sandbox=sandbox)


@pytest.fixture
def program(make_partner: Any, issue_card: Any) -> Program:
    return program_with_card(make_partner, issue_card)


def failed_delivery_create(*, partner: Partner) -> WebhookDelivery:
    """A delivery that failed for good, to an endpoint of the partner's that
    nobody listens on (for tests of who may see and replay it)."""
    endpoint, _ = webhook_endpoint_create(
        partner=partner, url="http://127.0.0.1:9/hooks", event_types=["*"]
    )
    event = WebhookEvent.objects.create(
        event_id=uuid.uuid4(),
        type="card.status_changed",
        object_key=f"card:{uuid.uuid4()}",
        sequence=1,
        created_at=timezone.now(),
        body="{}",
    )
    return WebhookDelivery.objects.create(
        endpoint=endpoint,
        event=event,
        object_key=event.object_key,
        sequence=1,
        status=WebhookDelivery.Status.FAILED,
        next_attempt_at=timezone.now(),
        retry_until=timezone.now(),
    )
