"""The quality benchmark's small form runs end to end (so it cannot rot)."""

import pytest

from bench.fraud_quality import SMALL, run


@pytest.mark.django_db
def test_the_handbook_benchmark_runs_through_the_products_commands(media_root):
    """One seed of the handbook protocol: our model and both baselines are
    measured on the same test week, and the summary checks the goal."""
    result = run(SMALL, (5,))

    seed = result["per_seed"][0]
    assert result["protocol"]["as_of"] == "2018-05-19"
    assert result["protocol"]["test"] == ["2018-05-20", "2018-05-26"]
    assert result["protocol"]["baseline_train"] == ["2018-05-06", "2018-05-12"]
    assert seed["refit"]["train"] == ["2018-04-15", "2018-05-12"]
    assert seed["test_frauds"] > 0
    assert seed["test_rows"] > 1_000
    assert set(seed["baselines"]) == {"random_forest", "gradient_boosting"}
    for figures in (seed["ours"], *seed["baselines"].values()):
        assert 0.5 < figures["auc_roc"] <= 1.0
        assert 0.0 < figures["average_precision"] <= 1.0
    assert 0.0 < seed["visible"]["share"] <= 1.0
    assert set(result["summary"]["goal"]) == {
        "best_baseline",
        "ap_margin",
        "ap_margin_at_least_0_05",
        "ahead_on_every_seed",
        "cp100_ahead_on_the_mean",
    }
    assert (
        result["summary"]["ours"]["average_precision"]["mean"]
        == (seed["ours"]["average_precision"])
    )
