"""The commands of CONTRACTS.md, end to end on a small simulated history."""

import csv
import gzip
import uuid
from datetime import date, timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from fraud.models import HistoricalTransaction, ModelVersion
from fraud.selectors import artifact_path
from fraud.services.history import historical_transaction_label
from fraud.services.registry import model_version_register
from fraud.services.scoring import historical_transaction_score
from fraud.simulation import CSV_COLUMNS
from fraud.tests.conftest import tiny_model


def _run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_simulate_is_deterministic_and_writes_the_import_format(tmp_path):
    first, second, other = (tmp_path / name for name in ("a.csv", "b.csv", "c.csv"))
    arguments = ["--days", "3", "--cards", "40", "--start", "2026-02-01"]

    out = _run("simulate", "--output", str(first), "--seed", "5", *arguments)
    _run("simulate", "--output", str(second), "--seed", "5", *arguments)
    _run("simulate", "--output", str(other), "--seed", "6", *arguments)

    rows = _read_csv(first)
    frauds = sum(row["is_fraud"] == "1" for row in rows)
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() != other.read_bytes()
    assert first.read_text().splitlines()[0] == ",".join(CSV_COLUMNS)
    assert out == f"wrote {len(rows)} transactions ({frauds} fraudulent) to {first}\n"
    assert rows[0]["timestamp"].startswith("2026-02-01T")
    assert rows[-1]["timestamp"] < "2026-02-04"
    assert [row["timestamp"] for row in rows] == sorted(
        row["timestamp"] for row in rows
    )
    assert {row["card_ref"][:1] for row in rows} == {"C"}


def test_simulate_gzip_output_is_deterministic(tmp_path):
    first, second = tmp_path / "a.csv.gz", tmp_path / "b.csv.gz"

    _run("simulate", "--output", str(first), "--days", "2", "--cards", "30")
    _run("simulate", "--output", str(second), "--days", "2", "--cards", "30")

    assert first.read_bytes() == second.read_bytes()
    assert gzip.decompress(first.read_bytes()).startswith(b"transaction_id,timestamp,")


@pytest.mark.django_db
def test_train_score_and_activate_end_to_end(small_world_csv, media_root, tmp_path):
    """import -> fraud_train -> fraud_score_history -> fraud_activate."""
    _run("import_transactions", str(small_world_csv), "--no-progress")

    trained = _run(
        "fraud_train", "--train-from", "2026-01-06", "--train-to", "2026-01-12"
    )

    lines = trained.splitlines()
    version = ModelVersion.objects.get()
    assert lines[-1] == str(version.public_id)
    assert uuid.UUID(lines[-1])
    assert lines[0].startswith("training 2026-01-06 to 2026-01-12: ")
    assert lines[1].startswith("validation 2026-01-20 to 2026-01-26: ")
    assert version.status == ModelVersion.Status.DRAFT
    assert (version.train_from, version.train_to) == (
        date(2026, 1, 6),
        date(2026, 1, 12),
    )
    assert version.label_delay_days == 7
    assert version.feature_names[:3] == ["amount", "log_amount", "hour_of_day"]
    assert set(version.metrics["candidates"]) == {
        "logistic_regression",
        "random_forest",
        "hist_gradient_boosting",
    }
    assert version.metrics["validation"]["average_precision"] > 0.5
    assert set(version.tier_thresholds) == {"medium", "high", "critical"}
    assert artifact_path(version.artifact_path).is_file()

    output = tmp_path / "scores.csv"
    _run(
        "fraud_score_history",
        "--model",
        str(version.public_id),
        "--from",
        "2026-01-20",
        "--to",
        "2026-01-21",
        "--output",
        str(output),
    )

    header = output.read_text().splitlines()[0]
    rows = _read_csv(output)
    window = HistoricalTransaction.objects.filter(
        timestamp__date__gte=date(2026, 1, 20), timestamp__date__lte=date(2026, 1, 21)
    )
    assert header == "transaction_id,card_ref,timestamp,score"
    assert len(rows) == window.count()
    assert {row["transaction_id"] for row in rows} == set(
        window.values_list("transaction_id", flat=True)
    )
    stored = {t.transaction_id: t for t in window}
    for row in rows[::150]:  # the batch path equals the online path
        online = historical_transaction_score(
            transaction=stored[row["transaction_id"]], version=version
        )
        assert float(row["score"]) == pytest.approx(online.score, abs=1e-8)
        assert row["card_ref"] == stored[row["transaction_id"]].card_ref

    activated = _run("fraud_activate", str(version.public_id))

    assert activated == f"active {version.public_id}\n"
    assert ModelVersion.objects.get().status == ModelVersion.Status.ACTIVE


def _register(model) -> ModelVersion:  # type: ignore[no-untyped-def]
    return model_version_register(
        model=model,
        train_from=date(2026, 1, 1),
        train_to=date(2026, 1, 2),
        validation_from=date(2026, 1, 3),
        validation_to=date(2026, 1, 4),
        label_delay_days=0,
        metrics={},
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("label_delay", "scores_change"),
    [
        (timedelta(days=5), False),  # learnt after the window: nothing changes
        (timedelta(hours=1), True),  # known during the window: scores move
    ],
)
def test_scores_use_only_what_was_known_at_each_transactions_time(
    small_world_csv, media_root, tmp_path, label_delay, scores_change
):
    """A label learnt after the window cannot change the window's scores."""
    _run("import_transactions", str(small_world_csv), "--no-progress")
    version = _register(
        tiny_model({"merchant_known_fraud_7d": 2.0, "card_known_fraud_30d": 2.0})
    )
    before, after = tmp_path / "before.csv", tmp_path / "after.csv"
    window = ["--from", "2026-01-10", "--to", "2026-01-10"]
    arguments = ["--model", str(version.public_id), *window]
    _run("fraud_score_history", *arguments, "--output", str(before))
    eve = HistoricalTransaction.objects.filter(
        timestamp__date=date(2026, 1, 9), timestamp__hour__lt=12, is_fraud=False
    )
    for transaction in eve[:50]:
        historical_transaction_label(
            transaction_id=transaction.transaction_id,
            is_fraud=True,
            label_time=transaction.timestamp + label_delay,
        )

    _run("fraud_score_history", *arguments, "--output", str(after))

    assert (before.read_bytes() != after.read_bytes()) is scores_change
    assert len(_read_csv(before)) > 100


@pytest.mark.django_db
def test_score_history_writes_the_contract_format(media_root, tmp_path):
    from fraud.tests.factories import HistoricalTransactionFactory

    stored = HistoricalTransactionFactory(
        transaction_id="T1", card_ref="C00042", amount_minor=1000
    )
    version = _register(tiny_model())
    output = tmp_path / "scores.csv"

    out = _run(
        "fraud_score_history",
        "--model",
        str(version.public_id),
        "--from",
        "2026-03-02",
        "--to",
        "2026-03-02",
        "--output",
        str(output),
    )

    expected = historical_transaction_score(transaction=stored, version=version).score
    assert out == f"scored 1 transactions into {output}\n"
    assert output.read_text() == (
        "transaction_id,card_ref,timestamp,score\n"
        f"T1,C00042,2026-03-02T09:00:00Z,{expected:.8f}\n"
    )


@pytest.mark.django_db
def test_training_without_a_validation_window_is_a_clear_error(small_world_csv):
    _run("import_transactions", str(small_world_csv), "--no-progress")

    with pytest.raises(CommandError, match="no transactions in the validation window"):
        _run("fraud_train", "--train-from", "2026-01-15", "--train-to", "2026-01-20")
    assert not ModelVersion.objects.exists()


@pytest.mark.django_db
def test_scoring_an_empty_window_writes_only_the_header(media_root, tmp_path):
    version = _register(tiny_model())
    output = tmp_path / "scores.csv"

    out = _run(
        "fraud_score_history",
        "--model",
        str(version.public_id),
        "--from",
        "2030-01-01",
        "--to",
        "2030-01-02",
        "--output",
        str(output),
    )

    assert out == f"scored 0 transactions into {output}\n"
    assert output.read_text() == "transaction_id,card_ref,timestamp,score\n"
