"""Fixtures for fraud tests: small simulated histories and a tiny model."""

from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fraud.scoring.evaluators import LinearEvaluator
from fraud.scoring.features import FEATURE_NAMES, RiskEncodings
from fraud.scoring.model import ScoringModel
from fraud.scoring.records import normalise_history_frame
from fraud.scoring.training import TrainingConfig
from fraud.simulation import SimulationConfig, Simulator, simulate_to_path

# Small, fraud-rich population: every scenario happens within a few weeks.
SMALL_WORLD = SimulationConfig(
    cards=300,
    days=24,
    start=date(2026, 1, 1),
    seed=7,
    stolen_card_rate=0.004,
    card_testing_rate=0.003,
    account_takeover_rate=0.003,
    amount_spike_rate=0.002,
    compromised_merchant_rate=0.004,
)
FAST_TRAINING = replace(
    TrainingConfig(), forest_trees=30, boosting_iterations=80, n_jobs=1
)


def simulated_frame(config: SimulationConfig) -> pd.DataFrame:
    frame = pd.concat(list(Simulator(config).days()), ignore_index=True)
    return normalise_history_frame(frame.drop(columns=["scenario"]))


@pytest.fixture(scope="session")
def small_world_frame() -> pd.DataFrame:
    return simulated_frame(SMALL_WORLD)


@pytest.fixture(scope="session")
def small_world_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("history") / "small-world.csv.gz"
    simulate_to_path(SMALL_WORLD, path)
    return path


@pytest.fixture
def media_root(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


def tiny_model(weights: dict[str, float] | None = None) -> ScoringModel:
    """A hand-set logistic model (default: the amount only)."""
    width = len(FEATURE_NAMES)
    coefficients = np.zeros(width)
    for name, weight in (weights or {"amount": 1.5}).items():
        coefficients[FEATURE_NAMES.index(name)] = weight
    return ScoringModel(
        kind="logistic_regression",
        feature_names=FEATURE_NAMES,
        encodings=RiskEncodings(prior=0.01),
        evaluator=LinearEvaluator(
            mean=np.full(width, 3.0),
            scale=np.ones(width),
            coefficients=coefficients,
            intercept=-4.0,
        ),
        tier_thresholds={"medium": 0.2, "high": 0.5, "critical": 0.9},
    )
