"""`manage.py fraud_score_history --model V --from D --to D --output FILE.csv`.

Writes `transaction_id,card_ref,timestamp,score`, one row per transaction of
the window in time order, each scored with only what was known at its time.
"""

import csv
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from django.core.management.base import BaseCommand, CommandError, CommandParser

from fraud.selectors import model_version_get
from fraud.services.scoring import history_scores
from issuer.kernel.errors import DomainError

CSV_HEADER = ("transaction_id", "card_ref", "timestamp", "score")


class Command(BaseCommand):
    help = "Score every history transaction of a window with a model version."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--model", required=True, help="Model version id (UUID).")
        parser.add_argument(
            "--from", dest="date_from", type=date.fromisoformat, required=True
        )
        parser.add_argument(
            "--to", dest="date_to", type=date.fromisoformat, required=True
        )
        parser.add_argument("--output", type=Path, required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            version = model_version_get(public_id=options["model"])
            scores = history_scores(
                version=version,
                date_from=options["date_from"],
                date_to=options["date_to"],
            )
        except DomainError as error:
            raise CommandError(error.message) from error
        timestamps = np.datetime_as_string(
            scores["timestamp"].to_numpy(dtype="datetime64[s]"), unit="s"
        )
        output: Path = options["output"]
        with output.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(CSV_HEADER)
            writer.writerows(
                zip(
                    scores["transaction_id"],
                    scores["card_ref"],
                    (f"{moment}Z" for moment in timestamps),
                    (f"{score:.8f}" for score in scores["score"]),
                    strict=True,
                )
            )
        self.stdout.write(f"scored {len(scores)} transactions into {output}")
