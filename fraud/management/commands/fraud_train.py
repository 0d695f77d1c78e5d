"""`manage.py fraud_train`: train and register a draft model version.

fraud_train --as-of D [--label-delay-days 7]
    the model to deploy at the end of day D: the candidate chosen on
    time-ordered folds inside the labelled period, refit on every
    transaction whose label is known at the end of D;
fraud_train --train-from D --train-to D [--label-delay-days 7]
    the explicit-window form (experiments): fit on the window with the
    labels known the delay after it, validate on the week after that.

Prints the candidates' validation figures, then the version id alone on the
last line.
"""

from dataclasses import replace
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fraud.scoring.training import CANDIDATES, TrainingConfig
from fraud.services.training import (
    TrainingOutcome,
    model_version_train,
    model_version_train_as_of,
    tier_policy,
)
from issuer.kernel.errors import DomainError


class Command(BaseCommand):
    help = (
        "Train a fraud model on the history of [--train-from, --train-to] with "
        "the labels known --label-delay-days after it, compare logistic "
        "regression, random forest and gradient boosting on the "
        "--validation-days that follow, and register the best as a draft."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--as-of",
            type=date.fromisoformat,
            help="Select, then refit on every label known at the end of this day.",
        )
        parser.add_argument("--train-from", type=date.fromisoformat)
        parser.add_argument("--train-to", type=date.fromisoformat)
        parser.add_argument(
            "--review-capacity",
            type=float,
            help="Review cases a day for High + Critical (default: settings).",
        )
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
        explicit = options["train_from"] is not None or options["train_to"] is not None
        if options["as_of"] is not None and explicit:
            raise CommandError("Give either --as-of, or --train-from and --train-to.")
        if options["as_of"] is None and (
            options["train_from"] is None or options["train_to"] is None
        ):
            raise CommandError("Give --as-of D, or both --train-from and --train-to.")
        config = replace(
            TrainingConfig(),
            candidates=candidates,
            n_jobs=options["jobs"],
            validation_days=options["validation_days"],
        )
        try:
            policy = tier_policy(review_cases_per_day=options["review_capacity"])
            if options["as_of"] is not None:
                outcome = model_version_train_as_of(
                    as_of=options["as_of"],
                    label_delay_days=options["label_delay_days"],
                    config=config,
                    policy=policy,
                )
                self._report_refit(outcome)
                return
            outcome = model_version_train(
                train_from=options["train_from"],
                train_to=options["train_to"],
                label_delay_days=options["label_delay_days"],
                validation_days=options["validation_days"],
                config=config,
                policy=policy,
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
        self._report_tiers_and_id(outcome)

    def _report_refit(self, outcome: TrainingOutcome) -> None:
        result = outcome.result
        for fold in result.folds:
            figures = fold.figures()
            self.stdout.write(
                f"fold: train {figures['train'][0]} to {figures['train'][1]} "
                f"(labels as of {figures['labels_as_of'][:10]}), validate "
                f"{figures['validation'][0]} to {figures['validation'][1]}: "
                f"{figures['validation_rows']} transactions, "
                f"{figures['validation_frauds']} frauds"
            )
        self.stdout.write(
            f"{'mean over folds':<24} {'AUC':>7} {'AP':>7} {'CP@100':>7} {'fit s':>7}"
        )
        for candidate in result.candidates:
            metrics = candidate.metrics
            marker = " *" if candidate.kind == outcome.version.kind else ""
            self.stdout.write(
                f"{candidate.kind:<24} {metrics['auc_roc']:>7.4f} "
                f"{metrics['average_precision']:>7.4f} "
                f"{metrics['card_precision_at_100']:>7.4f} "
                f"{candidate.fit_seconds:>7.1f}{marker}"
            )
        refit = result.refit or {}
        self.stdout.write(
            f"refit {outcome.version.kind} on {refit.get('train', ['?', '?'])[0]} "
            f"to {outcome.version.refit_to}: {refit.get('rows')} transactions, "
            f"{refit.get('frauds_known')} frauds known by "
            f"{refit.get('labels_as_of', '')[:19]}"
        )
        self._report_tiers_and_id(outcome)

    def _report_tiers_and_id(self, outcome: TrainingOutcome) -> None:
        version = outcome.version
        report = outcome.result.tier_report
        thresholds = ", ".join(
            f"{tier} >= {value:.4f} (~{report[tier].get('per_day', 0):g}/day, "
            f"precision {report[tier]['precision']:.2f})"
            for tier, value in version.tier_thresholds.items()
        )
        self.stdout.write(f"registered draft {version.kind}; tiers: {thresholds}")
        self.stdout.write(str(version.public_id))
