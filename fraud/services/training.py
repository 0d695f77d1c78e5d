"""Training a model from the history and registering it as a draft version."""

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from time import perf_counter

from django.conf import settings

from fraud.models import ModelVersion
from fraud.scoring.model import CRITICAL, HIGH, MEDIUM
from fraud.scoring.training import (
    HistoryRaw,
    TierPolicy,
    TrainingConfig,
    TrainingResult,
    TrainingWindow,
    prepare_data,
    select_and_refit,
    train,
)
from fraud.selectors import HISTORY_LOOKBACK, history_frame
from fraud.services.registry import model_version_register
from issuer.kernel.db_router import reporting_database
from issuer.kernel.errors import InvalidInput

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainingOutcome:
    version: ModelVersion
    result: TrainingResult
    window: TrainingWindow


def day_start(day: date) -> datetime:
    """Midnight UTC at the start of `day`."""
    return datetime.combine(day, time.min, tzinfo=UTC)


def tier_policy(*, review_cases_per_day: float | None = None) -> TierPolicy:
    """The tier policy from settings: the daily review capacity (the sum of
    the programs' capacities when set per program) and precision targets."""
    by_program = settings.FRAUD_REVIEW_CAPACITY_BY_PROGRAM
    capacity = review_cases_per_day
    if capacity is None:
        capacity = (
            float(sum(by_program.values()))
            if by_program
            else float(settings.FRAUD_REVIEW_CAPACITY_PER_DAY)
        )
    if capacity <= 0:
        raise InvalidInput.for_field("review_cases_per_day", "must be above zero")
    return TierPolicy(
        review_cases_per_day=capacity,
        precision_targets={
            MEDIUM: settings.FRAUD_TIER_PRECISION_MEDIUM,
            HIGH: settings.FRAUD_TIER_PRECISION_HIGH,
            CRITICAL: settings.FRAUD_TIER_PRECISION_CRITICAL,
        },
    )


def training_window(
    *, train_from: date, train_to: date, label_delay_days: int, validation_days: int
) -> TrainingWindow:
    """Train on [train_from, train_to]; labels as known `label_delay_days` later;
    validate on the `validation_days` days that start then.

    With 7 and 7 this is the handbook's protocol: train a week, wait a week
    for the labels, test the week after.
    """
    if train_from > train_to:
        raise InvalidInput.for_field("train_from", "must not be after train_to")
    if label_delay_days < 0:
        raise InvalidInput.for_field("label_delay_days", "must not be negative")
    if validation_days < 1:
        raise InvalidInput.for_field("validation_days", "must be at least 1")
    train_end = day_start(train_to + timedelta(days=1))
    labels_as_of = train_end + timedelta(days=label_delay_days)
    return TrainingWindow(
        train_start=day_start(train_from),
        train_end=train_end,
        labels_as_of=labels_as_of,
        validation_start=labels_as_of,
        validation_end=labels_as_of + timedelta(days=validation_days),
    )


def model_version_train(
    *,
    train_from: date,
    train_to: date,
    label_delay_days: int = 7,
    validation_days: int = 7,
    config: TrainingConfig | None = None,
    policy: TierPolicy | None = None,
) -> TrainingOutcome:
    """Train on the history of a window, compare candidates, register a draft.

    The explicit-window form, for experiments: the registered model is the
    one fitted on the window (it never sees the validation week's labels).
    `model_version_train_as_of` is the form for deployment.

    Reads the training and validation windows plus the look-back their
    features need; imported and live transactions alike.
    """
    window = training_window(
        train_from=train_from,
        train_to=train_to,
        label_delay_days=label_delay_days,
        validation_days=validation_days,
    )
    started = perf_counter()
    history = history_frame(
        start=window.train_start - HISTORY_LOOKBACK,
        end=window.validation_end,
        using=reporting_database(),
    )
    loaded = perf_counter()
    timestamps = history["timestamp"]
    in_training = (timestamps >= window.train_start) & (timestamps < window.train_end)
    in_validation = (timestamps >= window.validation_start) & (
        timestamps < window.validation_end
    )
    validation_from = window.validation_start.date()
    validation_to = (window.validation_end - timedelta(days=1)).date()
    if not in_training.any():
        raise InvalidInput.for_field(
            "train_from", f"no transactions between {train_from} and {train_to}"
        )
    if not in_validation.any():
        raise InvalidInput.for_field(
            "train_to",
            f"no transactions in the validation window {validation_from} to "
            f"{validation_to} ({label_delay_days} days of label delay after "
            "the training window); train on an earlier window",
        )
    config = config or TrainingConfig()
    data = prepare_data(history, window, config.feature_names)
    del history
    prepared = perf_counter()
    try:
        result = train(data, config, policy=policy or tier_policy())
    except ValueError as error:
        raise InvalidInput.for_field("train_from", str(error)) from None
    metrics = {
        **result.metrics(),
        "labels_as_of": window.labels_as_of.isoformat(),
        "seconds": {
            "load_history": round(loaded - started, 1),
            "features": round(prepared - loaded, 1),
            "fit_and_validate": round(perf_counter() - prepared, 1),
        },
    }
    version = model_version_register(
        model=result.model,
        train_from=train_from,
        train_to=train_to,
        validation_from=validation_from,
        validation_to=validation_to,
        label_delay_days=label_delay_days,
        metrics=metrics,
    )
    logger.info(
        "trained fraud model %s (%s): %s",
        version.public_id,
        version.kind,
        metrics["validation"],
    )
    return TrainingOutcome(version=version, result=result, window=window)


def model_version_train_as_of(
    *,
    as_of: date,
    label_delay_days: int = 7,
    config: TrainingConfig | None = None,
    policy: TierPolicy | None = None,
) -> TrainingOutcome:
    """Train the model that would be deployed at the end of `as_of`; register it.

    Selects the candidate on time-ordered folds inside the labelled period
    (each with the label delay), then refits it on every transaction whose
    label is known at `as_of` (label_time <= the end of that day), within
    `config.refit_days`. The registry records the most recent fold as the
    train/validation window, the refit's window, and every fold's figures.
    """
    if label_delay_days < 0:
        raise InvalidInput.for_field("label_delay_days", "must not be negative")
    config = config or TrainingConfig()
    moment = day_start(as_of + timedelta(days=1))
    delay = timedelta(days=label_delay_days)
    oldest = (
        moment
        - delay
        - timedelta(
            days=max(
                config.refit_days,
                config.selection_folds * config.validation_days
                + label_delay_days
                + config.fold_train_days,
            )
        )
    )
    started = perf_counter()
    history = history_frame(
        start=oldest - HISTORY_LOOKBACK, end=moment, using=reporting_database()
    )
    loaded = perf_counter()
    if history.empty:
        raise InvalidInput.for_field("as_of", f"no transactions before {as_of}")
    raw = HistoryRaw.of(history)
    del history
    prepared = perf_counter()
    try:
        result, refit_window = select_and_refit(
            raw,
            as_of=moment,
            label_delay=delay,
            config=config,
            policy=policy or tier_policy(),
        )
    except ValueError as error:
        raise InvalidInput.for_field("as_of", str(error)) from None
    recent = result.folds[0].window
    metrics = {
        **result.metrics(),
        "labels_as_of": moment.isoformat(),
        "seconds": {
            "load_history": round(loaded - started, 1),
            "features": round(prepared - loaded, 1),
            "select_and_refit": round(perf_counter() - prepared, 1),
        },
    }
    version = model_version_register(
        model=result.model,
        train_from=recent.train_start.date(),
        train_to=(recent.train_end - timedelta(days=1)).date(),
        validation_from=recent.validation_start.date(),
        validation_to=(recent.validation_end - timedelta(days=1)).date(),
        label_delay_days=label_delay_days,
        metrics=metrics,
        refit_from=refit_window.train_start.date(),
        refit_to=(refit_window.train_end - timedelta(days=1)).date(),
        labels_as_of=moment,
    )
    logger.info(
        "trained fraud model %s (%s) as of %s: selection %s, refit %s",
        version.public_id,
        version.kind,
        as_of,
        metrics["validation"],
        metrics["refit"],
    )
    return TrainingOutcome(version=version, result=result, window=refit_window)
