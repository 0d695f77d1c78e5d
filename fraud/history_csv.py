"""Reading the labelled-history CSV format of CONTRACTS.md (pure, no ORM).

One `HistoryRowParser` per file validates each row and turns it into the
values stored: amounts become integer minor units by the currency's
exponent (Decimal, never float), naive times are UTC, a label's time
defaults to the transaction's time + 7 days (a `label_time` without an
`is_fraud` is ignored: there is no label to date). `cvv_failed` and
`declined` are optional 0/1 columns. A bad row raises `RowError` naming its
line and field.
"""

import csv
import gzip
import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from pathlib import Path
from typing import IO, Any

from fraud.scoring.records import HISTORY_COLUMNS
from issuer.kernel.fields import COUNTRY, MCC
from issuer.kernel.money import AmountError, is_known_currency, major_to_minor

REQUIRED_COLUMNS = ("transaction_id", "timestamp", "card_ref", "merchant_ref", "amount")
# In the order `HistoryRowParser.parse` unpacks them.
OPTIONAL_COLUMNS = (
    "currency",
    "mcc",
    "merchant_country",
    "channel",
    "is_fraud",
    "label_time",
    "cvv_failed",
    "declined",
)
DEFAULT_LABEL_DELAY = timedelta(days=7)
MAX_REF_LENGTH = 64
MAX_CHANNEL_LENGTH = 20
_FLAGS = {"": False, "0": False, "1": True, "false": False, "true": True}

# The stored values, in this order: the history columns.
STORED_FIELDS = HISTORY_COLUMNS
HistoryValues = tuple[Any, ...]


@dataclass
class RowError(Exception):
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.message}"


class HeaderError(ValueError):
    """The file's header lacks a required column."""


def parse_time(value: str) -> datetime:
    """ISO 8601 date-time to aware UTC; naive means UTC."""
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


class HistoryRowParser:
    FIELDS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

    def __init__(self, header: list[str]) -> None:
        names = [name.strip().lower() for name in header]
        missing = [name for name in REQUIRED_COLUMNS if name not in names]
        if missing:
            raise HeaderError(f"missing required column(s): {', '.join(missing)}")
        self.width = len(names)
        # Unknown columns are ignored; a missing optional column reads as "",
        # the value appended after the row's last field.
        self._fields = itemgetter(
            *(
                names.index(name) if name in names else self.width
                for name in self.FIELDS
            )
        )

    def parse(self, row: list[str], line: int) -> HistoryValues:
        if len(row) != self.width:
            raise RowError(
                line, "row", f"expected {self.width} columns, found {len(row)}"
            )
        row.append("")
        (
            transaction_id,
            timestamp_text,
            card_ref,
            merchant_ref,
            amount,
            currency,
            mcc,
            country,
            channel,
            label,
            label_text,
            cvv_text,
            declined_text,
        ) = (value.strip() for value in self._fields(row))
        self._reference(transaction_id, "transaction_id", line)
        self._reference(card_ref, "card_ref", line)
        self._reference(merchant_ref, "merchant_ref", line)
        timestamp = self._time(timestamp_text, "timestamp", line)

        currency = (currency.upper() if currency.isascii() else currency) or "USD"
        if not is_known_currency(currency):
            raise RowError(line, "currency", f"{currency!r} is not an ISO 4217 code")
        try:
            amount_minor = major_to_minor(amount, currency)
        except AmountError as error:
            raise RowError(line, "amount", str(error)) from None
        if amount_minor < 0:
            raise RowError(line, "amount", "must not be negative")

        if mcc and not MCC.matches(mcc):
            raise RowError(line, "mcc", f"{mcc!r} is not a 4-digit MCC")
        country = country.upper() if country.isascii() else country
        if country and not COUNTRY.matches(country):
            raise RowError(
                line, "merchant_country", f"{country!r} is not an ISO 3166 alpha-2 code"
            )
        channel = channel.lower()
        if len(channel) > MAX_CHANNEL_LENGTH:
            raise RowError(line, "channel", f"longer than {MAX_CHANNEL_LENGTH}")

        cvv_failed = self._flag(cvv_text, "cvv_failed", line)
        declined = self._flag(declined_text, "declined", line)
        if label not in ("", "0", "1"):
            raise RowError(line, "is_fraud", f"{label!r} is not 0 or 1")
        is_fraud = None if label == "" else label == "1"
        label_time = None
        if is_fraud is not None:
            label_time = (
                self._time(label_text, "label_time", line)
                if label_text
                else timestamp + DEFAULT_LABEL_DELAY
            )
            if label_time < timestamp:
                raise RowError(line, "label_time", "is before timestamp")
        return (
            transaction_id,
            timestamp,
            card_ref,
            merchant_ref,
            amount_minor,
            currency,
            mcc,
            country,
            channel,
            cvv_failed,
            declined,
            is_fraud,
            label_time,
        )

    @staticmethod
    def _reference(value: str, name: str, line: int) -> None:
        if not value:
            raise RowError(line, name, "is required")
        if len(value) > MAX_REF_LENGTH:
            raise RowError(line, name, f"longer than {MAX_REF_LENGTH} characters")

    @staticmethod
    def _time(value: str, name: str, line: int) -> datetime:
        if not value:
            raise RowError(line, name, "is required")
        try:
            return parse_time(value)
        except ValueError:
            raise RowError(
                line, name, f"{value!r} is not an ISO 8601 date-time"
            ) from None

    @staticmethod
    def _flag(value: str, name: str, line: int) -> bool:
        try:
            return _FLAGS[value.lower()]
        except KeyError:
            raise RowError(line, name, f"{value!r} is not 0 or 1") from None


@contextmanager
def open_history(path: Path, *, progress: Any = None) -> Iterator[IO[str]]:
    """Open a history file as text, gzip or not (told by its first bytes).

    `progress`, a tqdm bar counting bytes, advances as the file is read.
    """
    with path.open("rb") as raw:
        is_gzip = raw.read(2) == b"\x1f\x8b"
        raw.seek(0)
        source: Any = raw
        if progress is not None:
            source = _CountingReader(raw, progress)
        binary: Any = gzip.GzipFile(fileobj=source) if is_gzip else source
        with io.TextIOWrapper(binary, encoding="utf-8-sig", newline="") as text:
            yield text


class _CountingReader(io.RawIOBase):
    """A read-only file that reports the bytes read to a progress bar."""

    def __init__(self, raw: IO[bytes], progress: Any) -> None:
        self.raw = raw
        self.progress = progress

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self.raw.readinto(buffer)  # type: ignore[attr-defined]
        self.progress.update(count)
        return count

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.progress.update(len(data))
        return data


def read_rows(text: IO[str]) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) of each data row; blank lines are skipped."""
    reader = csv.reader(text)
    for fields in reader:
        if fields:
            yield reader.line_num, fields
