"""`manage.py fraud_activate VERSION`: make a registered version the active model."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from fraud.selectors import model_version_get, scoring_model_load
from fraud.services.registry import model_version_activate
from issuer.kernel.errors import DomainError


class Command(BaseCommand):
    help = "Activate a model version (its artifact must pass the SHA-256 check); "
    help += "the version active before is retired."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("version", help="The version's public id (UUID).")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            version = model_version_get(public_id=options["version"])
            scoring_model_load(version=version)  # never activate what cannot load
            activated, retired = model_version_activate(version=version)
        except DomainError as error:
            raise CommandError(error.message) from error
        if retired is not None:
            self.stdout.write(f"retired {retired.public_id}")
        self.stdout.write(f"active {activated.public_id}")
