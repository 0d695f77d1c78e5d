"""`manage.py fraud_train --train-from D --train-to D`: train and register a draft.

Prints the candidates' validation figures, then the version id alone on the
last line.
"""

from dataclasses import replace
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fraud.scoring.training import CANDIDATES, TrainingConfig
from fraud.services.training import model_version_train
from issuer.kernel.errors import DomainError


class Command(BaseCommand):
    help = (
        "Train a fraud model on the history of [--train-from, --train-to] with "
        "the labels known --label-delay-days after it, compare logistic "
        "regression, random forest and gradient boosting on the "
        "--validation-days that follow, and register the best as a draft."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--train-from", type=date.fromisoformat, required=True)
        parser.add_argument("--train-to", type=date.fromisoformat, required=True)
        parser.add_argument("--label-delay-days", type=int, default=7)
        parser.add_argument("--validation-days", type=int, default=7)
        parser.add_argument(
            "--candidates",
            default=",".join(CANDIDATES),
            help=f"Comma-separated, from: {','.join(CANDIDATES)}",
        )
        parser.add_argument(
            "--jobs", type=int, default=-1, help="CPU cores for training (-1: all)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        candidates = tuple(
            name.strip() for name in options["candidates"].split(",") if name.strip()
        )
        unknown = sorted(set(candidates) - set(CANDIDATES))
        if unknown or not candidates:
            raise CommandError(
                f"Unknown candidate(s) {unknown}; choose from {CANDIDATES}."
            )
        config = replace(
            TrainingConfig(), candidates=candidates, n_jobs=options["jobs"]
        )
        try:
            outcome = model_version_train(
                train_from=options["train_from"],
                train_to=options["train_to"],
                label_delay_days=options["label_delay_days"],
                validation_days=options["validation_days"],
                config=config,
            )
        except DomainError as error:
            raise CommandError(error.message) from error
        version = outcome.version
        window = outcome.window
        data = outcome.result.data_summary
        self.stdout.write(
            f"training {window.train_start:%Y-%m-%d} to {options['train_to']}: "
            f"{data['train_rows']} transactions, {data['train_frauds_known']} frauds "
            f"known by {window.labels_as_of:%Y-%m-%d}"
        )
        self.stdout.write(
            f"validation {version.validation_from} to {version.validation_to}: "
            f"{data['validation_rows']} transactions, "
            f"{data['validation_frauds']} frauds"
        )
        self.stdout.write(
            f"{'model':<24} {'AUC':>7} {'AP':>7} {'CP@100':>7} {'fit s':>7}"
        )
        for candidate in outcome.result.candidates:
            metrics = candidate.metrics
            marker = " *" if candidate.kind == version.kind else ""
            self.stdout.write(
                f"{candidate.kind:<24} {metrics['auc_roc']:>7.4f} "
                f"{metrics['average_precision']:>7.4f} "
                f"{metrics['card_precision_at_100']:>7.4f} "
                f"{candidate.fit_seconds:>7.1f}{marker}"
            )
        thresholds = ", ".join(
            f"{tier} >= {value:.4f}" for tier, value in version.tier_thresholds.items()
        )
        self.stdout.write(f"registered draft {version.kind}; tiers: {thresholds}")
        self.stdout.write(str(version.public_id))
