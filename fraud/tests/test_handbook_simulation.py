"""The Fraud Detection Handbook's generator: its profiles and three scenarios."""

import csv
from io import StringIO

import numpy as np
import pandas as pd
import pytest
from django.core.management import call_command

from fraud.handbook_simulation import (
    HandbookConfig,
    handbook_frame,
    handbook_profiles,
)

SMALL_BOOK = HandbookConfig(customers=400, terminals=800, days=40, seed=3)


@pytest.fixture(scope="module")
def book() -> pd.DataFrame:
    return handbook_frame(SMALL_BOOK)


def test_profiles_follow_the_books_distributions():
    """Locations on [0, 100]^2, mean amount 5-100 with std half of it, 0-4 a day;
    each customer reaches exactly the terminals within radius 5."""
    profiles = handbook_profiles(SMALL_BOOK)

    assert profiles.customer_x.min() >= 0 and profiles.customer_x.max() <= 100
    assert profiles.mean_amount.min() >= 5 and profiles.mean_amount.max() <= 100
    assert np.array_equal(profiles.std_amount, profiles.mean_amount / 2)
    assert profiles.mean_per_day.min() >= 0 and profiles.mean_per_day.max() <= 4
    customer = 17
    distance = np.hypot(
        profiles.terminal_x - profiles.customer_x[customer],
        profiles.terminal_y - profiles.customer_y[customer],
    )
    assert list(profiles.reachable[customer]) == list(np.flatnonzero(distance < 5))


def test_same_seed_same_transactions_and_another_seed_others(book):
    again = handbook_frame(SMALL_BOOK)
    other = handbook_frame(HandbookConfig(customers=400, terminals=800, days=40))

    assert again.equals(book)
    assert not other["amount_minor"].equals(book["amount_minor"])


def test_every_amount_above_220_is_fraud_of_the_first_scenario_or_a_later_one(book):
    above = book[book["amount_minor"] > 22_000]

    assert set(above["is_fraud"]) == {1}
    assert set(above["scenario"]) <= {
        "handbook_amount",
        "handbook_compromised_terminal",
        "handbook_compromised_customer",
    }
    assert (
        book.loc[book["scenario"] == "handbook_amount", "amount_minor"] > 22_000
    ).all()


def test_a_compromised_terminal_is_all_fraud_from_its_first_fraud_on(book):
    """Scenario 2: from the first day, every transaction there for 28 days."""
    terminal_fraud = book[book["scenario"] == "handbook_compromised_terminal"]
    terminal = terminal_fraud["merchant_ref"].iloc[0]
    first = terminal_fraud.loc[
        terminal_fraud["merchant_ref"] == terminal, "timestamp"
    ].min()
    at_terminal = book[book["merchant_ref"] == terminal]
    following = at_terminal[
        (at_terminal["timestamp"] >= first.normalize())
        & (at_terminal["timestamp"] < first.normalize() + pd.Timedelta(days=28))
    ]

    assert len(following) >= 2
    assert set(following["is_fraud"]) == {1}


def test_compromised_customers_lose_a_third_at_five_times_their_amount(book):
    """Scenario 3: ~1/3 of a compromised customer's 14 days, amounts x5."""
    customer_fraud = book[book["scenario"] == "handbook_compromised_customer"]
    profiles = handbook_profiles(SMALL_BOOK)
    mean_amount = profiles.mean_amount[
        customer_fraud["card_ref"].str[1:].astype(int).to_numpy()
    ]

    assert len(customer_fraud) > 0
    assert np.median(customer_fraud["amount_minor"] / 100 / mean_amount) > 3.5


def test_labels_are_known_seven_days_after_each_transaction(book):
    assert (book["label_time"] - book["timestamp"] == pd.Timedelta(days=7)).all()


def test_simulate_profile_handbook_writes_the_import_format(tmp_path):
    path = tmp_path / "book.csv"
    out = StringIO()

    call_command(
        "simulate",
        "--profile",
        "handbook",
        "--days",
        "3",
        "--cards",
        "50",
        "--terminals",
        "100",
        "--seed",
        "1",
        "--output",
        str(path),
        stdout=out,
    )

    with path.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    frauds = sum(row["is_fraud"] == "1" for row in rows)
    assert out.getvalue() == (
        f"wrote {len(rows)} transactions ({frauds} fraudulent) to {path}\n"
    )
    assert rows[0]["timestamp"].startswith("2018-04-01T")
    assert rows[-1]["timestamp"] < "2018-04-04"
    assert {row["card_ref"][:1] for row in rows} == {"C"}
    assert {row["merchant_ref"][:1] for row in rows} == {"T"}
