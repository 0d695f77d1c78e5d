"""The model registry: save artifacts, register versions, activate one."""

import hashlib
import io
import os
import tempfile
import uuid
from datetime import date, datetime
from pathlib import Path
from typing import Any

import joblib
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from fraud.models import ModelVersion
from fraud.scoring.model import CRITICAL, HIGH, MEDIUM, ScoringModel
from fraud.selectors import artifact_path
from issuer.kernel.errors import Conflict, InvalidInput

ARTIFACT_FOLDER = "models"


def model_artifact_save(
    *, model: ScoringModel, public_id: uuid.UUID
) -> tuple[str, str]:
    """Write the model with joblib under MEDIA_ROOT/models/; return (path, sha256).

    The file is written under a temporary name and renamed, so a reader
    never sees half an artifact. The path is relative to MEDIA_ROOT.
    """
    buffer = io.BytesIO()
    joblib.dump(model, buffer, compress=3)
    content = buffer.getvalue()
    relative = f"{ARTIFACT_FOLDER}/{public_id}.joblib"
    target = artifact_path(relative)
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, suffix=".part")
    try:
        with os.fdopen(descriptor, "wb") as output:
            output.write(content)
            output.flush()
            os.fsync(output.fileno())
        Path(temporary).replace(target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return relative, hashlib.sha256(content).hexdigest()


def model_version_register(
    *,
    model: ScoringModel,
    train_from: date,
    train_to: date,
    validation_from: date,
    validation_to: date,
    label_delay_days: int,
    metrics: dict[str, Any],
    refit_from: date | None = None,
    refit_to: date | None = None,
    labels_as_of: datetime | None = None,
) -> ModelVersion:
    """Save the artifact and register it as a draft version.

    A refit model (select-then-refit) also records the refit's data window
    and when its labels were read; train/validation are then its most
    recent selection fold."""
    missing = {MEDIUM, HIGH, CRITICAL} - set(model.tier_thresholds)
    if missing:
        raise InvalidInput.for_field(
            "tier_thresholds", f"missing tier(s): {', '.join(sorted(missing))}"
        )
    public_id = uuid.uuid4()
    relative, digest = model_artifact_save(model=model, public_id=public_id)
    return ModelVersion.objects.create(
        public_id=public_id,
        kind=model.kind,
        artifact_path=relative,
        artifact_sha256=digest,
        feature_names=list(model.feature_names),
        train_from=train_from,
        train_to=train_to,
        validation_from=validation_from,
        validation_to=validation_to,
        label_delay_days=label_delay_days,
        refit_from=refit_from,
        refit_to=refit_to,
        labels_as_of=labels_as_of,
        metrics=metrics,
        tier_thresholds={
            tier: model.tier_thresholds[tier] for tier in (MEDIUM, HIGH, CRITICAL)
        },
    )


def model_version_activate(
    *, version: ModelVersion
) -> tuple[ModelVersion, ModelVersion | None]:
    """Make `version` the active model; retire the one active before.

    Returns (activated, retired or None). Rows are locked in pk order; the
    unique index on the active marker rejects a concurrent second activation.
    """
    with transaction.atomic():
        rows = {
            row.pk: row
            for row in ModelVersion.objects.filter(
                Q(status=ModelVersion.Status.ACTIVE) | Q(pk=version.pk)
            )
            .order_by("pk")
            .select_for_update()
        }
        target = rows.get(version.pk)
        if target is None:
            raise Conflict(f"Model version {version.public_id} no longer exists.")
        if target.status == ModelVersion.Status.ACTIVE:
            return target, None
        previous = next(
            (row for row in rows.values() if row.status == ModelVersion.Status.ACTIVE),
            None,
        )
        if previous is not None:
            previous.status = ModelVersion.Status.RETIRED
            previous.save(update_fields=["status"])
        target.status = ModelVersion.Status.ACTIVE
        target.activated_at = timezone.now()
        target.save(update_fields=["status", "activated_at"])
    version.refresh_from_db()
    return target, previous


def model_version_shadow(*, version: ModelVersion) -> ModelVersion:
    """Put a draft in shadow: scored alongside the active model, acting on nothing."""
    with transaction.atomic():
        locked = ModelVersion.objects.select_for_update().get(pk=version.pk)
        if locked.status != ModelVersion.Status.DRAFT:
            raise Conflict(
                f"Only a draft can go into shadow; "
                f"{locked.public_id} is {locked.status}."
            )
        locked.status = ModelVersion.Status.SHADOW
        locked.save(update_fields=["status"])
    return locked
