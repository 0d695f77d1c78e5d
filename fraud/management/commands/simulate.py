"""`manage.py simulate`: simulated cardholders, merchants and fraud.

simulate --output FILE [--days N --cards N --seed S --start D]
    labelled history as CSV in the import_transactions format;
simulate --profile handbook --output FILE [--days N --cards N --terminals N]
    the same from the Fraud Detection Handbook's generator (a public
    benchmark: fraud/handbook_simulation.py), its parameters by default;
simulate --live --url http://127.0.0.1:8000 [--rate 2 --duration S]
         [--feedback --feedback-analyst analyst --feedback-delay 30]
    live traffic through a running server's authorization API; with
    --feedback it also answers alerts, decides cases (as that analyst) and
    files chargebacks from the simulator's truth.
"""

from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from fraud.handbook_simulation import HandbookConfig, handbook_to_path
from fraud.live_feedback import LiveFeedback
from fraud.live_traffic import FRAUD_MIXES, TrafficStats, live_traffic_start
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
        parser.add_argument(
            "--fraud-mix",
            choices=sorted(FRAUD_MIXES),
            default="demo",
            help="Live: 'demo' starts fraud incidents often enough to show every "
            "scenario within minutes; 'realistic' uses the history's rates.",
        )
        parser.add_argument("--rate", type=float, default=2.0, help="Per second.")
        parser.add_argument(
            "--duration", type=float, help="Seconds (default: forever)."
        )
        parser.add_argument(
            "--feedback",
            action="store_true",
            help="Live: answer alerts, decide cases, file chargebacks.",
        )
        parser.add_argument(
            "--feedback-analyst",
            default="analyst",
            help="Live feedback: the fraud analyst who decides cases.",
        )
        parser.add_argument(
            "--feedback-delay",
            type=float,
            default=30.0,
            help="Live feedback: seconds after each authorization.",
        )
        parser.add_argument(
            "--profile",
            choices=("project", "handbook"),
            default="project",
            help="History: the project's simulator, or the Fraud Detection "
            "Handbook's generator (defaults: 183 days, 5,000 customers, "
            "10,000 terminals, from 2018-04-01).",
        )
        parser.add_argument("--days", type=int, help="Default 60 (handbook 183).")
        parser.add_argument("--cards", type=int, help="Default 5,000.")
        parser.add_argument(
            "--terminals", type=int, default=10_000, help="Handbook profile."
        )
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument(
            "--start",
            type=date.fromisoformat,
            help="Default 2026-01-01 (handbook 2018-04-01).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["live"]:
            self._live(options)
            return
        if options["output"] is None:
            raise CommandError("Give --output FILE, or --live.")
        book = HandbookConfig()
        is_handbook = options["profile"] == "handbook"
        days: int = options["days"]
        cards: int = options["cards"]
        start: date = options["start"]
        if days is None:
            days = book.days if is_handbook else SimulationConfig.days
        if cards is None:
            cards = book.customers if is_handbook else SimulationConfig.cards
        if start is None:
            start = book.start if is_handbook else SimulationConfig.start
        if days < 1 or cards < 1 or options["terminals"] < 1:
            raise CommandError("--days, --cards and --terminals must be at least 1.")
        if is_handbook:
            totals = handbook_to_path(
                HandbookConfig(
                    customers=cards,
                    terminals=options["terminals"],
                    days=days,
                    start=start,
                    seed=options["seed"],
                ),
                options["output"],
            )
        else:
            config = SimulationConfig(
                cards=cards, days=days, seed=options["seed"], start=start
            )
            totals = simulate_to_path(config, options["output"])
        self.stdout.write(
            f"wrote {totals['rows']} transactions ({totals['frauds']} fraudulent) "
            f"to {options['output']}"
        )

    def _live(self, options: dict[str, Any]) -> None:
        if options["rate"] <= 0:
            raise CommandError("--rate must be above zero.")
        cards = min(options["cards"] or 200, 200)
        self.stdout.write(f"issuing {cards} sandbox cards for live traffic...")
        feedback = None
        if options["feedback"]:
            analyst = User.objects.filter(username=options["feedback_analyst"]).first()
            if analyst is None:
                raise CommandError(
                    f"No user {options['feedback_analyst']!r} to decide cases "
                    "(run seed_demo, or give --feedback-analyst)."
                )
            feedback = LiveFeedback(
                analyst=analyst,
                delay_seconds=options["feedback_delay"],
                seed=options["seed"],
            )
        traffic = live_traffic_start(
            base_url=options["url"],
            cards=cards,
            rate=options["rate"],
            duration=options["duration"],
            seed=options["seed"],
            feedback=feedback,
            fraud_mix=options["fraud_mix"],
        )
        self.stdout.write(
            f"sending {options['rate']}/s to {options['url']} (Ctrl-C stops)"
        )

        def progress(stats: TrafficStats) -> None:
            line = f"  sent {stats.sent}: {dict(stats.outcomes)}, errors {stats.errors}"
            if feedback is not None:
                done = feedback.totals
                line += (
                    f"; feedback: {done.alerts_answered} alerts answered, "
                    f"{done.cases_decided} cases decided, "
                    f"{done.chargebacks} chargebacks"
                )
            self.stdout.write(line)

        try:
            stats = traffic.run(
                rate=options["rate"], duration=options["duration"], on_progress=progress
            )
        except KeyboardInterrupt:
            stats = traffic.stats
        progress(stats)
