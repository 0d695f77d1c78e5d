"""The Fraud Detection Handbook's transaction generator, from its description.

A public benchmark the project does not control: Le Borgne et al., "Machine
Learning for Credit Card Fraud Detection - Practical Handbook", chapter 3
("Transaction data simulator"). Implemented here from the published
description, vectorised with numpy (the random streams differ from the
book's notebook; the distributions and parameters are the book's):

- customers: a location (x, y) uniform on [0, 100]^2, a mean amount uniform
  on [5, 100] with standard deviation half of it, a mean number of
  transactions per day uniform on [0, 4];
- terminals: a location uniform on [0, 100]^2;
- each customer uses the terminals within a radius r (5) of their location,
  uniformly; a customer with none makes no transaction;
- each day a customer makes Poisson(mean) transactions, at a second of the
  day drawn from N(43200, 20000) (draws outside the day are dropped), of an
  amount drawn from N(mean, std) (a negative draw is replaced by a uniform
  draw on [0, 2 mean]), rounded to the cent.

Frauds, in the book's order:

1. every transaction above 220 is fraud;
2. every day 2 terminals are compromised: all their transactions of the
   next 28 days are fraud;
3. every day 3 customers are compromised: a third of their transactions of
   the next 14 days have their amount multiplied by 5 and are fraud.

Labels are known 7 days after the transaction (the book's delay). No MCC,
country or channel: the book's transactions have none.
"""

import gzip
import io
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd
from sklearn.neighbors import KDTree

from fraud.simulation import csv_frame

DAY_SECONDS = 86_400
LABEL_DELAY_DAYS = 7
SCENARIO_NAMES = {
    0: "",
    1: "handbook_amount",
    2: "handbook_compromised_terminal",
    3: "handbook_compromised_customer",
}


@dataclass(frozen=True)
class HandbookConfig:
    """The book's parameters (its dataset: 5,000 customers, 10,000 terminals,
    183 days from 2018-04-01)."""

    customers: int = 5_000
    terminals: int = 10_000
    days: int = 183
    start: date = date(2018, 4, 1)
    seed: int = 0
    radius: float = 5.0
    amount_threshold: float = 220.0
    compromised_terminals_per_day: int = 2
    terminal_compromise_days: int = 28
    compromised_customers_per_day: int = 3
    customer_compromise_days: int = 14
    customer_fraud_share: float = 1 / 3
    customer_fraud_amount_factor: float = 5.0


@dataclass
class HandbookProfiles:
    customer_x: np.ndarray
    customer_y: np.ndarray
    mean_amount: np.ndarray
    std_amount: np.ndarray
    mean_per_day: np.ndarray
    terminal_x: np.ndarray
    terminal_y: np.ndarray
    # Per customer, the terminals within the radius.
    reachable: list[np.ndarray]


def handbook_profiles(config: HandbookConfig) -> HandbookProfiles:
    """Customer and terminal profiles, and each customer's reachable terminals."""
    rng = np.random.default_rng([config.seed, 1])
    customer_x = rng.uniform(0, 100, config.customers)
    customer_y = rng.uniform(0, 100, config.customers)
    mean_amount = rng.uniform(5, 100, config.customers)
    mean_per_day = rng.uniform(0, 4, config.customers)
    terminal_x = rng.uniform(0, 100, config.terminals)
    terminal_y = rng.uniform(0, 100, config.terminals)
    tree = KDTree(np.column_stack([terminal_x, terminal_y]))
    reachable = tree.query_radius(
        np.column_stack([customer_x, customer_y]), r=config.radius
    )
    return HandbookProfiles(
        customer_x=customer_x,
        customer_y=customer_y,
        mean_amount=mean_amount,
        std_amount=mean_amount / 2,
        mean_per_day=mean_per_day,
        terminal_x=terminal_x,
        terminal_y=terminal_y,
        reachable=[np.sort(terminals) for terminals in reachable],
    )


def _genuine_transactions(
    config: HandbookConfig, profiles: HandbookProfiles, rng: np.random.Generator
) -> pd.DataFrame:
    counts = rng.poisson(
        np.broadcast_to(profiles.mean_per_day, (config.days, config.customers))
    )  # days x customers
    day, customer = np.nonzero(counts)
    repeat = counts[day, customer]
    day = np.repeat(day, repeat)
    customer = np.repeat(customer, repeat)
    seconds = np.rint(rng.normal(DAY_SECONDS / 2, 20_000, len(day))).astype(np.int64)
    in_day = (seconds > 0) & (seconds < DAY_SECONDS)
    mean = profiles.mean_amount[customer]
    amount = rng.normal(mean, profiles.std_amount[customer])
    negative = amount < 0
    amount[negative] = rng.uniform(0, 2 * mean[negative])
    reach = np.array([len(terminals) for terminals in profiles.reachable])
    has_terminal = reach[customer] > 0
    keep = in_day & has_terminal
    day, customer, seconds, amount = (
        day[keep],
        customer[keep],
        seconds[keep],
        amount[keep],
    )
    pick = np.floor(rng.random(len(customer)) * reach[customer]).astype(np.int64)
    offsets = np.concatenate(([0], np.cumsum(reach)))
    flat = (
        np.concatenate(profiles.reachable)
        if len(profiles.reachable)
        else np.zeros(0, dtype=np.int64)
    )
    terminal = flat.astype(np.int64)[offsets[customer] + pick]
    order = np.lexsort((customer, seconds, day))
    return pd.DataFrame(
        {
            "day": day[order],
            "second": day[order] * DAY_SECONDS + seconds[order],
            "customer": customer[order],
            "terminal": terminal[order],
            "amount_minor": np.rint(amount[order] * 100).astype(np.int64),
        }
    )


def _add_frauds(
    config: HandbookConfig, frame: pd.DataFrame, rng: np.random.Generator
) -> None:
    scenario = np.zeros(len(frame), dtype=np.int8)
    amount = frame["amount_minor"].to_numpy().copy()
    day = frame["day"].to_numpy()
    terminal = frame["terminal"].to_numpy()
    customer = frame["customer"].to_numpy()
    scenario[amount > round(config.amount_threshold * 100)] = 1
    for start in range(config.days):
        compromised = rng.choice(
            config.terminals, config.compromised_terminals_per_day, replace=False
        )
        hit = (
            (day >= start)
            & (day < start + config.terminal_compromise_days)
            & np.isin(terminal, compromised)
        )
        scenario[hit] = 2
    for start in range(config.days):
        compromised = rng.choice(
            config.customers, config.compromised_customers_per_day, replace=False
        )
        rows = np.flatnonzero(
            (day >= start)
            & (day < start + config.customer_compromise_days)
            & np.isin(customer, compromised)
        )
        chosen = rng.choice(
            rows, int(len(rows) * config.customer_fraud_share), replace=False
        )
        amount[chosen] = np.rint(amount[chosen] * config.customer_fraud_amount_factor)
        scenario[chosen] = 3
    frame["amount_minor"] = amount
    frame["scenario_code"] = scenario


def handbook_frame(config: HandbookConfig) -> pd.DataFrame:
    """Every simulated transaction, in time order, in the simulator's frame
    format (`fraud.simulation.csv_frame` writes it for `import_transactions`)."""
    profiles = handbook_profiles(config)
    rng = np.random.default_rng([config.seed, 2])
    frame = _genuine_transactions(config, profiles, rng)
    _add_frauds(config, frame, rng)
    start = pd.Timestamp(datetime.combine(config.start, datetime.min.time(), UTC))
    timestamps = start + pd.to_timedelta(frame["second"].to_numpy(), unit="s")
    is_fraud = (frame["scenario_code"].to_numpy() > 0).astype(np.int8)
    names = np.array([SCENARIO_NAMES[code] for code in range(4)], dtype=object)
    width = len(str(max(config.customers, config.terminals)))
    return pd.DataFrame(
        {
            "transaction_id": [f"hb{config.seed}-{n:09d}" for n in range(len(frame))],
            "timestamp": timestamps,
            "card_ref": [f"C{c:0{width}d}" for c in frame["customer"]],
            "merchant_ref": [f"T{t:0{width}d}" for t in frame["terminal"]],
            "amount_minor": frame["amount_minor"].to_numpy(),
            "currency": "USD",
            "mcc": "",
            "merchant_country": "",
            "channel": "",
            "cvv_failed": np.zeros(len(frame), dtype=np.int8),
            "declined": np.zeros(len(frame), dtype=np.int8),
            "is_fraud": is_fraud,
            "label_time": timestamps + pd.Timedelta(days=LABEL_DELAY_DAYS),
            "scenario": names[frame["scenario_code"].to_numpy()],
        }
    )


def write_handbook_csv(config: HandbookConfig, output: IO[str]) -> dict[str, int]:
    frame = handbook_frame(config)
    csv_frame(frame).to_csv(output, index=False, lineterminator="\n")
    return {"rows": len(frame), "frauds": int(frame["is_fraud"].sum())}


def handbook_to_path(config: HandbookConfig, path: Path) -> dict[str, int]:
    """Simulate into a CSV file (gzip when the name ends in .gz)."""
    if path.suffix == ".gz":
        with (
            path.open("wb") as raw,
            gzip.GzipFile(fileobj=raw, mode="wb", filename="", mtime=0) as packed,
            io.TextIOWrapper(packed, encoding="utf-8", newline="") as output,
        ):
            return write_handbook_csv(config, output)
    with path.open("w", encoding="utf-8", newline="") as output:
        return write_handbook_csv(config, output)
