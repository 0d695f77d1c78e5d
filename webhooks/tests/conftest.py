"""Webhook fixtures: a local receiving server, a program partner with a card
of its own, and an endpoint of that partner pointing at the receiver."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from accounts.models import Cardholder, Partner
from webhooks.models import WebhookEndpoint
from webhooks.services.endpoints import webhook_endpoint_create
from webhooks.tests.receiver import Receiver


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
