"""Serving evaluators reproduce scikit-learn and explain their scores."""

import numpy as np
import pytest
from scipy.special import logit
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier

from fraud.scoring.evaluators import (
    LinearEvaluator,
    TreeEnsembleEvaluator,
    top_contributions,
)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(3)
    features = rng.normal(size=(4_000, 6))
    features[:, 5] = rng.integers(0, 3, 4_000)  # ties on thresholds
    labels = (
        features[:, 0] + features[:, 1] * features[:, 2] + rng.normal(size=4_000) > 2
    ).astype(int)
    return features, labels


def test_compiled_gradient_boosting_equals_scikit_learn(data):
    features, labels = data
    model = HistGradientBoostingClassifier(max_iter=60, random_state=0).fit(
        features, labels
    )
    evaluator = TreeEnsembleEvaluator.from_hist_gradient_boosting(model)
    expected = model.predict_proba(features[:300])[:, 1]

    single = np.array([evaluator.predict_one(row) for row in features[:300]])
    batch = evaluator.predict(features[:300], chunk=64)

    np.testing.assert_allclose(single, expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(batch, expected, rtol=0, atol=1e-12)


def test_compiled_random_forest_equals_scikit_learn(data):
    features, labels = data
    model = RandomForestClassifier(n_estimators=25, max_depth=8, random_state=0).fit(
        features, labels
    )
    evaluator = TreeEnsembleEvaluator.from_random_forest(model)
    expected = model.predict_proba(features[:300])[:, 1]

    single = np.array([evaluator.predict_one(row) for row in features[:300]])

    np.testing.assert_allclose(single, expected, rtol=0, atol=1e-12)


def test_tree_contributions_add_up_to_the_raw_score(data):
    """Saabas attribution: bias + contributions == log-odds of the score."""
    features, labels = data
    model = HistGradientBoostingClassifier(max_iter=40, random_state=0).fit(
        features, labels
    )
    evaluator = TreeEnsembleEvaluator.from_hist_gradient_boosting(model)
    row = features[labels == 1][0]

    bias, contributions = evaluator.contributions(row)

    assert bias + contributions.sum() == pytest.approx(
        logit(evaluator.predict_one(row)), abs=1e-9
    )
    positives = features[labels == 1][:200]
    signal = np.array([evaluator.contributions(r)[1] for r in positives])
    assert signal[:, 0].mean() > 5 * np.abs(signal[:, 3]).mean()  # x0 vs noise


def test_linear_explanations_are_coefficient_times_standardised_value():
    evaluator = LinearEvaluator(
        mean=np.zeros(3),
        scale=np.ones(3),
        coefficients=np.array([2.0, -1.0, 0.5]),
        intercept=-3.0,
    )
    row = np.array([np.e - 1, np.e - 1, np.e**2 - 1])  # log1p -> 1, 1, 2

    explained = top_contributions(evaluator, row, ("amount", "age", "night"), top=3)

    assert [(c.feature, c.contribution) for c in explained] == [
        ("amount", pytest.approx(2.0)),
        ("night", pytest.approx(1.0)),
    ]
    assert evaluator.predict_one(row) == pytest.approx(1 / (1 + np.exp(-(-3.0 + 2.0))))
