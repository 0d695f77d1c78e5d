"""Factories for fraud records: plain `Transaction`s and stored history rows."""

from datetime import UTC, datetime, timedelta

import factory

from fraud.models import HistoricalTransaction
from fraud.scoring.records import Transaction

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


class TransactionFactory(factory.Factory):
    class Meta:
        model = Transaction

    transaction_id = factory.Sequence(lambda n: f"T{n:08d}")
    timestamp = factory.Sequence(lambda n: START + timedelta(minutes=n))
    card_ref = "C00001"
    merchant_ref = "M000001"
    amount_minor = 2500
    currency = "USD"
    mcc = "5411"
    merchant_country = "US"
    channel = "pos"
    cvv_failed = False
    declined = False
    is_fraud = False
    label_time = factory.LazyAttribute(lambda tx: tx.timestamp + timedelta(days=7))


class HistoricalTransactionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HistoricalTransaction

    transaction_id = factory.Sequence(lambda n: f"H{n:08d}")
    timestamp = factory.Sequence(lambda n: START + timedelta(minutes=n))
    card_ref = "C00001"
    merchant_ref = "M000001"
    amount_minor = 2500
    currency = "USD"
    mcc = "5411"
    merchant_country = "US"
    channel = "pos"
    is_fraud = False
    label_time = factory.LazyAttribute(lambda tx: tx.timestamp + timedelta(days=7))
