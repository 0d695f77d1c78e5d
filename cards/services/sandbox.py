"""Sandbox helpers: test cardholders with active cards, and the demo catalogue."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from accounts.services.credit_accounts import cardholder_create, credit_account_open
from cards.models import Bin, CardProduct, CardStatusChange
from cards.security import cvv_generate
from cards.services.catalogue import bin_create, card_product_create
from cards.services.lifecycle import Actor, IssuedCard, card_issue
from issuer.kernel.errors import Forbidden
from issuer.kernel.money import validate_currency

SANDBOX_BIN_PREFIXES = {"USD": "49999901", "EUR": "49999902", "GBP": "49999903"}
SANDBOX_ACTOR = Actor(channel=CardStatusChange.Channel.SYSTEM)


@dataclass(frozen=True)
class SandboxCard:
    """One issued sandbox card with its clear PAN and CVV (never persisted)."""

    issued: IssuedCard
    cvv: str

    def __repr__(self) -> str:
        return f"SandboxCard(card={self.issued.card.public_id})"

    def csv_row(self) -> list[str]:
        card = self.issued.card
        return [
            str(card.public_id),
            str(card.account.public_id),
            self.issued.pan,
            card.expiry,
            self.cvv,
        ]


def sandbox_product(*, currency: str) -> CardProduct:
    """The sandbox product for `currency`, created on first use."""
    validate_currency(currency)
    prefix = SANDBOX_BIN_PREFIXES.get(currency, "49999909")
    with transaction.atomic():
        bin_ = Bin.objects.filter(prefix=prefix).first() or bin_create(
            prefix=prefix, network=Bin.Network.VISA, pan_length=16, currency=currency
        )
        name = f"Sandbox {currency}"
        return CardProduct.objects.filter(name=name).first() or card_product_create(
            name=name,
            bin=bin_,
            default_credit_limit=500_000,
            apr_basis_points=2_199,
            late_fee=2_900,
            returned_payment_fee=2_500,
        )


def sandbox_cards_issue(*, count: int, limit: int, currency: str = "USD"):  # type: ignore[no-untyped-def]
    """Yield `count` sandbox cardholders, each with an account and an active card."""
    if not settings.SANDBOX:
        raise Forbidden("Test cards are issued only in the sandbox (SANDBOX=on).")
    product = sandbox_product(currency=currency)
    for number in range(count):
        with transaction.atomic():
            cardholder = cardholder_create(
                first_name="Test",
                last_name=f"Cardholder {number + 1}",
                date_of_birth=datetime.date(1990, 1, 1),
                address_line1="1 Sandbox Way",
                city="Testville",
                postal_code="00000",
                country="US",
                email=f"test{number + 1}@sandbox.example",
                phone="+1 555 0100",
            )
            account = credit_account_open(
                cardholder=cardholder,
                credit_limit=limit,
                currency=currency,
                apr_bps=product.apr_basis_points,
                billing_cycle_day=1 + number % 28,
                late_fee=product.late_fee,
                returned_payment_fee=product.returned_payment_fee,
                billing_time_zone=product.billing_time_zone,
            )
            issued = card_issue(
                account=account, product=product, actor=SANDBOX_ACTOR, activate=True
            )
        card = issued.card
        mmyy = f"{card.expiry_month:02d}{card.expiry_year % 100:02d}"
        yield SandboxCard(issued=issued, cvv=cvv_generate(pan=issued.pan, expiry=mmyy))
