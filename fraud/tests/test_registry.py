"""The model registry: artifacts checked by SHA-256, one active version."""

import pickle
from datetime import date
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from fraud.models import ModelVersion
from fraud.selectors import (
    ArtifactIntegrityError,
    artifact_path,
    model_versions_scoring,
    scoring_model_load,
)
from fraud.services.registry import (
    model_version_activate,
    model_version_register,
    model_version_shadow,
)
from fraud.tests.conftest import tiny_model
from issuer.kernel.errors import Conflict


def _register() -> ModelVersion:
    return model_version_register(
        model=tiny_model(),
        train_from=date(2026, 1, 1),
        train_to=date(2026, 1, 7),
        validation_from=date(2026, 1, 15),
        validation_to=date(2026, 1, 21),
        label_delay_days=7,
        metrics={"validation": {"average_precision": 0.5}},
    )


class _Trap:
    """Unpickling this creates a file: proof that a pickle was loaded."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (Path.touch, (self.marker,))


@pytest.mark.django_db
def test_a_registered_artifact_loads_back_and_scores_the_same(media_root):
    version = _register()
    row = np.zeros(len(tiny_model().feature_names))

    loaded = scoring_model_load(version=version)

    assert version.status == ModelVersion.Status.DRAFT
    assert version.artifact_path == f"models/{version.public_id}.joblib"
    assert (media_root / version.artifact_path).is_file()
    assert loaded.score_vector(row) == tiny_model().score_vector(row)
    assert version.tier_thresholds == {"medium": 0.2, "high": 0.5, "critical": 0.9}


@pytest.mark.django_db
def test_a_tampered_artifact_is_never_unpickled(media_root, tmp_path):
    """A file whose SHA-256 differs is refused before pickle runs any code."""
    version = _register()
    marker = tmp_path / "unpickled"
    artifact_path(version.artifact_path).write_bytes(pickle.dumps(_Trap(marker)))

    with pytest.raises(ArtifactIntegrityError, match="does not match its registered"):
        scoring_model_load(version=version)
    with pytest.raises(CommandError, match="does not match its registered"):
        call_command("fraud_activate", str(version.public_id), stdout=StringIO())

    assert not marker.exists()
    version.refresh_from_db()
    assert version.status == ModelVersion.Status.DRAFT


@pytest.mark.django_db
def test_one_flipped_byte_is_enough_to_refuse(media_root):
    version = _register()
    path = artifact_path(version.artifact_path)
    content = bytearray(path.read_bytes())
    content[len(content) // 2] ^= 0x01
    path.write_bytes(bytes(content))

    with pytest.raises(ArtifactIntegrityError):
        scoring_model_load(version=version)


@pytest.mark.django_db
def test_activating_a_version_retires_the_active_one(media_root):
    first, second = _register(), _register()
    out = StringIO()

    call_command("fraud_activate", str(first.public_id), stdout=out)
    call_command("fraud_activate", str(second.public_id), stdout=out)

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == ModelVersion.Status.RETIRED
    assert second.status == ModelVersion.Status.ACTIVE
    assert second.activated_at is not None
    assert out.getvalue().splitlines() == [
        f"active {first.public_id}",
        f"retired {first.public_id}",
        f"active {second.public_id}",
    ]


@pytest.mark.django_db
def test_activating_the_active_version_changes_nothing(media_root):
    version = _register()
    model_version_activate(version=version)
    version.refresh_from_db()
    activated_at = version.activated_at

    activated, retired = model_version_activate(version=version)

    assert retired is None
    assert activated.activated_at == activated_at


@pytest.mark.django_db
def test_the_database_allows_at_most_one_active_version(media_root):
    """Going around the service, a second active row is refused."""
    first, second = _register(), _register()
    model_version_activate(version=first)

    with pytest.raises(IntegrityError), transaction.atomic():
        ModelVersion.objects.filter(pk=second.pk).update(status="active")

    assert list(
        ModelVersion.objects.filter(status="active").values_list("pk", flat=True)
    ) == [first.pk]


@pytest.mark.django_db
def test_an_unknown_version_is_a_clear_error():
    with pytest.raises(CommandError, match="No model version"):
        call_command("fraud_activate", "not-a-uuid", stdout=StringIO())


@pytest.mark.django_db
def test_a_draft_in_shadow_is_scored_next_to_the_active_version(media_root):
    active, shadow, draft = _register(), _register(), _register()
    model_version_activate(version=active)

    model_version_shadow(version=shadow)

    assert list(model_versions_scoring()) == [active, shadow]
    assert draft not in model_versions_scoring()


@pytest.mark.django_db
def test_only_a_draft_goes_into_shadow(media_root):
    version = _register()
    model_version_activate(version=version)

    with pytest.raises(Conflict, match="Only a draft"):
        model_version_shadow(version=version)
    version.refresh_from_db()
    assert version.status == ModelVersion.Status.ACTIVE
