"""Metrics: AUC and AP are scikit-learn's to the last bit; CP@k as the handbook."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import average_precision_score, roc_auc_score

from fraud.scoring.metrics import average_precision, card_precision_at_k, roc_auc

rows = st.lists(
    st.tuples(st.integers(0, 1), st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.9, 1.0])),
    min_size=2,
    max_size=60,
)


@settings(max_examples=200, deadline=None)
@given(rows=rows)
def test_auc_and_ap_equal_scikit_learn_exactly_with_ties(rows):
    """Heavily tied scores: the same floats as scikit-learn."""
    labels = np.array([label for label, _ in rows])
    scores = np.array([score for _, score in rows])
    if labels.min() == labels.max():
        return

    assert roc_auc(labels, scores) == roc_auc_score(labels, scores)
    assert average_precision(labels, scores) == average_precision_score(labels, scores)


@pytest.mark.parametrize("seed", range(5))
def test_auc_and_ap_equal_scikit_learn_exactly_on_imbalanced_data(seed):
    """Fraud-like data: 1% positives, continuous scores."""
    rng = np.random.default_rng(seed)
    labels = (rng.random(20_000) < 0.01).astype(int)
    scores = rng.random(20_000) + labels * rng.uniform(0, 0.8, 20_000)

    assert roc_auc(labels, scores) == roc_auc_score(labels, scores)
    assert average_precision(labels, scores) == average_precision_score(labels, scores)


def test_metrics_refuse_a_single_class():
    with pytest.raises(ValueError, match="both classes"):
        roc_auc([0, 0], [0.1, 0.2])
    with pytest.raises(ValueError, match="positive"):
        average_precision([0, 0], [0.1, 0.2])


def test_card_precision_at_k_follows_the_handbook():
    """Per day, the top-k cards by their best score; found cards leave the race.

    Day 1: cards A (0.9, fraud), B (0.8), C (0.1, fraud) -> top 2 = A, B -> 1/2.
    Day 2: A was found on day 1 and is dropped; C (0.7, fraud), B (0.6)
           -> top 2 = C, B -> 1/2. Without dropping A: A, C -> 2/2.
    """
    cards = ["A", "A", "B", "C", "A", "B", "C"]
    days = [1, 1, 1, 1, 2, 2, 2]
    labels = [0, 1, 0, 1, 1, 0, 1]
    scores = [0.2, 0.9, 0.8, 0.1, 0.95, 0.6, 0.7]

    dropping = card_precision_at_k(
        labels=labels, scores=scores, cards=cards, days=days, k=2
    )
    keeping = card_precision_at_k(
        labels=labels, scores=scores, cards=cards, days=days, k=2, remove_detected=False
    )

    assert dropping == 0.5
    assert keeping == 0.75


def test_card_precision_divides_by_k_even_with_fewer_cards():
    """One compromised card among two on a day, k=100: 1/100."""
    value = card_precision_at_k(
        labels=[1, 0], scores=[0.9, 0.1], cards=["A", "B"], days=[1, 1], k=100
    )

    assert value == 0.01
