"""Factories for people and credit accounts."""

import datetime

import factory

from accounts.models import Cardholder, CreditAccount
from accounts.services.credit_accounts import cardholder_create, credit_account_open


class CardholderFactory(factory.Factory):
    class Meta:
        model = Cardholder

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    date_of_birth = datetime.date(1985, 6, 15)
    address_line1 = factory.Faker("street_address")
    city = factory.Faker("city")
    postal_code = factory.Faker("postcode")
    country = "US"
    email = factory.Faker("email")
    phone = "+1 555 0100"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):  # type: ignore[no-untyped-def]
        return cardholder_create(**kwargs)


def credit_account_create_for_test(
    *, credit_limit: int = 100_000, currency: str = "USD", **cardholder_fields
) -> CreditAccount:
    """A cardholder with one open credit account of `credit_limit`."""
    return credit_account_open(
        cardholder=CardholderFactory.create(**cardholder_fields),
        credit_limit=credit_limit,
        currency=currency,
        apr_bps=2_199,
        billing_cycle_day=1,
    )


def account_opened_on(
    day: datetime.date,
    *,
    credit_limit: int = 500_000,
    cycle_day: int = 28,
    apr_bps: int = 2_000,
    late_fee: int = 2_900,
    returned_payment_fee: int = 2_500,
    billing_time_zone: str = "",
) -> CreditAccount:
    """A credit line opened on `day` (for tests that travel in time)."""
    account = credit_account_open(
        cardholder=CardholderFactory.create(),
        credit_limit=credit_limit,
        currency="USD",
        apr_bps=apr_bps,
        billing_cycle_day=cycle_day,
        late_fee=late_fee,
        returned_payment_fee=returned_payment_fee,
        billing_time_zone=billing_time_zone,
    )
    opened = datetime.datetime.combine(day, datetime.time(9, 0), tzinfo=datetime.UTC)
    CreditAccount.objects.filter(pk=account.pk).update(opened_at=opened)
    account.refresh_from_db()
    return account


def purchase_post(
    account: CreditAccount, amount: int, at: datetime.datetime, key: str = ""
) -> None:
    """Post a cleared purchase on the account as of `at` (what a capture posts)."""
    from accounts.chart import MERCHANT_SETTLEMENT, program_account
    from ledger.services.entries import credit, debit, entry_post

    entry_post(
        legs=[
            debit(account.receivable, amount),
            credit(program_account(MERCHANT_SETTLEMENT, account.currency), amount),
        ],
        kind="purchase",
        idempotency_key=key or f"purchase:{account.pk}:{at.isoformat()}:{amount}",
        effective_at=at,
        description="Purchase",
    )
