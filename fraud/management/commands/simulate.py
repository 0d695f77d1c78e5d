"""`manage.py simulate`: simulated cardholders, merchants and fraud.

simulate --output FILE [--days N --cards N --seed S --start D]
    labelled history as CSV in the import_transactions format;
simulate --live --url http://127.0.0.1:8000 [--rate 2 --duration S]
    live traffic through a running server's authorization API.
"""

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fraud.live_traffic import TrafficStats, live_traffic_start
from fraud.simulation import SimulationConfig, simulate_to_path


class Command(BaseCommand):
    help = (
        "Simulate cardholders, merchants and fraud scenarios; write the "
        "transactions with labels in the import_transactions format."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", type=Path, help="CSV or .gz (history mode)")
        parser.add_argument("--live", action="store_true", help="Send live traffic.")
        parser.add_argument("--url", default="http://127.0.0.1:8000")
        parser.add_argument("--rate", type=float, default=2.0, help="Per second.")
        parser.add_argument(
            "--duration", type=float, help="Seconds (default: forever)."
        )
        parser.add_argument("--days", type=int, default=60)
        parser.add_argument("--cards", type=int, default=5_000)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument(
            "--start", type=date.fromisoformat, default=date(2026, 1, 1)
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["live"]:
            self._live(options)
            return
        if options["output"] is None:
            raise CommandError("Give --output FILE, or --live.")
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

    def _live(self, options: dict[str, Any]) -> None:
        if options["rate"] <= 0:
            raise CommandError("--rate must be above zero.")
        cards = min(options["cards"], 200)
        self.stdout.write(f"issuing {cards} sandbox cards for live traffic...")
        traffic = live_traffic_start(
            base_url=options["url"],
            cards=cards,
            rate=options["rate"],
            duration=options["duration"],
            seed=options["seed"],
        )
        self.stdout.write(
            f"sending {options['rate']}/s to {options['url']} (Ctrl-C stops)"
        )

        def progress(stats: TrafficStats) -> None:
            self.stdout.write(
                f"  sent {stats.sent}: {dict(stats.outcomes)}, errors {stats.errors}"
            )

        try:
            stats = traffic.run(
                rate=options["rate"], duration=options["duration"], on_progress=progress
            )
        except KeyboardInterrupt:
            stats = traffic.stats
        progress(stats)
