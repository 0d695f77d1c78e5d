"""Fixtures for fraud tests: small simulated histories and a tiny model."""

from dataclasses import replace
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from fraud.scoring.handset import hand_set_model
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
    return hand_set_model(weights or {"amount": 1.5})


ACTIVE_WEIGHTS = {"amount": 6.0}


def register_model(weights: dict[str, float] | None = None, status: str | None = None):
    """Register a tiny model and put it in `status` (active, shadow, draft...)."""
    from fraud.models import ModelVersion
    from fraud.services.registry import model_version_activate, model_version_register

    version = model_version_register(
        model=tiny_model(weights),
        train_from=date(2026, 1, 1),
        train_to=date(2026, 1, 7),
        validation_from=date(2026, 1, 8),
        validation_to=date(2026, 1, 14),
        label_delay_days=7,
        metrics={},
    )
    if status == "active":
        model_version_activate(version=version)
    elif status:
        ModelVersion.objects.filter(pk=version.pk).update(status=status)
    version.refresh_from_db()
    return version


@pytest.fixture
def active_model(db, media_root):
    """Scores rise with the amount (the model reads log1p of it):
    1.00 low, 35.00 medium, 45.00 high, 100.00 critical."""
    return register_model(weights=ACTIVE_WEIGHTS, status="active")


def authorize(test_card, amount: int):
    """Authorize `amount` minor units on the sandbox card, in-process."""
    from cards.services.authorizations import authorization_create
    from cards.tests.conftest import authorization_request

    return authorization_create(
        request=authorization_request(test_card, amount=amount), partner=None
    )


@pytest.fixture
def worker_media_root(tmp_path, settings, monkeypatch):
    """A media folder the worker process sees too (it reads the environment)."""
    folder = tmp_path / "shared-media"
    monkeypatch.setenv("MEDIA_ROOT", str(folder))
    settings.MEDIA_ROOT = str(folder)
    return folder


@pytest.fixture
def analyst(make_staff):
    from accounts.roles import FRAUD_ANALYST

    return make_staff("ana", FRAUD_ANALYST)


@pytest.fixture
def supervisor(make_staff):
    from accounts.roles import FRAUD_SUPERVISOR

    return make_staff("sue", FRAUD_SUPERVISOR)
