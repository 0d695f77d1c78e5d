"""Fraud features: defined once, computed offline over history and online for one.

`FEATURES` names every feature and what it means. Each is computed in two
steps:

1. raw point-in-time aggregates, all integers (counts, sums of minor units,
   epoch seconds), with two implementations of the same definitions:
   `history_raw_features` vectorised over a history DataFrame (training,
   backtests, batch scoring) and `transaction_raw_features` for one
   transaction from plain records (live scoring);
2. `feature_matrix` turns raw aggregates into the float features. Both paths
   share it, and integer sums are exact, so they agree to the last digit.

Point in time: a transaction sees only the transactions before it in
(timestamp, transaction_id) order, and a fraud label only from its
`label_time` (label_time <= the transaction's time; a label is never known
before the second after its own transaction). Time resolution is one second;
a window of length w at time t is the half-open interval (t - w, t].

Amounts in windows are sums of minor units in each row's currency: history is
expected in the card's billing currency. Hour of day and weekend are UTC.
"""

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd

from fraud.scoring.records import EPOCH, Transaction, as_utc, epoch_seconds, epoch_us
from issuer.kernel.money import currency_exponent

HOUR = 3600
DAY = 24 * HOUR
CARD_WINDOWS = {"1h": HOUR, "1d": DAY, "7d": 7 * DAY, "30d": 30 * DAY}
MERCHANT_WINDOWS = {"1d": DAY, "7d": 7 * DAY, "30d": 30 * DAY}
# The handbook's terminal risk looks at a window that ends this long ago.
HANDBOOK_DELAY = 7 * DAY
# Oldest history each part needs: the online caller passes at least this much.
CARD_LOOKBACK_SECONDS = 30 * DAY
MERCHANT_LOOKBACK_SECONDS = HANDBOOK_DELAY + 30 * DAY
# "Seconds since the previous transaction" when there is none in 30 days.
PREVIOUS_GAP_CAP = 30 * DAY
# Epoch-seconds "never" for labels that are not known.
NEVER = np.iinfo(np.int64).max // 4
ONE_MICROSECOND = timedelta(microseconds=1)

CHANNELS = ("pos", "contactless", "ecommerce", "atm", "moto")
CHANNEL_ALIASES = {
    "card_present": "pos",
    "chip": "pos",
    "swipe": "pos",
    "nfc": "contactless",
    "tap": "contactless",
    "ecom": "ecommerce",
    "e-commerce": "ecommerce",
    "online": "ecommerce",
    "cnp": "ecommerce",
    "card_not_present": "ecommerce",
    "mail_order": "moto",
    "phone": "moto",
}


@dataclass(frozen=True)
class Feature:
    name: str
    meaning: str
    handbook_name: str | None = None


def _window_features() -> list[Feature]:
    features = []
    for window in CARD_WINDOWS:
        features += [
            Feature(
                f"card_count_{window}",
                f"card's transactions in the last {window}, this one included",
                f"CUSTOMER_ID_NB_TX_{window[:-1]}DAY_WINDOW"
                if window != "1h"
                else None,
            ),
            Feature(
                f"card_amount_sum_{window}",
                f"card's amount in the last {window}, this one included",
            ),
        ]
    for window in ("1d", "7d", "30d"):
        features.append(
            Feature(
                f"card_avg_amount_{window}",
                f"card's mean amount in the last {window}, this one included",
                f"CUSTOMER_ID_AVG_AMOUNT_{window[:-1]}DAY_WINDOW",
            )
        )
    for window in MERCHANT_WINDOWS:
        features += [
            Feature(
                f"merchant_count_{window}",
                f"merchant's earlier transactions in the last {window}",
            ),
            Feature(
                f"merchant_known_fraud_{window}",
                f"merchant's transactions in the last {window} known as fraud now",
            ),
            Feature(
                f"merchant_fraud_rate_{window}",
                f"known fraud / earlier transactions at the merchant, last {window}",
            ),
        ]
    for window in MERCHANT_WINDOWS:
        days = window[:-1]
        features += [
            Feature(
                f"terminal_count_delayed_{window}",
                f"merchant's transactions in the {window} ending 7 days ago",
                f"TERMINAL_ID_NB_TX_{days}DAY_WINDOW",
            ),
            Feature(
                f"terminal_risk_delayed_{window}",
                "share of those known as fraud now (handbook risk, delay 7d)",
                f"TERMINAL_ID_RISK_{days}DAY_WINDOW",
            ),
        ]
    return features


FEATURES: tuple[Feature, ...] = (
    Feature("amount", "amount in major units", "TX_AMOUNT"),
    Feature("log_amount", "log(1 + amount)"),
    Feature("hour_of_day", "UTC hour 0-23"),
    Feature("is_night", "hour <= 6 (UTC)", "TX_DURING_NIGHT"),
    Feature("is_weekend", "Saturday or Sunday (UTC)", "TX_DURING_WEEKEND"),
    Feature("is_contactless", "channel is contactless"),
    Feature("is_ecommerce", "channel is e-commerce"),
    Feature("is_atm", "channel is ATM"),
    Feature("is_moto", "channel is mail/telephone order"),
    Feature("mcc_risk", "fraud rate of the MCC in training history (smoothed)"),
    Feature("country_risk", "fraud rate of the merchant country in training"),
    Feature("card_age_days", "days since the card's first seen transaction"),
    Feature("seconds_since_previous", "seconds since the card's previous tx (30d cap)"),
    Feature("amount_to_card_mean_30d", "amount / card's mean over the earlier 30d"),
    Feature("is_new_merchant_for_card", "no earlier tx with this merchant in 30d"),
    Feature("is_new_country_for_card", "no earlier tx in this country in 30d"),
    Feature("card_countries_1d", "distinct merchant countries of the card in 1d"),
    Feature("cvv_failed", "this transaction failed its CVV check"),
    Feature("declined", "this transaction was declined"),
    Feature("card_cvv_failures_1d", "card's earlier CVV failures in 1d"),
    Feature("card_declines_1d", "card's earlier declines in 1d"),
    Feature("card_known_fraud_30d", "card's transactions in 30d known as fraud now"),
    *_window_features(),
)
FEATURE_NAMES: tuple[str, ...] = tuple(feature.name for feature in FEATURES)
# The 15 features of the Fraud Detection Handbook baseline, in its order.
HANDBOOK_FEATURE_NAMES: tuple[str, ...] = tuple(
    feature.name
    for handbook_name in (
        "TX_AMOUNT",
        "TX_DURING_WEEKEND",
        "TX_DURING_NIGHT",
        *(
            f"CUSTOMER_ID_{kind}_{days}DAY_WINDOW"
            for days in (1, 7, 30)
            for kind in ("NB_TX", "AVG_AMOUNT")
        ),
        *(
            f"TERMINAL_ID_{kind}_{days}DAY_WINDOW"
            for days in (1, 7, 30)
            for kind in ("NB_TX", "RISK")
        ),
    )
    for feature in FEATURES
    if feature.handbook_name == handbook_name
)


@dataclass(frozen=True)
class RiskEncodings:
    """Smoothed fraud rates per MCC and merchant country, learnt from training.

    risk(v) = (frauds(v) + m * prior) / (transactions(v) + m); values never
    seen in training get the prior.
    """

    prior: float
    mcc: dict[str, float] = field(default_factory=dict)
    country: dict[str, float] = field(default_factory=dict)

    SMOOTHING = 100.0

    @classmethod
    def fit(
        cls, *, mcc: Sequence[str], country: Sequence[str], labels: np.ndarray
    ) -> "RiskEncodings":
        labels = np.asarray(labels, dtype=np.float64)
        prior = float(labels.mean()) if len(labels) else 0.0
        return cls(
            prior=prior,
            mcc=cls._rates(mcc, labels, prior),
            country=cls._rates(country, labels, prior),
        )

    @classmethod
    def _rates(
        cls, values: Sequence[str], labels: np.ndarray, prior: float
    ) -> dict[str, float]:
        frame = pd.DataFrame({"value": np.asarray(values, dtype=object), "y": labels})
        grouped = frame.groupby("value", sort=True)["y"].agg(["sum", "count"])
        return {
            str(value): float(
                (row["sum"] + cls.SMOOTHING * prior) / (row["count"] + cls.SMOOTHING)
            )
            for value, row in grouped.iterrows()
            if value != ""
        }


# Raw aggregates, all int64, in the order both implementations produce them.
RAW_INTEGER_COLUMNS: tuple[str, ...] = (
    "t",
    "amount_minor",
    "exponent",
    "cvv_failed",
    "declined",
    "card_first_seen",
    "card_previous_gap",
    *(f"card_prior_count_{w}" for w in CARD_WINDOWS),
    *(f"card_prior_sum_{w}" for w in CARD_WINDOWS),
    "card_prior_cvv_failures_1d",
    "card_prior_declines_1d",
    "card_merchant_seen_30d",
    "card_country_seen_30d",
    "card_countries_1d",
    "card_known_fraud_30d",
    *(f"merchant_prior_count_{w}" for w in MERCHANT_WINDOWS),
    *(f"merchant_known_fraud_{w}" for w in MERCHANT_WINDOWS),
    *(f"terminal_delayed_count_{w}" for w in MERCHANT_WINDOWS),
    *(f"terminal_delayed_known_fraud_{w}" for w in MERCHANT_WINDOWS),
)
RAW_TEXT_COLUMNS = ("channel", "mcc", "merchant_country")

RawFeatures = dict[str, np.ndarray]


# ---------------------------------------------------------------------------
# Online: one transaction from plain records.
# ---------------------------------------------------------------------------


def _micros(moment: datetime) -> int:
    if moment.tzinfo is UTC:  # stored times: skip the conversion
        return (moment - EPOCH) // ONE_MICROSECOND
    return (as_utc(moment) - EPOCH) // ONE_MICROSECOND


def _known_fraud_at(record: Transaction, seconds: int) -> int:
    """Epoch second from which `record` is known to be fraud (NEVER if not)."""
    if not record.is_fraud or record.label_time is None:
        return int(NEVER)
    return max(epoch_seconds(record.label_time), seconds + 1)


def _earlier(
    records: Sequence[Transaction],
    position: tuple[int, str],
    *,
    card: str = "",
    merchant: str = "",
) -> Iterator[tuple[Transaction, int]]:
    """(record, epoch second) of the records strictly before `position`."""
    position_micros, position_id = position
    for record in records:
        if (card and record.card_ref != card) or (
            merchant and record.merchant_ref != merchant
        ):
            continue
        micros = _micros(record.timestamp)
        if micros < position_micros or (
            micros == position_micros and record.transaction_id < position_id
        ):
            yield record, micros // 1_000_000


def transaction_raw_features(
    transaction: Transaction,
    *,
    card_history: Sequence[Transaction],
    merchant_history: Sequence[Transaction],
    card_first_seen: datetime | None = None,
) -> RawFeatures:
    """Raw aggregates for one transaction from its card's and merchant's history.

    `card_history` and `merchant_history` are that card's and that merchant's
    transactions as stored now, with their labels and label times; pass at
    least `CARD_LOOKBACK_SECONDS` and `MERCHANT_LOOKBACK_SECONDS` of them.
    Rows that are not before `transaction` in (timestamp, transaction_id)
    order or belong to another card/merchant are ignored, and so are labels
    not yet known at the transaction's time; older rows do no harm.
    `card_first_seen` is the card's first transaction ever, when older than
    the history passed.
    """
    micros = _micros(transaction.timestamp)
    t = micros // 1_000_000
    position = (micros, transaction.transaction_id)
    values: dict[str, int] = {
        "t": t,
        "amount_minor": transaction.amount_minor,
        "exponent": currency_exponent(transaction.currency),
        "cvv_failed": int(transaction.cvv_failed),
        "declined": int(transaction.declined),
    }

    first_seen = t
    if card_first_seen is not None:
        first_seen = min(first_seen, epoch_seconds(card_first_seen))
    previous = -1
    counts = dict.fromkeys(CARD_WINDOWS, 0)
    sums = dict.fromkeys(CARD_WINDOWS, 0)
    cvv_failures = declines = known_fraud = 0
    merchant_seen = country_seen = 0
    countries: set[str] = set()
    if transaction.merchant_country:
        countries.add(transaction.merchant_country)
    for record, seconds in _earlier(card_history, position, card=transaction.card_ref):
        first_seen = min(first_seen, seconds)
        age = t - seconds
        previous = max(previous, seconds)
        for window, length in CARD_WINDOWS.items():
            if age < length:
                counts[window] += 1
                sums[window] += record.amount_minor
        if age < DAY:
            cvv_failures += int(record.cvv_failed)
            declines += int(record.declined)
            if record.merchant_country:
                countries.add(record.merchant_country)
        if age < 30 * DAY:
            if record.merchant_ref == transaction.merchant_ref:
                merchant_seen = 1
            if record.merchant_country == transaction.merchant_country:
                country_seen = 1
            if _known_fraud_at(record, seconds) <= t:
                known_fraud += 1
    values["card_first_seen"] = first_seen
    values["card_previous_gap"] = t - previous if previous >= 0 else -1
    for window in CARD_WINDOWS:
        values[f"card_prior_count_{window}"] = counts[window]
    for window in CARD_WINDOWS:
        values[f"card_prior_sum_{window}"] = sums[window]
    values["card_prior_cvv_failures_1d"] = cvv_failures
    values["card_prior_declines_1d"] = declines
    values["card_merchant_seen_30d"] = merchant_seen
    values["card_country_seen_30d"] = country_seen
    values["card_countries_1d"] = len(countries)
    values["card_known_fraud_30d"] = known_fraud

    lengths = tuple(MERCHANT_WINDOWS.values())
    merchant_counts = [0] * len(lengths)
    merchant_fraud = [0] * len(lengths)
    delayed_counts = [0] * len(lengths)
    delayed_fraud = [0] * len(lengths)
    for record, seconds in _earlier(
        merchant_history, position, merchant=transaction.merchant_ref
    ):
        age = t - seconds
        if age >= MERCHANT_LOOKBACK_SECONDS:
            continue
        is_known_fraud = bool(record.is_fraud) and _known_fraud_at(record, seconds) <= t
        for index, length in enumerate(lengths):
            if age < length:
                merchant_counts[index] += 1
                merchant_fraud[index] += is_known_fraud
            if HANDBOOK_DELAY <= age < HANDBOOK_DELAY + length:
                delayed_counts[index] += 1
                delayed_fraud[index] += is_known_fraud
    merchant_counts_by = dict(zip(MERCHANT_WINDOWS, merchant_counts, strict=True))
    merchant_fraud_by = dict(zip(MERCHANT_WINDOWS, merchant_fraud, strict=True))
    delayed_counts_by = dict(zip(MERCHANT_WINDOWS, delayed_counts, strict=True))
    delayed_fraud_by = dict(zip(MERCHANT_WINDOWS, delayed_fraud, strict=True))
    for window in MERCHANT_WINDOWS:
        values[f"merchant_prior_count_{window}"] = merchant_counts_by[window]
        values[f"merchant_known_fraud_{window}"] = merchant_fraud_by[window]
        values[f"terminal_delayed_count_{window}"] = delayed_counts_by[window]
        values[f"terminal_delayed_known_fraud_{window}"] = delayed_fraud_by[window]

    raw: RawFeatures = {
        name: np.array([values[name]], dtype=np.int64) for name in RAW_INTEGER_COLUMNS
    }
    raw["channel"] = np.array([transaction.channel], dtype=object)
    raw["mcc"] = np.array([transaction.mcc], dtype=object)
    raw["merchant_country"] = np.array([transaction.merchant_country], dtype=object)
    return raw


# ---------------------------------------------------------------------------
# Offline: every row of a history frame, vectorised.
# ---------------------------------------------------------------------------


class _Groups:
    """Rows (in time order) sorted by a group code, with sortable window keys.

    key = code * span + (t - t_min + offset) is increasing inside the sorted
    rows; offset keeps `key - window` inside the same group for every window.
    """

    OFFSET = 64 * DAY

    def __init__(self, codes: np.ndarray, t: np.ndarray, t_min: int, span: int):
        self.codes_by_time = codes
        self.permutation = np.argsort(codes, kind="stable")
        self.codes = codes[self.permutation]
        self.t = t[self.permutation]
        self.t_min = t_min
        self.span = span
        self.key = self.keys(self.codes, self.t)
        self.position = np.arange(len(codes))

    def keys(self, codes: np.ndarray, t: np.ndarray) -> np.ndarray:
        return codes * self.span + (t - self.t_min + self.OFFSET)

    def window_start(self, length: int) -> np.ndarray:
        """Index of the first row of the group with t > t_row - length."""
        return np.searchsorted(self.key, self.key - length, side="right")

    def prior_count(self, length: int) -> np.ndarray:
        return self.position - self.window_start(length)

    def prior_sum(self, values: np.ndarray, length: int) -> np.ndarray:
        cumulative = np.concatenate(([0], np.cumsum(values[self.permutation])))
        return cumulative[self.position] - cumulative[self.window_start(length)]

    def count_in_window_ending_before(self, delay: int, length: int) -> np.ndarray:
        """Rows of the group with t in (t_row - delay - length, t_row - delay]."""
        upper = np.searchsorted(self.key, self.key - delay, side="right")
        lower = np.searchsorted(self.key, self.key - delay - length, side="right")
        return upper - lower

    def intervals_covering(
        self, rows: np.ndarray, start: np.ndarray, end: np.ndarray
    ) -> np.ndarray:
        """Per sorted row, how many [start, end) intervals of its group hold its t.

        `rows` are indices (time order) of the rows owning each interval.
        Empty intervals (start >= end) are dropped.
        """
        keep = start < end
        codes = self.codes_by_time[rows[keep]]
        starts = np.sort(self.keys(codes, start[keep]))
        ends = np.sort(self.keys(codes, end[keep]))
        return np.searchsorted(starts, self.key, side="right") - np.searchsorted(
            ends, self.key, side="right"
        )

    def to_time_order(self, values: np.ndarray) -> np.ndarray:
        result = np.empty_like(values)
        result[self.permutation] = values
        return result


def _text(frame: pd.DataFrame, column: str) -> np.ndarray:
    return frame[column].fillna("").to_numpy(dtype=object)


def _time_order(timestamps_us: np.ndarray, transaction_ids: np.ndarray) -> np.ndarray:
    """Row indices sorted by (timestamp, transaction_id)."""
    order = np.argsort(timestamps_us, kind="stable")
    sorted_times = timestamps_us[order]
    if len(sorted_times) > 1 and (np.diff(sorted_times) == 0).any():
        codes, _ = pd.factorize(transaction_ids, sort=True)
        order = np.lexsort((codes, timestamps_us))
    return order


def _exponents(currencies: np.ndarray) -> np.ndarray:
    codes, uniques = pd.factorize(currencies)
    table = np.array([currency_exponent(str(code)) for code in uniques], dtype=np.int64)
    return table[codes] if len(uniques) else np.zeros(0, dtype=np.int64)


def history_raw_features(history: pd.DataFrame) -> tuple[RawFeatures, np.ndarray]:
    """Raw aggregates for every row of `history`, vectorised.

    Returns the aggregates in time order and `order`, the history row
    positions in that order (`history.iloc[order]` lines up with them).
    A row sees the rows before it in (timestamp, transaction_id) order only.
    An optional `card_first_seen` column gives each card's first transaction
    when it is older than the frame.
    """
    n = len(history)
    if n == 0:
        empty: RawFeatures = {
            name: np.zeros(0, dtype=np.int64) for name in RAW_INTEGER_COLUMNS
        }
        empty.update({name: np.zeros(0, dtype=object) for name in RAW_TEXT_COLUMNS})
        return empty, np.zeros(0, dtype=np.intp)
    timestamps = epoch_us(history["timestamp"])
    order = _time_order(timestamps, history["transaction_id"].to_numpy(dtype=object))

    def column(name: str, dtype: object = None) -> np.ndarray:
        """One history column in time order (no copy of the whole frame)."""
        return history[name].to_numpy(dtype=dtype)[order]

    t = timestamps[order] // 1_000_000
    amount = column("amount_minor", np.int64)
    cvv_failed = column("cvv_failed", np.int64)
    declined = column("declined", np.int64)
    countries = _text(history, "merchant_country")[order]

    label_seconds = np.full(n, NEVER, dtype=np.int64)
    labels = history["label_time"]
    has_label = labels.notna().to_numpy()
    if has_label.any():
        label_seconds[has_label] = epoch_us(labels[has_label]) // 1_000_000
    label_seconds = label_seconds[order]
    is_fraud = history["is_fraud"].fillna(0).to_numpy(dtype=np.int64)[order] == 1
    fraud_known_from = np.where(
        is_fraud & (label_seconds < NEVER), np.maximum(label_seconds, t + 1), NEVER
    )
    fraud_rows = np.flatnonzero(fraud_known_from < NEVER)

    t_min = int(t.min()) if n else 0
    span = (int(t.max()) - t_min if n else 0) + 2 * _Groups.OFFSET + 1
    raw: RawFeatures = {
        "t": t,
        "amount_minor": amount,
        "exponent": _exponents(_text(history, "currency")[order]),
        "cvv_failed": cvv_failed,
        "declined": declined,
    }

    card_codes = pd.factorize(column("card_ref", object))[0].astype(np.int64)
    card = _Groups(card_codes, t, t_min, span)
    same_card_as_previous = np.concatenate(([False], card.codes[1:] == card.codes[:-1]))
    group_first = np.flatnonzero(~same_card_as_previous)
    first_seen = np.repeat(card.t[group_first], np.diff(np.append(group_first, n)))
    first_seen = card.to_time_order(first_seen)
    if "card_first_seen" in history:
        known = history["card_first_seen"].notna().to_numpy()
        if known.any():
            older = np.full(n, NEVER, dtype=np.int64)
            older[known] = epoch_us(history["card_first_seen"][known]) // 1_000_000
            first_seen = np.minimum(first_seen, older[order])
    raw["card_first_seen"] = first_seen
    previous_gap = np.full(n, -1, dtype=np.int64)
    previous_gap[same_card_as_previous] = (card.t[1:] - card.t[:-1])[
        same_card_as_previous[1:]
    ]
    raw["card_previous_gap"] = card.to_time_order(previous_gap)
    for window, length in CARD_WINDOWS.items():
        raw[f"card_prior_count_{window}"] = card.to_time_order(card.prior_count(length))
    for window, length in CARD_WINDOWS.items():
        raw[f"card_prior_sum_{window}"] = card.to_time_order(
            card.prior_sum(amount, length)
        )
    raw["card_prior_cvv_failures_1d"] = card.to_time_order(
        card.prior_sum(cvv_failed, DAY)
    )
    raw["card_prior_declines_1d"] = card.to_time_order(card.prior_sum(declined, DAY))
    merchant_refs = column("merchant_ref", object)
    raw["card_merchant_seen_30d"] = _seen_within(card_codes, merchant_refs, t, 30 * DAY)
    raw["card_country_seen_30d"] = _seen_within(card_codes, countries, t, 30 * DAY)
    raw["card_countries_1d"] = card.to_time_order(_distinct_in_day(card, countries))
    raw["card_known_fraud_30d"] = card.to_time_order(
        card.intervals_covering(
            fraud_rows, fraud_known_from[fraud_rows], t[fraud_rows] + 30 * DAY
        )
    )

    merchant_codes = pd.factorize(merchant_refs)[0].astype(np.int64)
    merchant = _Groups(merchant_codes, t, t_min, span)
    for window, length in MERCHANT_WINDOWS.items():
        raw[f"merchant_prior_count_{window}"] = merchant.to_time_order(
            merchant.prior_count(length)
        )
    for window, length in MERCHANT_WINDOWS.items():
        raw[f"merchant_known_fraud_{window}"] = merchant.to_time_order(
            merchant.intervals_covering(
                fraud_rows, fraud_known_from[fraud_rows], t[fraud_rows] + length
            )
        )
    for window, length in MERCHANT_WINDOWS.items():
        raw[f"terminal_delayed_count_{window}"] = merchant.to_time_order(
            merchant.count_in_window_ending_before(HANDBOOK_DELAY, length)
        )
    for window, length in MERCHANT_WINDOWS.items():
        window_opens = t[fraud_rows] + HANDBOOK_DELAY
        raw[f"terminal_delayed_known_fraud_{window}"] = merchant.to_time_order(
            merchant.intervals_covering(
                fraud_rows,
                np.maximum(fraud_known_from[fraud_rows], window_opens),
                window_opens + length,
            )
        )
    raw["channel"] = _text(history, "channel")[order]
    raw["mcc"] = _text(history, "mcc")[order]
    raw["merchant_country"] = countries
    return raw, order


def _seen_within(
    card_codes: np.ndarray, values: np.ndarray, t: np.ndarray, length: int
) -> np.ndarray:
    """1 where the card had an earlier row with the same value in the window."""
    value_codes = pd.factorize(values)[0]
    permutation = np.lexsort((np.arange(len(t)), value_codes, card_codes))
    sorted_cards = card_codes[permutation]
    sorted_values = value_codes[permutation]
    sorted_t = t[permutation]
    seen = np.zeros(len(t), dtype=np.int64)
    same = (sorted_cards[1:] == sorted_cards[:-1]) & (
        sorted_values[1:] == sorted_values[:-1]
    )
    seen[1:] = same & (sorted_t[1:] - sorted_t[:-1] < length)
    result = np.empty_like(seen)
    result[permutation] = seen
    return result


def _distinct_in_day(card: _Groups, countries: np.ndarray) -> np.ndarray:
    """Distinct known merchant countries of the card in 1d, this row included."""
    sorted_countries = countries[card.permutation]
    codes, uniques = pd.factorize(sorted_countries)
    start = card.window_start(DAY)
    distinct = np.zeros(len(codes), dtype=np.int64)
    for code, country in enumerate(uniques):
        if country == "":
            continue
        is_country = codes == code
        cumulative = np.concatenate(([0], np.cumsum(is_country)))
        in_window = cumulative[card.position] - cumulative[start] > 0
        distinct += in_window | is_country
    return distinct


# ---------------------------------------------------------------------------
# Shared: raw aggregates to features.
# ---------------------------------------------------------------------------


def _lookup(values: np.ndarray, table: Mapping[str, float], default: float):
    codes, uniques = pd.factorize(values)
    mapped = np.array([table.get(str(u), default) for u in uniques], dtype=np.float64)
    return mapped[codes] if len(uniques) else np.zeros(0, dtype=np.float64)


def _channels(values: np.ndarray) -> np.ndarray:
    codes, uniques = pd.factorize(values)
    normal = [
        CHANNEL_ALIASES.get(str(u).strip().lower(), str(u).strip().lower())
        for u in uniques
    ]
    return np.array(normal, dtype=object)[codes] if len(uniques) else values


def _ratio(numerator: np.ndarray, denominator: np.ndarray, default: float):
    result = np.full(len(numerator), default, dtype=np.float64)
    np.divide(numerator, denominator, out=result, where=denominator != 0)
    return result


def feature_columns(
    raw: RawFeatures, encodings: RiskEncodings
) -> dict[str, np.ndarray]:
    """Every feature of `FEATURES` as a float64 column, from raw aggregates."""
    t = raw["t"]
    amount_minor = raw["amount_minor"]
    scale = np.power(10.0, raw["exponent"])
    hour = (t // HOUR) % 24
    weekday = (t // DAY + 3) % 7  # 1970-01-01 was a Thursday; Monday is 0
    channel = _channels(raw["channel"])
    country = raw["merchant_country"]
    columns: dict[str, np.ndarray] = {
        "amount": amount_minor / scale,
        "hour_of_day": hour.astype(np.float64),
        "is_night": (hour <= 6).astype(np.float64),
        "is_weekend": (weekday >= 5).astype(np.float64),
        "is_contactless": (channel == "contactless").astype(np.float64),
        "is_ecommerce": (channel == "ecommerce").astype(np.float64),
        "is_atm": (channel == "atm").astype(np.float64),
        "is_moto": (channel == "moto").astype(np.float64),
        "mcc_risk": _lookup(raw["mcc"], encodings.mcc, encodings.prior),
        "country_risk": _lookup(country, encodings.country, encodings.prior),
        "card_age_days": (t - raw["card_first_seen"]) / float(DAY),
    }
    columns["log_amount"] = np.log1p(columns["amount"])
    gap = raw["card_previous_gap"]
    columns["seconds_since_previous"] = np.where(
        (gap < 0) | (gap > PREVIOUS_GAP_CAP), PREVIOUS_GAP_CAP, gap
    ).astype(np.float64)
    prior_count = raw["card_prior_count_30d"]
    prior_sum = raw["card_prior_sum_30d"]
    has_mean = (prior_count > 0) & (prior_sum > 0)
    columns["amount_to_card_mean_30d"] = _ratio(
        amount_minor * prior_count, np.where(has_mean, prior_sum, 0), 1.0
    )
    columns["is_new_merchant_for_card"] = (1 - raw["card_merchant_seen_30d"]).astype(
        np.float64
    )
    columns["is_new_country_for_card"] = (
        (country != "") & (raw["card_country_seen_30d"] == 0)
    ).astype(np.float64)
    columns["card_countries_1d"] = raw["card_countries_1d"].astype(np.float64)
    columns["cvv_failed"] = raw["cvv_failed"].astype(np.float64)
    columns["declined"] = raw["declined"].astype(np.float64)
    columns["card_cvv_failures_1d"] = raw["card_prior_cvv_failures_1d"].astype(
        np.float64
    )
    columns["card_declines_1d"] = raw["card_prior_declines_1d"].astype(np.float64)
    columns["card_known_fraud_30d"] = raw["card_known_fraud_30d"].astype(np.float64)
    for window in CARD_WINDOWS:
        count = raw[f"card_prior_count_{window}"] + 1
        total = raw[f"card_prior_sum_{window}"] + amount_minor
        columns[f"card_count_{window}"] = count.astype(np.float64)
        columns[f"card_amount_sum_{window}"] = total / scale
        if window != "1h":
            columns[f"card_avg_amount_{window}"] = total / (count * scale)
    for window in MERCHANT_WINDOWS:
        count = raw[f"merchant_prior_count_{window}"]
        fraud = raw[f"merchant_known_fraud_{window}"]
        columns[f"merchant_count_{window}"] = count.astype(np.float64)
        columns[f"merchant_known_fraud_{window}"] = fraud.astype(np.float64)
        columns[f"merchant_fraud_rate_{window}"] = _ratio(fraud, count, 0.0)
        delayed = raw[f"terminal_delayed_count_{window}"]
        delayed_fraud = raw[f"terminal_delayed_known_fraud_{window}"]
        columns[f"terminal_count_delayed_{window}"] = delayed.astype(np.float64)
        columns[f"terminal_risk_delayed_{window}"] = _ratio(delayed_fraud, delayed, 0.0)
    return columns


def feature_matrix(
    raw: RawFeatures,
    encodings: RiskEncodings,
    names: Sequence[str] = FEATURE_NAMES,
) -> np.ndarray:
    """The features `names` as a float64 matrix, one row per raw row."""
    columns = feature_columns(raw, encodings)
    return np.column_stack([columns[name] for name in names])


def transaction_features(
    transaction: Transaction,
    *,
    card_history: Sequence[Transaction],
    merchant_history: Sequence[Transaction],
    encodings: RiskEncodings,
    card_first_seen: datetime | None = None,
    names: Sequence[str] = FEATURE_NAMES,
) -> np.ndarray:
    """The features of one transaction (online path), as a 1-D float64 vector."""
    raw = transaction_raw_features(
        transaction,
        card_history=card_history,
        merchant_history=merchant_history,
        card_first_seen=card_first_seen,
    )
    return feature_matrix(raw, encodings, names)[0]


def history_features(
    history: pd.DataFrame,
    encodings: RiskEncodings,
    names: Sequence[str] = FEATURE_NAMES,
) -> tuple[np.ndarray, np.ndarray]:
    """The features of every history row (offline path) and their row order."""
    raw, order = history_raw_features(history)
    return feature_matrix(raw, encodings, names), order
