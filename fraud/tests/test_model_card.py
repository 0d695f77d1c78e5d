"""The model card: every version's data, choice, figures and tier costs."""

from datetime import UTC, date, datetime

import pytest
from django.urls import reverse

from fraud.dashboards.selectors import expected_tier_volumes
from fraud.models import ModelVersion
from fraud.services.registry import model_version_register
from fraud.tests.conftest import tiny_model

METRICS = {
    "chosen": "random_forest",
    "validation": {
        "auc_roc": 0.91,
        "average_precision": 0.62,
        "card_precision_at_100": 0.31,
    },
    "selection": {
        "folds": [
            {
                "train": ["2026-01-02", "2026-01-15"],
                "labels_as_of": "2026-01-23T00:00:00+00:00",
                "validation": ["2026-01-23", "2026-01-29"],
                "validation_rows": 7000,
                "validation_frauds": 61,
                "candidates": {
                    "random_forest": {"average_precision": 0.6321},
                    "logistic_regression": {"average_precision": 0.4012},
                },
            }
        ],
        "mean": {
            "random_forest": {
                "auc_roc": 0.91,
                "average_precision": 0.62,
                "card_precision_at_100": 0.31,
            },
            "logistic_regression": {
                "auc_roc": 0.85,
                "average_precision": 0.40,
                "card_precision_at_100": 0.22,
            },
        },
    },
    "refit": {
        "train": ["2026-01-09", "2026-02-05"],
        "labels_as_of": "2026-02-13T00:00:00+00:00",
        "rows": 28000,
        "frauds_known": 240,
        "unlabelled_rows_for_tiers": 7100,
    },
    "tiers": {
        "medium": {"threshold": 0.2, "per_day": 70.0, "precision": 0.12, "recall": 0.8},
        "high": {"threshold": 0.5, "per_day": 42.5, "precision": 0.55, "recall": 0.6},
        "critical": {
            "threshold": 0.9,
            "per_day": 3.5,
            "precision": 0.93,
            "recall": 0.2,
        },
    },
}


@pytest.fixture
def refit_version(db, media_root) -> ModelVersion:
    return model_version_register(
        model=tiny_model(),
        train_from=date(2026, 1, 2),
        train_to=date(2026, 1, 15),
        validation_from=date(2026, 1, 23),
        validation_to=date(2026, 1, 29),
        label_delay_days=7,
        metrics=METRICS,
        refit_from=date(2026, 1, 9),
        refit_to=date(2026, 2, 5),
        labels_as_of=datetime(2026, 2, 13, tzinfo=UTC),
    )


def test_the_dashboard_shows_expected_cases_a_day_per_tier(refit_version):
    assert expected_tier_volumes(version=refit_version) == {
        "medium": {"per_day": 70.0, "precision": 0.12},
        "high": {"per_day": 42.5, "precision": 0.55},
        "critical": {"per_day": 3.5, "precision": 0.93},
    }


def test_the_admin_shows_the_model_card(admin_client, refit_version):
    """Data window, label delay, features, selection, refit and tier costs."""
    url = reverse("admin:fraud_modelversion_change", args=[refit_version.pk])

    page = admin_client.get(url).content.decode()

    assert "2026-01-09 to 2026-02-05" in page  # the refit's window
    assert "Label delay" in page and "7 days" in page
    assert "chosen on 1 time-ordered fold and refit" in page
    assert "random_forest (chosen)" in page
    assert "train 2026-01-02 to 2026-01-15 (labels as of 2026-01-23)" in page
    assert "28000 transactions, 240 frauds known" in page
    assert "<td>High</td><td>0.5000</td><td>42.5</td><td>0.55</td>" in page
    assert "<code>amount</code>: amount in major units" in page


@pytest.mark.parametrize(
    "change",
    [
        {"refit_to": date(2026, 1, 1)},  # before refit_from
        {"refit_to": None},  # half a window
    ],
)
def test_the_database_refuses_a_refit_window_out_of_order(refit_version, change):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        ModelVersion.objects.filter(pk=refit_version.pk).update(**change)

    refit_version.refresh_from_db()
    assert refit_version.refit_to == date(2026, 2, 5)
