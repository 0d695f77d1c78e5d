"""Reads: history frames for training and backtests, online context, models."""

import hashlib
import io
import threading
from collections import OrderedDict
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from uuid import UUID

import joblib
import numpy as np
import pandas as pd
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS
from django.db.models import Min, Q, QuerySet

from cards.models import Authorization
from fraud.models import FraudScore, HistoricalTransaction, ModelVersion
from fraud.scoring.features import CARD_LOOKBACK_SECONDS, MERCHANT_LOOKBACK_SECONDS
from fraud.scoring.model import ARTIFACT_FORMAT, ScoringModel
from fraud.scoring.records import (
    EPOCH,
    HISTORY_COLUMNS,
    Transaction,
)
from issuer.kernel.errors import DomainError, NotFound

HISTORY_LOOKBACK = timedelta(
    seconds=max(CARD_LOOKBACK_SECONDS, MERCHANT_LOOKBACK_SECONDS)
)
_ONE_MICROSECOND = timedelta(microseconds=1)
_FRAME_CHUNK = 20_000
_FETCH_SPAN = timedelta(days=1)


class ArtifactIntegrityError(DomainError):
    """A model artifact is missing or its SHA-256 is not the registered one."""

    status_code = 409
    default_code = "artifact_integrity"


def _history_rows(
    *, start: datetime, end: datetime, only: Q | None, using: str
) -> Iterator[tuple]:
    """Rows of the window, fetched a day at a time (an index range scan each):
    the MySQL driver buffers a whole result set, so one query for millions
    of rows would hold them all twice."""
    moment = start
    while moment < end:
        step = min(moment + _FETCH_SPAN, end)
        rows = HistoricalTransaction.objects.db_manager(using).between(moment, step)
        if only is not None:
            rows = rows.filter(only)
        yield from (
            rows.values_list(*HISTORY_COLUMNS).iterator(chunk_size=_FRAME_CHUNK)
        )
        moment = step


def history_frame(
    *,
    start: datetime,
    end: datetime,
    card_refs: Collection[str] | None = None,
    merchant_refs: Collection[str] | None = None,
    using: str = DEFAULT_DB_ALIAS,
) -> pd.DataFrame:
    """Every history transaction with start <= timestamp < end, as a frame.

    Adds `card_first_seen` for cards seen before `start`, so card age stays
    right at the window's edge. Strings that repeat (cards, merchants,
    codes) share one object, which keeps millions of rows in little memory.

    With `card_refs` and `merchant_refs`, only the rows of those cards or
    merchants: every row the features of those cards' and merchants'
    transactions read (a batch of live transactions scores on this).

    `using`: the database alias to read. Training and back-tests pass
    `reporting_database()` (the replica when configured); live scoring
    reads the primary, where the latest transactions and labels are.
    """
    only = None
    if card_refs is not None or merchant_refs is not None:
        only = Q(card_ref__in=list(card_refs or ())) | Q(
            merchant_ref__in=list(merchant_refs or ())
        )
    fields = HISTORY_COLUMNS
    shared: dict[str, str] = {}
    share = shared.setdefault
    columns: dict[str, list] = {name: [] for name in fields}
    micros: dict[str, list[int]] = {"timestamp": [], "label_time": []}
    for row in _history_rows(start=start, end=end, only=only, using=using):
        (tid, moment, card, merchant, amount, currency, mcc, country, channel,
         cvv_failed, declined, is_fraud, label_time) = row  # fmt: skip
        columns["transaction_id"].append(tid)
        micros["timestamp"].append((moment - EPOCH) // _ONE_MICROSECOND)
        columns["card_ref"].append(share(card, card))
        columns["merchant_ref"].append(share(merchant, merchant))
        columns["amount_minor"].append(amount)
        columns["currency"].append(share(currency, currency))
        columns["mcc"].append(share(mcc, mcc))
        columns["merchant_country"].append(share(country, country))
        columns["channel"].append(share(channel, channel))
        columns["cvv_failed"].append(cvv_failed)
        columns["declined"].append(declined)
        columns["is_fraud"].append(is_fraud)
        micros["label_time"].append(
            -1 if label_time is None else (label_time - EPOCH) // _ONE_MICROSECOND
        )
    data: dict[str, object] = {}
    for name in fields:
        if name in micros:
            values = np.array(micros.pop(name), dtype=np.int64)
            times = pd.Series(values.astype("datetime64[us]")).dt.tz_localize("UTC")
            data[name] = times.where(values >= 0) if name == "label_time" else times
        elif name == "is_fraud":
            data[name] = pd.array(columns.pop(name), dtype="Int8")
        elif name == "amount_minor":
            data[name] = np.array(columns.pop(name), dtype=np.int64)
        elif name in ("cvv_failed", "declined"):
            data[name] = np.array(columns.pop(name), dtype=np.int8)
        else:
            data[name] = np.array(columns.pop(name), dtype=object)
    frame = pd.DataFrame(data)
    earlier = HistoricalTransaction.objects.using(using).filter(timestamp__lt=start)
    if card_refs is not None:
        earlier = earlier.filter(card_ref__in=list(card_refs))
    first_seen = dict(
        earlier.values("card_ref")
        .annotate(first=Min("timestamp"))
        .values_list("card_ref", "first")
    )
    if first_seen:
        frame["card_first_seen"] = pd.to_datetime(
            frame["card_ref"].map(first_seen), utc=True
        ).astype("datetime64[us, UTC]")
    return frame


def _record(row: tuple) -> Transaction:
    return Transaction(*row)


@dataclass(frozen=True)
class OnlineContext:
    """What the online features of one transaction need, from the database."""

    transaction: Transaction
    card_history: list[Transaction]
    merchant_history: list[Transaction]
    card_first_seen: datetime | None


def historical_transaction_online_context(
    *, transaction: HistoricalTransaction
) -> OnlineContext:
    """The card's and merchant's history up to this transaction (index look-ups)."""
    moment = transaction.timestamp
    fields = HISTORY_COLUMNS
    card_rows = HistoricalTransaction.objects.filter(
        card_ref=transaction.card_ref,
        timestamp__gte=moment - timedelta(seconds=CARD_LOOKBACK_SECONDS),
        timestamp__lte=moment,
    ).values_list(*fields)
    merchant_rows = HistoricalTransaction.objects.filter(
        merchant_ref=transaction.merchant_ref,
        timestamp__gte=moment - timedelta(seconds=MERCHANT_LOOKBACK_SECONDS),
        timestamp__lte=moment,
    ).values_list(*fields)
    first_seen = HistoricalTransaction.objects.filter(
        card_ref=transaction.card_ref, timestamp__lt=moment
    ).aggregate(first=Min("timestamp"))["first"]
    return OnlineContext(
        transaction=_record(tuple(getattr(transaction, name) for name in fields)),
        card_history=[_record(row) for row in card_rows],
        merchant_history=[_record(row) for row in merchant_rows],
        card_first_seen=first_seen,
    )


def model_version_get(*, public_id: str | UUID) -> ModelVersion:
    try:
        return ModelVersion.objects.get(public_id=public_id)
    except (ModelVersion.DoesNotExist, ValidationError, ValueError):
        raise NotFound(f"No model version {public_id}.") from None


def model_version_active() -> ModelVersion | None:
    return ModelVersion.objects.filter(status=ModelVersion.Status.ACTIVE).first()


def model_versions_scoring() -> QuerySet[ModelVersion]:
    """The versions live transactions are scored with: the active one (acts
    on its tiers) and those in shadow (scored for comparison only)."""
    return ModelVersion.objects.filter(
        status__in=[ModelVersion.Status.ACTIVE, ModelVersion.Status.SHADOW]
    ).order_by("status", "-created_at")


def artifact_path(relative: str) -> Path:
    return Path(settings.MEDIA_ROOT) / relative


_loaded: OrderedDict[tuple[str, str], ScoringModel] = OrderedDict()
_loaded_lock = threading.Lock()
_LOADED_MAX = 4


def scoring_model_load(*, version: ModelVersion) -> ScoringModel:
    """The version's model, unpickled only if the file's SHA-256 matches.

    The bytes are hashed and then loaded from memory, so the file cannot
    change between the check and the load. Loaded models are cached per
    (version, hash).
    """
    key = (str(version.public_id), version.artifact_sha256)
    with _loaded_lock:
        if key in _loaded:
            _loaded.move_to_end(key)
            return _loaded[key]
    path = artifact_path(version.artifact_path)
    try:
        content = path.read_bytes()
    except OSError as error:
        raise ArtifactIntegrityError(
            f"Artifact of model {version.public_id} cannot be read: {error.strerror}."
        ) from None
    digest = hashlib.sha256(content).hexdigest()
    if digest != version.artifact_sha256:
        raise ArtifactIntegrityError(
            f"Artifact of model {version.public_id} does not match its registered "
            f"SHA-256 (expected {version.artifact_sha256}, found {digest}); "
            "refusing to load it."
        )
    model = joblib.load(io.BytesIO(content))
    if not isinstance(model, ScoringModel) or model.artifact_format != ARTIFACT_FORMAT:
        raise ArtifactIntegrityError(
            f"Artifact of model {version.public_id} is not a scoring model."
        )
    with _loaded_lock:
        _loaded[key] = model
        while len(_loaded) > _LOADED_MAX:
            _loaded.popitem(last=False)
    return model


def authorization_fraud_score(*, authorization: Authorization) -> FraudScore | None:
    """The score the active model gave this authorization, if scored yet."""
    return (
        FraudScore.objects.filter(authorization=authorization, is_shadow=False)
        .select_related("model_version")
        .order_by("-scored_at")
        .first()
    )


def authorizations_unscored(
    *, version: ModelVersion, from_pk: int, limit: int
) -> list[int]:
    """Ids `version` has not scored among the `limit` authorizations from pk
    `from_pk` on, in pk order (the backlog a scoring worker can catch up on in
    one batch).

    Two key-range reads bounded by `limit`: the cost follows the backlog, not
    the number of authorizations scored already. Not a cursor: an
    authorization committed out of order (a lower pk made visible later) is
    left to the delivery of its own outbox event, which always scores it.
    """
    following = list(
        Authorization.objects.filter(pk__gte=from_pk)
        # One its card program is still deciding is scored after its final
        # event, never as the approval it may not become.
        .exclude(status=Authorization.Status.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    if not following:
        return []
    scored = set(
        FraudScore.objects.filter(
            model_version=version, authorization_id__in=following
        ).values_list("authorization_id", flat=True)
    )
    return [pk for pk in following if pk not in scored]


METRIC_NAMES = ("auc_roc", "average_precision", "card_precision_at_100")


def model_version_card(*, version: ModelVersion) -> dict[str, object]:
    """The model card of a version: what it learnt from, how it was chosen,
    how it did, and what its tiers are expected to cost."""
    from fraud.scoring.features import FEATURES

    metrics = version.metrics or {}
    meanings = {feature.name: feature.meaning for feature in FEATURES}
    selection = metrics.get("selection") or {}
    refit = metrics.get("refit")
    tiers = metrics.get("tiers", {})
    return {
        "kind": version.kind,
        "status": version.get_status_display(),
        "is_refit": version.refit_from is not None,
        "data_window": (
            (version.refit_from, version.refit_to)
            if version.refit_from is not None
            else (version.train_from, version.train_to)
        ),
        "labels_as_of": version.labels_as_of or metrics.get("labels_as_of"),
        "label_delay_days": version.label_delay_days,
        "validation_window": (version.validation_from, version.validation_to),
        "features": [(name, meanings.get(name, "")) for name in version.feature_names],
        "chosen": metrics.get("chosen", version.kind),
        "candidates": [
            (kind, [figures.get(name) for name in METRIC_NAMES])
            for kind, figures in (
                selection.get("mean") or metrics.get("candidates") or {}
            ).items()
        ],
        "folds": [
            {
                "train": fold["train"],
                "labels_as_of": fold["labels_as_of"][:10],
                "validation": fold["validation"],
                "rows": fold.get("validation_rows"),
                "frauds": fold.get("validation_frauds"),
                "figures": [
                    (kind, [figures.get(name) for name in METRIC_NAMES])
                    for kind, figures in fold.get("candidates", {}).items()
                ],
            }
            for fold in selection.get("folds", [])
        ],
        "refit": refit,
        "tiers": [
            {
                "tier": tier,
                "threshold": threshold,
                "per_day": tiers.get(tier, {}).get("per_day"),
                "precision": tiers.get(tier, {}).get("precision"),
                "recall": tiers.get(tier, {}).get("recall"),
            }
            for tier, threshold in version.tier_thresholds.items()
        ],
        "serving_latency_us": metrics.get("serving_latency_us"),
    }
