"""Factories for the card catalogue. BIN prefixes are Visa test ranges."""

import factory

from cards.models import Bin, CardProduct


class BinFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Bin
        django_get_or_create = ("prefix",)

    prefix = factory.Sequence(lambda n: f"4{n % 10**7:07d}")
    network = Bin.Network.VISA
    pan_length = 16
    currency = "USD"


class CardProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CardProduct

    name = factory.Sequence(lambda n: f"Classic {n}")
    bin = factory.SubFactory(BinFactory)
    currency = factory.SelfAttribute("bin.currency")
    default_credit_limit = 500_000
    apr_basis_points = 2_499
