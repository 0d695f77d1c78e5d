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
