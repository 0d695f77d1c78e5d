"""Two partners' programs, each with one of every object the partner API
reads or acts on by id, for the API's fuzz and object-level access tests."""

import hashlib
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import connection

from accounts.models import Cardholder, Partner, Scope
from accounts.services.partners import partner_create
from cards.models import Authorization, Capture, Dispute
from cards.services.authorizations import authorization_create
from cards.services.clearing import authorization_capture
from cards.services.disputes import dispute_file
from cards.services.sandbox import SandboxCard, sandbox_cards_issue
from cards.tests.conftest import authorization_request
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.tests.conftest import failed_delivery_create


@dataclass(frozen=True)
class Program:
    """A partner (key with every scope) and the objects of its program."""

    partner: Partner
    key: str
    card: SandboxCard
    authorization: Authorization
    capture: Capture
    dispute: Dispute
    webhook_endpoint: WebhookEndpoint
    webhook_delivery: WebhookDelivery

    @property
    def ids(self) -> dict[str, str]:
        """Each path parameter of the API's routes, as this program's object."""
        card = self.card.issued.card
        return {
            "account_id": str(card.account.public_id),
            "authorization_id": str(self.authorization.public_id),
            "card_id": str(card.public_id),
            "cardholder_id": str(card.account.cardholder.public_id),
            "dispute_id": str(self.dispute.public_id),
            "endpoint_id": str(self.webhook_endpoint.public_id),
            "delivery_id": str(self.webhook_delivery.public_id),
        }

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Api-Key {self.key}"}


def program_create(name: str, *, issuer_managed: bool = False) -> Program:
    """A partner running a program of one cardholder with a card, an
    authorization the partner sent, half of it captured, a dispute, and a
    webhook endpoint with a failed delivery.

    `issuer_managed`: the cardholder is the issuer's own (no program) and the
    partner the issuer's servicer (`serves_issuer_cardholders`)."""
    partner, key = partner_create(
        name=name, scopes=list(Scope.values), serves_issuer_cardholders=issuer_managed
    )
    card = next(sandbox_cards_issue(count=1, limit=500_000))
    if not issuer_managed:
        Cardholder.objects.filter(pk=card.issued.card.account.cardholder_id).update(
            program_partner=partner
        )
    authorization = authorization_create(
        request=authorization_request(card, amount=20_000), partner=partner
    )
    assert authorization.status == Authorization.Status.APPROVED, authorization.reason
    capture = authorization_capture(authorization=authorization, amount=10_000)
    dispute = dispute_file(
        capture=capture, amount=1_000, reason="other", description="Not mine."
    )
    delivery = failed_delivery_create(partner=partner)
    return Program(
        partner, key, card, authorization, capture, dispute, delivery.endpoint, delivery
    )


def api_headers(key: str, **more: Any) -> dict[str, str]:
    return {"Authorization": f"Api-Key {key}", **more}


def database_state(*, ignore: tuple[str, ...] = ()) -> dict[str, str]:
    """A digest of every row of every table, by table (tables in `ignore`,
    by model label, left out): equal digests mean nothing was written."""
    digests = {}
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed or model._meta.label in ignore:
            continue
        table = connection.ops.quote_name(model._meta.db_table)
        pk = connection.ops.quote_name(model._meta.pk.column)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {table} ORDER BY {pk}")
            rows = cursor.fetchall()
        digests[model._meta.label] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return digests
