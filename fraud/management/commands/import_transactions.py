"""`manage.py import_transactions FILE`: bulk-load labelled transaction history."""

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fraud.services.history import historical_transactions_import
from issuer.kernel.errors import DomainError


class Command(BaseCommand):
    help = (
        "Import labelled transaction history (CSV or .gz, format in CONTRACTS.md). "
        "Rows already present are skipped; invalid rows are reported and skipped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--no-progress", action="store_true", help="No progress bar on stderr."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        progress = (
            None if options["no_progress"] else getattr(self.stderr, "_out", sys.stderr)
        )
        try:
            report = historical_transactions_import(path=path, progress=progress)
        except DomainError as error:
            raise CommandError(error.message) from error
        for row_error in report.errors:
            self.stderr.write(str(row_error))
        if report.invalid > len(report.errors):
            self.stderr.write(
                f"... and {report.invalid - len(report.errors)} more invalid rows"
            )
        self.stdout.write(
            f"rows read: {report.rows_read}, inserted: {report.inserted}, "
            f"skipped: {report.skipped} (already present: {report.already_present}, "
            f"invalid: {report.invalid})"
        )
        if report.invalid:
            raise CommandError(f"{report.invalid} invalid row(s) were not imported.")
