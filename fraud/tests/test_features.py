"""Features: online and offline agree exactly, and nothing comes from the future."""

from collections import defaultdict
from dataclasses import replace
from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from fraud.scoring.features import (
    FEATURE_NAMES,
    HANDBOOK_FEATURE_NAMES,
    RiskEncodings,
    history_features,
    transaction_features,
)
from fraud.scoring.records import Transaction, frame_records, history_frame
from fraud.tests.factories import START, TransactionFactory

ENCODINGS = RiskEncodings(
    prior=0.01, mcc={"5411": 0.002, "5732": 0.05}, country={"US": 0.004, "NG": 0.2}
)


def _column(matrix: np.ndarray, name: str) -> list[float]:
    return matrix[:, FEATURE_NAMES.index(name)].tolist()


def _replay_online(frame: pd.DataFrame, encodings: RiskEncodings) -> np.ndarray:
    """Online features of every row, each from the rows before it (time order)."""
    _, order = history_features(frame, encodings)
    records = frame_records(frame.iloc[order])
    by_card: dict[str, list[Transaction]] = defaultdict(list)
    by_merchant: dict[str, list[Transaction]] = defaultdict(list)
    rows = []
    for record in records:
        rows.append(
            transaction_features(
                record,
                card_history=by_card[record.card_ref],
                merchant_history=by_merchant[record.merchant_ref],
                encodings=encodings,
            )
        )
        by_card[record.card_ref].append(record)
        by_merchant[record.merchant_ref].append(record)
    return np.vstack(rows)


def _awkward(frame: pd.DataFrame) -> pd.DataFrame:
    """Add the hard cases: equal timestamps, yen amounts, unknown labels,
    instant labels, empty countries and channel aliases."""
    frame = frame.copy()
    step = frame.index[::97]
    frame.loc[step[1:], "timestamp"] = frame.loc[step[:-1], "timestamp"].to_numpy()
    frame.loc[frame.index[::53], "currency"] = "JPY"
    frame.loc[frame.index[::41], "is_fraud"] = pd.NA
    frame.loc[frame.index[::41], "label_time"] = pd.NaT
    instant = frame.index[(frame["is_fraud"] == 1).fillna(False).to_numpy()][::3]
    frame.loc[instant, "label_time"] = frame.loc[instant, "timestamp"]
    frame.loc[frame.index[::67], "merchant_country"] = ""
    frame.loc[frame.index[::71], "channel"] = "ECOM"
    return frame


def test_online_and_offline_features_are_identical_to_the_last_digit(
    small_world_frame,
):
    """Every feature of every row is bit-for-bit the same computed both ways."""
    frame = _awkward(small_world_frame[small_world_frame["card_ref"] < "C00120"])

    offline, _ = history_features(frame, ENCODINGS)
    online = _replay_online(frame, ENCODINGS)

    assert offline.shape == (len(frame), len(FEATURE_NAMES))
    assert (frame["is_fraud"] == 1).sum() > 50
    assert np.array_equal(online, offline)


def _merchant_story(label_delay: timedelta) -> pd.DataFrame:
    """A fraud at M000009 last evening, labelled `label_delay` later; a tx today."""
    yesterday = START
    today = START + timedelta(hours=20)
    return history_frame(
        [
            TransactionFactory(
                transaction_id="T1",
                timestamp=yesterday,
                card_ref="C00001",
                merchant_ref="M000009",
                is_fraud=True,
                label_time=yesterday + label_delay,
            ),
            TransactionFactory(
                transaction_id="T2",
                timestamp=today,
                card_ref="C00002",
                merchant_ref="M000009",
            ),
        ]
    )


@pytest.mark.parametrize(
    ("label_delay", "known_fraud", "fraud_rate"),
    [
        (timedelta(days=2), 0.0, 0.0),  # known tomorrow: not yet today
        (timedelta(hours=20, seconds=1), 0.0, 0.0),  # a second too late
        (timedelta(hours=20), 1.0, 1.0),  # known just in time
        (timedelta(hours=10), 1.0, 1.0),  # known since this morning
    ],
)
def test_a_label_counts_only_once_it_is_known(label_delay, known_fraud, fraud_rate):
    """A fraud label known tomorrow cannot change today's merchant risk."""
    frame = _merchant_story(label_delay)

    offline, _ = history_features(frame, ENCODINGS)
    online = _replay_online(frame, ENCODINGS)

    for features in (offline, online):
        assert _column(features, "merchant_count_1d") == [0.0, 1.0]
        assert _column(features, "merchant_known_fraud_1d") == [0.0, known_fraud]
        assert _column(features, "merchant_fraud_rate_1d") == [0.0, fraud_rate]


def test_later_transactions_and_labels_do_not_change_earlier_features(
    small_world_frame,
):
    """Appending the future (frauds labelled fast) leaves the past untouched."""
    cutoff = small_world_frame["timestamp"].min() + pd.Timedelta(days=12)
    past = small_world_frame[small_world_frame["timestamp"] < cutoff]
    future = small_world_frame[small_world_frame["timestamp"] >= cutoff].copy()
    future["is_fraud"] = 1
    future["label_time"] = future["timestamp"]

    alone, alone_order = history_features(past, ENCODINGS)
    together, together_order = history_features(
        pd.concat([past, future], ignore_index=True), ENCODINGS
    )

    assert np.array_equal(together_order[: len(past)], alone_order)
    assert np.array_equal(together[: len(past)], alone)


def test_card_features_have_the_exact_values_of_their_definitions():
    """Windows are (t - w, t]; the mean excludes this tx; yen has no decimals."""
    history = history_frame(
        [
            TransactionFactory(
                transaction_id="A",
                timestamp=START,
                amount_minor=1000,
                merchant_ref="M1",
                merchant_country="US",
            ),
            TransactionFactory(
                transaction_id="B",
                timestamp=START + timedelta(minutes=30),
                amount_minor=3000,
                merchant_ref="M2",
                merchant_country="GB",
                cvv_failed=True,
                declined=True,
            ),
            TransactionFactory(
                transaction_id="C",
                timestamp=START + timedelta(hours=1),
                amount_minor=8000,
                merchant_ref="M1",
                merchant_country="FR",
                channel="ecommerce",
            ),
            TransactionFactory(
                transaction_id="D",
                timestamp=START + timedelta(days=2),
                amount_minor=500,
                currency="JPY",
                merchant_ref="M3",
                merchant_country="US",
                channel="contactless",
            ),
        ]
    )

    features, order = history_features(history, ENCODINGS)

    assert order.tolist() == [0, 1, 2, 3]
    assert _column(features, "amount") == [10.0, 30.0, 80.0, 500.0]
    assert _column(features, "card_count_1h") == [1.0, 2.0, 2.0, 1.0]
    assert _column(features, "card_amount_sum_1h") == [10.0, 40.0, 110.0, 500.0]
    assert _column(features, "card_count_1d") == [1.0, 2.0, 3.0, 1.0]
    assert _column(features, "card_avg_amount_1d") == [10.0, 20.0, 40.0, 500.0]
    assert _column(features, "card_count_7d") == [1.0, 2.0, 3.0, 4.0]
    assert _column(features, "amount_to_card_mean_30d") == [1.0, 3.0, 4.0, 500 / 4000]
    assert _column(features, "seconds_since_previous") == [
        30 * 86400.0,
        1800.0,
        1800.0,
        169200.0,
    ]
    assert _column(features, "card_age_days") == [0.0, 1800 / 86400, 1 / 24, 2.0]
    assert _column(features, "is_new_merchant_for_card") == [1.0, 1.0, 0.0, 1.0]
    assert _column(features, "is_new_country_for_card") == [1.0, 1.0, 1.0, 0.0]
    assert _column(features, "card_countries_1d") == [1.0, 2.0, 3.0, 1.0]
    assert _column(features, "card_cvv_failures_1d") == [0.0, 0.0, 1.0, 0.0]
    assert _column(features, "card_declines_1d") == [0.0, 0.0, 1.0, 0.0]
    assert _column(features, "is_ecommerce") == [0.0, 0.0, 1.0, 0.0]
    assert _column(features, "is_contactless") == [0.0, 0.0, 0.0, 1.0]
    assert _column(features, "hour_of_day") == [9.0, 9.0, 10.0, 9.0]
    assert _column(features, "is_weekend") == [0.0, 0.0, 0.0, 0.0]
    assert _column(features, "mcc_risk") == [0.002] * 4
    assert _column(features, "country_risk") == [0.004, 0.01, 0.01, 0.004]


def _handbook_reference(frame: pd.DataFrame) -> pd.DataFrame:
    """The Fraud Detection Handbook's own pandas code for its 15 features
    (chapter 3, "Baseline feature transformation"), on our columns."""
    data = pd.DataFrame(
        {
            "TRANSACTION_ID": frame["transaction_id"].to_numpy(),
            "TX_DATETIME": frame["timestamp"].dt.tz_localize(None).to_numpy(),
            "CUSTOMER_ID": frame["card_ref"].to_numpy(),
            "TERMINAL_ID": frame["merchant_ref"].to_numpy(),
            "TX_AMOUNT": frame["amount_minor"].to_numpy() / 100,
            "TX_FRAUD": frame["is_fraud"].fillna(0).astype(int).to_numpy(),
        }
    ).sort_values(["TX_DATETIME", "TRANSACTION_ID"], kind="mergesort")
    data["TX_DURING_WEEKEND"] = (data.TX_DATETIME.dt.day_of_week >= 5).astype(int)
    data["TX_DURING_NIGHT"] = (data.TX_DATETIME.dt.hour <= 6).astype(int)

    def customer(transactions: pd.DataFrame) -> pd.DataFrame:
        transactions = transactions.sort_values("TX_DATETIME", kind="mergesort")
        transactions.index = transactions.TX_DATETIME
        for days in (1, 7, 30):
            rolling = transactions["TX_AMOUNT"].rolling(f"{days}D")
            count = rolling.count()
            transactions[f"CUSTOMER_ID_NB_TX_{days}DAY_WINDOW"] = list(count)
            transactions[f"CUSTOMER_ID_AVG_AMOUNT_{days}DAY_WINDOW"] = list(
                rolling.sum() / count
            )
        transactions.index = transactions.TRANSACTION_ID.to_numpy()
        return transactions

    def terminal(transactions: pd.DataFrame, delay: int = 7) -> pd.DataFrame:
        transactions = transactions.sort_values("TX_DATETIME", kind="mergesort")
        transactions.index = transactions.TX_DATETIME
        frauds_delay = transactions["TX_FRAUD"].rolling(f"{delay}D").sum()
        count_delay = transactions["TX_FRAUD"].rolling(f"{delay}D").count()
        for days in (1, 7, 30):
            window = transactions["TX_FRAUD"].rolling(f"{delay + days}D")
            frauds = window.sum() - frauds_delay
            count = window.count() - count_delay
            transactions[f"TERMINAL_ID_NB_TX_{days}DAY_WINDOW"] = list(count)
            transactions[f"TERMINAL_ID_RISK_{days}DAY_WINDOW"] = list(frauds / count)
        transactions.index = transactions.TRANSACTION_ID.to_numpy()
        return transactions.fillna(0)

    data = pd.concat(
        [customer(group) for _, group in data.groupby("CUSTOMER_ID", sort=False)]
    )
    data = pd.concat(
        [terminal(group) for _, group in data.groupby("TERMINAL_ID", sort=False)]
    )
    return data.sort_values(["TX_DATETIME", "TRANSACTION_ID"], kind="mergesort")


def test_the_handbook_subset_equals_the_handbooks_own_code(small_world_frame):
    """With every label known 7 days after its transaction (the handbook's
    assumption), our 15 handbook features are the handbook's numbers."""
    frame = small_world_frame[small_world_frame["card_ref"] < "C00150"].copy()
    labelled = frame["is_fraud"].notna()
    frame.loc[labelled, "label_time"] = frame.loc[labelled, "timestamp"] + pd.Timedelta(
        days=7
    )

    ours, _ = history_features(frame, ENCODINGS, HANDBOOK_FEATURE_NAMES)
    reference = _handbook_reference(frame)

    handbook_names = [
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
    ]
    assert len(HANDBOOK_FEATURE_NAMES) == 15
    assert reference["TERMINAL_ID_RISK_7DAY_WINDOW"].max() > 0
    np.testing.assert_allclose(
        ours, reference[handbook_names].to_numpy(dtype=float), rtol=1e-12, atol=0
    )


def test_history_of_others_or_after_the_transaction_is_ignored_online():
    """The online path drops other cards' and merchants' rows, later rows and
    the transaction itself."""
    transaction = TransactionFactory(transaction_id="T5", timestamp=START)
    earlier = TransactionFactory(
        transaction_id="T4", timestamp=START - timedelta(minutes=5)
    )
    not_before = [
        transaction,
        replace(earlier, timestamp=START + timedelta(seconds=1), transaction_id="T6"),
        replace(earlier, timestamp=START, transaction_id="T7"),  # same time, later id
    ]
    other_card = replace(earlier, card_ref="C99999", transaction_id="T3")
    other_merchant = replace(earlier, merchant_ref="M999999", transaction_id="T2")

    clean = transaction_features(
        transaction,
        card_history=[earlier],
        merchant_history=[earlier],
        encodings=ENCODINGS,
    )
    noisy = transaction_features(
        transaction,
        card_history=[earlier, other_card, *not_before],
        merchant_history=[earlier, other_merchant, *not_before],
        encodings=ENCODINGS,
    )

    assert np.array_equal(noisy, clean)
    assert clean[FEATURE_NAMES.index("card_count_1h")] == 2.0
    assert clean[FEATURE_NAMES.index("merchant_count_1d")] == 1.0
