"""Writing the transaction history: bulk import, live copies, labels."""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from django.db import connection, transaction
from django.db.models.constants import OnConflict
from django.utils import timezone
from tqdm import tqdm

from fraud.history_csv import (
    STORED_FIELDS,
    HeaderError,
    HistoryRowParser,
    HistoryValues,
    RowError,
    open_history,
    read_rows,
)
from fraud.models import HistoricalTransaction
from issuer.kernel.errors import InvalidInput, NotFound
from issuer.kernel.money import AmountError, currency_exponent

logger = logging.getLogger(__name__)

IMPORT_BATCH_SIZE = 5_000
REPORTED_ERRORS = 100


@dataclass
class ImportReport:
    rows_read: int = 0
    inserted: int = 0
    already_present: int = 0
    invalid: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        return self.already_present + self.invalid


def _utc_text(moment: datetime | None) -> str | None:
    """What adapt_datetimefield_value gives for aware UTC times on a UTC
    connection, without its per-value checks."""
    return None if moment is None else str(moment.replace(tzinfo=None))


def _insert_ignoring_duplicates(rows: list[HistoryValues], source: str) -> int:
    """Insert rows, skipping transaction_ids already stored; return rows inserted.

    One multi-row INSERT ... IGNORE (or the vendor's equivalent) per batch:
    several times faster than bulk_create, and the driver's row count says
    exactly how many were new, even with a concurrent import of the same ids.
    Every value was validated before, so IGNORE only ever skips duplicates.
    """
    meta = HistoricalTransaction._meta
    fields = [meta.get_field(name) for name in (*STORED_FIELDS, "source")]
    quote = connection.ops.quote_name
    statement = connection.ops.insert_statement(on_conflict=OnConflict.IGNORE)
    columns = ", ".join(quote(str(f.column)) for f in fields)  # type: ignore[union-attr]
    placeholders = ", ".join(["%s"] * len(fields))
    suffix = connection.ops.on_conflict_suffix_sql(
        fields, OnConflict.IGNORE, None, None
    )
    sql = f"{statement} {quote(meta.db_table)} ({columns}) VALUES ({placeholders})"
    if suffix:
        sql = f"{sql} {suffix}"
    adapt: Callable[[datetime | None], Any] = connection.ops.adapt_datetimefield_value
    if connection.timezone == UTC:
        adapt = _utc_text
    values = [
        (*row[:1], adapt(row[1]), *row[2:12], adapt(row[12]), source) for row in rows
    ]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, values)
        return max(cursor.rowcount, 0)


def history_rows_insert(*, rows: list[HistoryValues], source: str) -> int:
    """Insert validated rows (STORED_FIELDS order), skipping transaction_ids
    already stored; return how many were new."""
    return _insert_ignoring_duplicates(rows, source) if rows else 0


def historical_transactions_import(
    *,
    path: Path,
    progress: IO[str] | None = None,
    batch_size: int = IMPORT_BATCH_SIZE,
) -> ImportReport:
    """Load a labelled-history file (CSV or .gz) into the history table.

    Rows whose transaction_id is already stored are skipped, so importing
    the same file again changes nothing. Invalid rows are skipped and
    reported (line and field); the valid rows of a file are imported in
    batches, each its own transaction. `progress` gets a tqdm bar.
    """
    report = ImportReport()
    bar = tqdm(
        total=path.stat().st_size,
        unit="B",
        unit_scale=True,
        desc=path.name,
        file=progress,
        disable=progress is None,
        mininterval=0.5,
    )
    batch: list[HistoryValues] = []

    def flush() -> None:
        inserted = _insert_ignoring_duplicates(
            batch, HistoricalTransaction.Source.IMPORTED
        )
        report.inserted += inserted
        report.already_present += len(batch) - inserted
        batch.clear()

    with bar, open_history(path, progress=bar) as text:
        rows = read_rows(text)
        header = next(rows, None)
        if header is None:
            raise InvalidInput.for_field("file", f"{path.name} is empty")
        try:
            parser = HistoryRowParser(header[1])
        except HeaderError as error:
            raise InvalidInput.for_field("file", str(error)) from None
        parse = parser.parse
        for line, fields in rows:
            report.rows_read += 1
            try:
                batch.append(parse(fields, line))
            except RowError as error:
                report.invalid += 1
                if len(report.errors) < REPORTED_ERRORS:
                    report.errors.append(error)
                continue
            if len(batch) >= batch_size:
                flush()
        if batch:
            flush()
    logger.info(
        "history import %s: read=%d inserted=%d present=%d invalid=%d",
        path.name,
        report.rows_read,
        report.inserted,
        report.already_present,
        report.invalid,
    )
    return report


def historical_transaction_record(
    *,
    transaction_id: str,
    timestamp: datetime,
    card_ref: str,
    merchant_ref: str,
    amount_minor: int,
    currency: str,
    mcc: str = "",
    merchant_country: str = "",
    channel: str = "",
    cvv_failed: bool = False,
    declined: bool = False,
) -> HistoricalTransaction:
    """Copy a live transaction into the history (once per transaction_id)."""
    if amount_minor < 0:
        raise InvalidInput.for_field("amount_minor", "must not be negative")
    try:
        currency_exponent(currency)
    except AmountError as error:
        raise InvalidInput.for_field("currency", str(error)) from None
    if timezone.is_naive(timestamp):
        raise InvalidInput.for_field("timestamp", "must be timezone-aware")
    record, _ = HistoricalTransaction.objects.get_or_create(
        transaction_id=transaction_id,
        defaults={
            "timestamp": timestamp,
            "card_ref": card_ref,
            "merchant_ref": merchant_ref,
            "amount_minor": amount_minor,
            "currency": currency,
            "mcc": mcc,
            "merchant_country": merchant_country.upper(),
            "channel": channel.lower(),
            "cvv_failed": cvv_failed,
            "declined": declined,
            "source": HistoricalTransaction.Source.LIVE,
        },
    )
    return record


def historical_transaction_label(
    *, transaction_id: str, is_fraud: bool, label_time: datetime | None = None
) -> HistoricalTransaction:
    """Record a label (analyst decision, cardholder, dispute) known from now on.

    `label_time` (default now) is when this label became known; it never
    precedes the transaction. Confirming the label already stored keeps its
    earlier time: what was known then stays known.
    """
    with transaction.atomic():
        record = (
            HistoricalTransaction.objects.select_for_update()
            .filter(transaction_id=transaction_id)
            .first()
        )
        if record is None:
            raise NotFound(f"No history transaction {transaction_id!r}.")
        if record.is_fraud is is_fraud:
            return record
        record.is_fraud = is_fraud
        record.label_time = max(label_time or timezone.now(), record.timestamp)
        record.save(update_fields=["is_fraud", "label_time"])
    return record
