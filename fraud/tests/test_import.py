"""import_transactions: exact minor units, UTC, labels, idempotence, bad rows."""

import gzip
from datetime import UTC, datetime, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from fraud.models import HistoricalTransaction

HEADER = (
    "transaction_id,timestamp,card_ref,merchant_ref,amount,currency,mcc,"
    "merchant_country,channel,is_fraud,label_time,terminal_colour\n"
)
GOOD_ROWS = (
    "T1,2026-01-05T10:00:00,C00001,M000001,57.16,USD,5411,us,POS,0,,red\n"
    "T2,2026-01-05T12:30:00+02:00,C00001,M000002,1000,JPY,5732,JP,ecommerce,1,"
    "2026-01-06T08:00:00Z,blue\n"
    "T3,2026-01-05T11:00:00Z,C00002,M000001,1.234,KWD,,,,,,green\n"
    "T4,2026-01-05T11:00:00Z,C00003,M000003,0.5,,,,,,,\n"
)


def _write(tmp_path: Path, text: str, name: str = "history.csv") -> Path:
    path = tmp_path / name
    if name.endswith(".gz"):
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            handle.write(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def _import(path: Path) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(
        "import_transactions", str(path), "--no-progress", stdout=out, stderr=err
    )
    return out.getvalue(), err.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["history.csv", "history.csv.gz"])
def test_import_stores_exact_minor_units_utc_times_and_labels(tmp_path, name):
    path = _write(tmp_path, HEADER + GOOD_ROWS, name)

    out, _ = _import(path)

    assert (
        out
        == "rows read: 4, inserted: 4, skipped: 0 (already present: 0, invalid: 0)\n"
    )
    rows = {row.transaction_id: row for row in HistoricalTransaction.objects.all()}
    assert rows["T1"].amount_minor == 5716
    assert rows["T1"].currency == "USD"
    assert rows["T1"].timestamp == datetime(2026, 1, 5, 10, tzinfo=UTC)
    assert rows["T1"].merchant_country == "US"
    assert rows["T1"].channel == "pos"
    assert rows["T1"].is_fraud is False
    assert rows["T1"].label_time == datetime(2026, 1, 12, 10, tzinfo=UTC)
    assert rows["T1"].source == HistoricalTransaction.Source.IMPORTED
    assert rows["T2"].amount_minor == 1000
    assert rows["T2"].timestamp == datetime(2026, 1, 5, 10, 30, tzinfo=UTC)
    assert rows["T2"].is_fraud is True
    assert rows["T2"].label_time == datetime(2026, 1, 6, 8, tzinfo=UTC)
    assert rows["T3"].amount_minor == 1234
    assert rows["T3"].is_fraud is None
    assert rows["T3"].label_time is None
    assert rows["T4"].amount_minor == 50
    assert rows["T4"].currency == "USD"


@pytest.mark.django_db
def test_importing_the_same_file_again_changes_nothing(tmp_path):
    path = _write(tmp_path, HEADER + GOOD_ROWS)
    _import(path)
    before = list(HistoricalTransaction.objects.order_by("pk").values())

    out, _ = _import(path)

    assert (
        out
        == "rows read: 4, inserted: 0, skipped: 4 (already present: 4, invalid: 0)\n"
    )
    assert list(HistoricalTransaction.objects.order_by("pk").values()) == before


@pytest.mark.django_db
def test_a_duplicate_inside_one_file_is_skipped(tmp_path):
    path = _write(tmp_path, HEADER + GOOD_ROWS + GOOD_ROWS.splitlines(True)[0])

    out, _ = _import(path)

    assert out.startswith("rows read: 5, inserted: 4, skipped: 1 (already present: 1,")
    assert HistoricalTransaction.objects.count() == 4


BAD_ROWS = {
    "T10,2026-01-05T10:00:00,C00001,M000001,abc,USD,,,,,,": (
        "line 2: amount: 'abc' is not a decimal number"
    ),
    "T11,yesterday,C00001,M000001,1.00,USD,,,,,,": (
        "line 3: timestamp: 'yesterday' is not an ISO 8601 date-time"
    ),
    "T12,2026-01-05T10:00:00,C00001,M000001,1.005,USD,,,,,,": (
        "line 4: amount: '1.005' has more than 2 decimals for USD"
    ),
    "T13,2026-01-05T10:00:00,C00001,M000001,1.00,XXX,,,,,,": (
        "line 5: currency: 'XXX' is not an ISO 4217 code"
    ),
    "T14,2026-01-05T10:00:00,C00001,M000001,1.00,USD,,,,2,,": (
        "line 6: is_fraud: '2' is not 0 or 1"
    ),
    "T15,2026-01-05T10:00:00,C00001,M000001,1.00,USD,,,,1,2026-01-04T00:00:00,": (
        "line 7: label_time: is before timestamp"
    ),
    "T16,2026-01-05T10:00:00,,M000001,1.00,USD,,,,,,": "line 8: card_ref: is required",
    "T17,2026-01-05T10:00:00,C00001,M000001,-1.00,USD,,,,,,": (
        "line 9: amount: must not be negative"
    ),
    "T18,2026-01-05T10:00:00,C00001,M000001,1.00,USD,54,,,,,": (
        "line 10: mcc: '54' is not a 4-digit MCC"
    ),
    "T19,2026-01-05T10:00:00,C00001,M000001": (
        "line 11: row: expected 12 columns, found 4"
    ),
}


@pytest.mark.django_db
def test_bad_rows_are_reported_with_line_and_field_and_not_stored(tmp_path):
    good = "T20,2026-01-05T10:00:00,C00001,M000001,2.00,USD,,,,,,\n"
    path = _write(tmp_path, HEADER + "\n".join(BAD_ROWS) + "\n" + good)

    with pytest.raises(CommandError, match="10 invalid row"):
        out, err = StringIO(), StringIO()
        call_command(
            "import_transactions", str(path), "--no-progress", stdout=out, stderr=err
        )

    assert err.getvalue().splitlines() == list(BAD_ROWS.values())
    assert out.getvalue() == (
        "rows read: 11, inserted: 1, skipped: 10 (already present: 0, invalid: 10)\n"
    )
    assert list(
        HistoricalTransaction.objects.values_list("transaction_id", flat=True)
    ) == ["T20"]


@pytest.mark.django_db
def test_a_file_without_a_required_column_is_refused(tmp_path):
    path = _write(
        tmp_path, "transaction_id,timestamp,card_ref,amount\nT1,2026-01-05,C1,1\n"
    )

    with pytest.raises(CommandError, match=r"missing required column.*merchant_ref"):
        _import(path)
    assert not HistoricalTransaction.objects.exists()


@pytest.mark.django_db
def test_the_database_refuses_a_label_before_its_transaction():
    """The rule also lives in the database (going around the services)."""
    from django.db import IntegrityError, transaction

    from fraud.tests.factories import HistoricalTransactionFactory

    row = HistoricalTransactionFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        HistoricalTransaction.objects.filter(pk=row.pk).update(
            label_time=row.timestamp - timedelta(seconds=1)
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        HistoricalTransaction.objects.filter(pk=row.pk).update(label_time=None)
    row.refresh_from_db()
    assert row.label_time == row.timestamp + timedelta(days=7)
