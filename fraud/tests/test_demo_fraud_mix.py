"""The demo's live traffic shows its fraud scenarios within minutes."""

import itertools
from collections import Counter
from datetime import date

from fraud.live_traffic import DEMO_FRAUD_RATES
from fraud.simulation import SimulationConfig, Simulator

TEN_MINUTES_AT_TWO_A_SECOND = 1_200


def _scenarios(**rates: float) -> Counter[str]:
    config = SimulationConfig(
        cards=50, days=365, seed=123, start=date(2026, 12, 7), **rates
    )
    transactions = Simulator(config).transactions()
    return Counter(
        row["scenario"]
        for row in itertools.islice(transactions, TEN_MINUTES_AT_TWO_A_SECOND)
        if row["scenario"]
    )


def test_the_demo_mix_shows_the_card_scenarios_in_ten_minutes_of_traffic():
    """50 cards at 2 a second: stolen cards, card testing and account
    takeovers all happen; with the history's own rates, almost nothing does."""
    demo = _scenarios(**DEMO_FRAUD_RATES)
    realistic = _scenarios()

    assert {"stolen_card", "card_testing", "account_takeover"} <= set(demo)
    assert sum(demo.values()) >= 60
    assert sum(realistic.values()) < sum(demo.values()) / 5
