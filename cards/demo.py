"""Demo data for cards: a product, cardholders who can log in, a partner,
and a few weeks of card activity."""

import datetime
import random
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Cardholder, CreditAccount, Partner, Scope, User
from accounts.services.credit_accounts import cardholder_create, credit_account_open
from accounts.services.partners import partner_create
from accounts.services.payments import credit_account_payment_post
from cards.models import Authorization, Bin, CardProduct, CardStatusChange
from cards.services.authorizations import AuthorizationRequest, authorization_create
from cards.services.catalogue import bin_create, card_product_create
from cards.services.clearing import authorization_capture
from cards.services.lifecycle import Actor, card_issue
from ledger.models import JournalEntry, Posting

DEMO_BIN = "45678901"
DEMO_PRODUCT = "Issuer Classic"
DEMO_PARTNER = "Demo Acquirer"
DEMO_PEOPLE = [
    ("Ada", "Lovelace", "GB"),
    ("Grace", "Hopper", "US"),
    ("Alan", "Turing", "GB"),
    ("Katherine", "Johnson", "US"),
    ("Edsger", "Dijkstra", "NL"),
]
MERCHANTS = [
    ("m-grocer", "Corner Grocer", "5411"),
    ("m-coffee", "Bean There", "5814"),
    ("m-fuel", "Fuel Stop", "5541"),
    ("m-books", "Paper Trail Books", "5942"),
    ("m-air", "Blue Sky Air", "4511"),
    ("m-shop", "Online Emporium", "5999"),
]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str


def demo_product_seed() -> CardProduct:
    with transaction.atomic():
        bin_ = Bin.objects.filter(prefix=DEMO_BIN).first() or bin_create(
            prefix=DEMO_BIN, network=Bin.Network.VISA, pan_length=16, currency="USD"
        )
        return CardProduct.objects.filter(name=DEMO_PRODUCT).first() or (
            card_product_create(
                name=DEMO_PRODUCT,
                bin=bin_,
                default_credit_limit=500_000,
                apr_basis_points=2_199,
                annual_fee=0,
                late_fee=2_900,
                returned_payment_fee=2_500,
                foreign_transaction_fee_basis_points=300,
                daily_limit=300_000,
            )
        )


def demo_partner_seed() -> tuple[Partner, str | None]:
    """The demo acquirer; its key is returned only when it is created now.

    It serves the issuer's own cardholders (`serves_issuer_cardholders`), so
    the demo's API calls reach the demo cardholders' accounts and cards.
    """
    partner = Partner.objects.filter(name=DEMO_PARTNER).first()
    if partner is not None:
        return partner, None
    return partner_create(
        name=DEMO_PARTNER, scopes=Scope.values, serves_issuer_cardholders=True
    )


def demo_cardholders_seed(*, rng: random.Random | None = None) -> list[DemoLogin]:
    """Cardholders with portal logins, active cards and some history."""
    rng = rng or random.Random(7)
    product = demo_product_seed()
    partner, _ = demo_partner_seed()
    logins = []
    for number, (first, last, country) in enumerate(DEMO_PEOPLE, start=1):
        username = f"cardholder{number}"
        logins.append(DemoLogin(username, settings.DEMO_PASSWORD, "Cardholder"))
        if Cardholder.objects.filter(user__username=username).exists():
            continue
        with transaction.atomic():
            user = User.objects.create_user(
                username=username,
                password=settings.DEMO_PASSWORD,
                email=f"{username}@example.com",
                first_name=first,
                last_name=last,
            )
            cardholder = cardholder_create(
                first_name=first,
                last_name=last,
                date_of_birth=datetime.date(1970 + number * 4, number, 10 + number),
                address_line1=f"{number} Demo Street",
                city="Springfield",
                postal_code=f"1000{number}",
                country=country,
                email=user.email,
                phone=f"+1 555 010{number}",
                user=user,
            )
            account = credit_account_open(
                cardholder=cardholder,
                credit_limit=product.default_credit_limit,
                currency="USD",
                apr_bps=product.apr_basis_points,
                billing_cycle_day=number,
                late_fee=product.late_fee,
                returned_payment_fee=product.returned_payment_fee,
                billing_time_zone=product.billing_time_zone,
            )
            issued = card_issue(
                account=account,
                product=product,
                actor=Actor(channel=CardStatusChange.Channel.SYSTEM),
                activate=True,
            )
        _history_seed(issued.pan, issued.card.expiry, account, partner, rng)
    return logins


HISTORY_DAYS = 80


def _history_seed(pan, expiry, account, partner, rng) -> None:  # type: ignore[no-untyped-def]
    """Some weeks of purchases (most captured) and a payment, dated back, on a
    line opened before them, so the billing batch has cycles to close."""
    now = timezone.now()
    CreditAccount.objects.filter(pk=account.pk).update(
        opened_at=now - datetime.timedelta(days=HISTORY_DAYS)
    )
    for _ in range(rng.randint(12, 20)):
        merchant_id, name, mcc = rng.choice(MERCHANTS)
        authorization = authorization_create(
            request=AuthorizationRequest(
                pan=pan,
                expiry=expiry,
                amount=rng.randint(300, 15_000),
                currency="USD",
                merchant_id=merchant_id,
                merchant_name=name,
                mcc=mcc,
                merchant_country="US",
                channel=rng.choice(["pos", "contactless", "ecommerce"]),
            ),
            partner=partner,
        )
        if (
            authorization.status == Authorization.Status.APPROVED
            and rng.random() < 0.85
        ):
            capture = authorization_capture(authorization=authorization)
            when = now - datetime.timedelta(
                days=rng.randint(1, HISTORY_DAYS - 1), hours=rng.randint(0, 23)
            )
            Authorization.objects.filter(pk=authorization.pk).update(created_at=when)
            JournalEntry.objects.filter(pk=capture.entry_id).update(effective_at=when)
            Posting.objects.filter(entry_id=capture.entry_id).update(effective_at=when)
    credit_account_payment_post(
        account=account,
        amount=5_000,
        idempotency_key=f"demo-payment:{account.public_id}",
        received_at=now - datetime.timedelta(days=HISTORY_DAYS // 2),
    )
