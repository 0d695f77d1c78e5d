"""`manage.py simulate --output FILE`: write simulated labelled history as CSV."""

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fraud.simulation import SimulationConfig, simulate_to_path


class Command(BaseCommand):
    help = (
        "Simulate cardholders, merchants and fraud scenarios; write the "
        "transactions with labels in the import_transactions format."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, required=True, help="CSV or .gz")
        parser.add_argument("--days", type=int, default=60)
        parser.add_argument("--cards", type=int, default=5_000)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument(
            "--start", type=date.fromisoformat, default=date(2026, 1, 1)
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["days"] < 1 or options["cards"] < 1:
            raise CommandError("--days and --cards must be at least 1.")
        config = SimulationConfig(
            cards=options["cards"],
            days=options["days"],
            seed=options["seed"],
            start=options["start"],
        )
        totals = simulate_to_path(config, options["output"])
        self.stdout.write(
            f"wrote {totals['rows']} transactions ({totals['frauds']} fraudulent) "
            f"to {options['output']}"
        )
