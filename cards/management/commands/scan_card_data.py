"""`manage.py scan_card_data [--redis URL] [--path FILE_OR_FOLDER ...]`.

Looks for any issued card's number (or 12 of its digits in a row) and CVV
outside the encrypted PAN column: every table of the database, the keys and
values of a Redis database, and the given log files or folders (the media
folder too with --media). Prints one line per finding, naming the card by id
and last four only; exits 1 when anything is found. Run it after `make demo`.
"""

from pathlib import Path
from typing import Any

import redis
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cards.card_data_scan import CardDataScanner, Finding, card_secrets_all


class Command(BaseCommand):
    help = "Find card numbers and CVVs outside the encrypted PAN column."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--redis", metavar="URL", help="A Redis database to scan, e.g. the broker."
        )
        parser.add_argument(
            "--path",
            type=Path,
            action="append",
            default=[],
            help="A log file or folder to scan (repeatable).",
        )
        parser.add_argument(
            "--media", action="store_true", help="Scan MEDIA_ROOT's files too."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        scanner = CardDataScanner(card_secrets_all())
        paths: list[Path] = list(options["path"])
        media = Path(settings.MEDIA_ROOT)
        if options["media"] and media.exists():  # none before the first upload
            paths.append(media)
        for path in paths:
            if not path.exists():
                raise CommandError(f"No such file or folder: {path}")
        findings: list[Finding] = scanner.scan_database()
        scanned = ["the database"]
        if options["redis"]:
            findings += scanner.scan_redis(redis.Redis.from_url(options["redis"]))
            scanned.append("Redis")
        findings += scanner.scan_files(paths)
        scanned += [str(path) for path in paths]
        for finding in findings:
            self.stdout.write(str(finding))
        summary = (
            f"{len(findings)} finding(s) for {len(scanner.cards)} card(s) "
            f"in {', '.join(scanned)}."
        )
        if findings:
            raise CommandError(summary, returncode=1)
        self.stdout.write(
            f"OK: no card data in {', '.join(scanned)} "
            f"({len(scanner.cards)} card(s) known)."
        )
