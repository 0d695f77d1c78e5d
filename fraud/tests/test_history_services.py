"""Live copies and labels: once per transaction, labels keep their time."""

from datetime import UTC, datetime, timedelta

import pytest

from fraud.models import HistoricalTransaction
from fraud.services.history import (
    historical_transaction_label,
    historical_transaction_record,
)
from fraud.tests.factories import HistoricalTransactionFactory
from issuer.kernel.errors import InvalidInput, NotFound

MOMENT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _record(**overrides):  # type: ignore[no-untyped-def]
    values = {
        "transaction_id": "auth-1",
        "timestamp": MOMENT,
        "card_ref": "C00042",
        "merchant_ref": "m-1",
        "amount_minor": 1250,
        "currency": "USD",
        "mcc": "5411",
        "merchant_country": "us",
        "channel": "POS",
    } | overrides
    return historical_transaction_record(**values)


@pytest.mark.django_db
def test_a_live_transaction_is_copied_once():
    first = _record()
    again = _record(amount_minor=9999)

    assert again.pk == first.pk
    stored = HistoricalTransaction.objects.get()
    assert stored.amount_minor == 1250
    assert stored.source == HistoricalTransaction.Source.LIVE
    assert (stored.merchant_country, stored.channel) == ("US", "pos")
    assert stored.is_fraud is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount_minor": -1}, "amount_minor"),
        ({"currency": "XXX"}, "currency"),
        ({"timestamp": datetime(2026, 3, 2, 9, 0)}, "timestamp"),
    ],
)
def test_bad_live_copies_name_the_field_and_store_nothing(overrides, field):
    with pytest.raises(InvalidInput) as raised:
        _record(**overrides)

    assert list(raised.value.fields) == [field]
    assert not HistoricalTransaction.objects.exists()


@pytest.mark.django_db
def test_a_new_label_is_known_from_its_time_and_a_repeat_keeps_the_first_time():
    row = HistoricalTransactionFactory(transaction_id="T1", is_fraud=False)
    reported = row.timestamp + timedelta(days=2)

    historical_transaction_label(
        transaction_id="T1", is_fraud=True, label_time=reported
    )
    historical_transaction_label(
        transaction_id="T1", is_fraud=True, label_time=reported + timedelta(days=9)
    )

    row.refresh_from_db()
    assert (row.is_fraud, row.label_time) == (True, reported)


@pytest.mark.django_db
def test_a_label_never_predates_its_transaction():
    row = HistoricalTransactionFactory(
        transaction_id="T1", is_fraud=None, label_time=None
    )

    historical_transaction_label(
        transaction_id="T1", is_fraud=True, label_time=row.timestamp - timedelta(days=1)
    )

    row.refresh_from_db()
    assert row.label_time == row.timestamp


@pytest.mark.django_db
def test_labelling_an_unknown_transaction_is_not_found():
    with pytest.raises(NotFound):
        historical_transaction_label(transaction_id="nope", is_fraud=True)
