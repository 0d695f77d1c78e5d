"""`manage.py create_partner NAME --scopes S1,S2`: prints the key on the last line."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Partner, Scope
from accounts.services.partners import partner_create
from issuer.kernel.errors import DomainError


class Command(BaseCommand):
    help = "Create a partner with one API key and print the key (shown once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name")
        parser.add_argument(
            "--scopes",
            required=True,
            help=f"Comma-separated, from: {','.join(Scope.values)}",
        )
        parser.add_argument(
            "--kind", default=Partner.Kind.ACQUIRER, choices=Partner.Kind.values
        )
        parser.add_argument(
            "--serves-issuer-cardholders",
            action="store_true",
            help="Let it reach the issuer's own cardholders (those of no "
            "program), e.g. the issuer's payment processor. Off by default.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            partner, key = partner_create(
                name=options["name"],
                scopes=options["scopes"].split(","),
                kind=options["kind"],
                serves_issuer_cardholders=options["serves_issuer_cardholders"],
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"Created partner {partner.name} ({partner.public_id}).")
        self.stdout.write("API key (store it now; it is not shown again):")
        self.stdout.write(key)
