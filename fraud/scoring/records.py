"""The plain record of one card transaction, and the history frame built from many.

`Transaction` is what the online path takes (one transaction and its card's
and merchant's prior transactions); `history_frame` is what the offline path
takes (a DataFrame with one row per transaction, the columns of
`HISTORY_COLUMNS`). Both carry the same fields, so a test can feed the same
data both ways.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_SECOND = timedelta(seconds=1)

HISTORY_COLUMNS = (
    "transaction_id",
    "timestamp",
    "card_ref",
    "merchant_ref",
    "amount_minor",
    "currency",
    "mcc",
    "merchant_country",
    "channel",
    "cvv_failed",
    "declined",
    "is_fraud",
    "label_time",
)


@dataclass(frozen=True, slots=True)
class Transaction:
    """One card transaction as the features see it.

    `timestamp` and `label_time` are timezone-aware (naive means UTC).
    `is_fraud` is None while unlabelled; a label counts from `label_time`.
    """

    transaction_id: str
    timestamp: datetime
    card_ref: str
    merchant_ref: str
    amount_minor: int
    currency: str = "USD"
    mcc: str = ""
    merchant_country: str = ""
    channel: str = ""
    cvv_failed: bool = False
    declined: bool = False
    is_fraud: bool | None = None
    label_time: datetime | None = field(default=None)

    @property
    def order_key(self) -> tuple[datetime, str]:
        """Position in time: (timestamp, transaction_id) breaks equal timestamps."""
        return (as_utc(self.timestamp), self.transaction_id)


def as_utc(moment: datetime) -> datetime:
    """Return `moment` as an aware UTC datetime; naive means UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def epoch_seconds(moment: datetime) -> int:
    """Whole seconds since the Unix epoch (floor), exact integer arithmetic."""
    return (as_utc(moment) - EPOCH) // ONE_SECOND


def to_utc_series(values: pd.Series) -> pd.Series:
    """Parse or convert a column to datetime64[us, UTC] (naive means UTC)."""
    converted = pd.to_datetime(values, utc=True)
    return converted.astype("datetime64[us, UTC]")


def epoch_us(values: pd.Series) -> np.ndarray:
    """Microseconds since the epoch as int64 (NaT is not allowed here)."""
    return to_utc_series(values).to_numpy(dtype="datetime64[us]").astype(np.int64)


def history_frame(transactions: Iterable[Transaction]) -> pd.DataFrame:
    """Build the offline history frame from records (tests, small batches)."""
    rows = [
        (
            record.transaction_id,
            as_utc(record.timestamp),
            record.card_ref,
            record.merchant_ref,
            record.amount_minor,
            record.currency,
            record.mcc,
            record.merchant_country,
            record.channel,
            int(record.cvv_failed),
            int(record.declined),
            None if record.is_fraud is None else int(record.is_fraud),
            None if record.label_time is None else as_utc(record.label_time),
        )
        for record in transactions
    ]
    frame = pd.DataFrame.from_records(rows, columns=list(HISTORY_COLUMNS))
    return normalise_history_frame(frame)


def normalise_history_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Give a history frame the dtypes the features expect (copy)."""
    frame = frame.copy()
    for column in ("currency", "mcc", "merchant_country", "channel"):
        if column not in frame:
            frame[column] = "USD" if column == "currency" else ""
        frame[column] = frame[column].fillna("").astype(object)
    for column in ("cvv_failed", "declined"):
        if column not in frame:
            frame[column] = 0
        frame[column] = frame[column].fillna(0).astype(np.int8)
    if "is_fraud" not in frame:
        frame["is_fraud"] = pd.NA
    frame["is_fraud"] = frame["is_fraud"].astype("Int8")
    if "label_time" not in frame:
        frame["label_time"] = pd.NaT
    frame["timestamp"] = to_utc_series(frame["timestamp"])
    frame["label_time"] = to_utc_series(frame["label_time"])
    frame["amount_minor"] = frame["amount_minor"].astype(np.int64)
    for column in ("transaction_id", "card_ref", "merchant_ref"):
        frame[column] = frame[column].astype(object)
    return frame


def frame_records(frame: pd.DataFrame) -> list[Transaction]:
    """Turn a history frame back into records (tests and the online path)."""
    records = []
    for row in frame.itertuples(index=False):
        is_fraud = None if pd.isna(row.is_fraud) else bool(row.is_fraud)
        label_time = None if pd.isna(row.label_time) else row.label_time.to_pydatetime()
        records.append(
            Transaction(
                transaction_id=row.transaction_id,
                timestamp=row.timestamp.to_pydatetime(),
                card_ref=row.card_ref,
                merchant_ref=row.merchant_ref,
                amount_minor=int(row.amount_minor),
                currency=row.currency,
                mcc=row.mcc,
                merchant_country=row.merchant_country,
                channel=row.channel,
                cvv_failed=bool(row.cvv_failed),
                declined=bool(row.declined),
                is_fraud=is_fraud,
                label_time=label_time,
            )
        )
    return records
