"""`manage.py create_program_admin [USERNAME] [--email E]`: the first staff
login, holding the Program admin role, on a fresh installation.

The password comes from PROGRAM_ADMIN_PASSWORD (never an argument: it would
show in the process list and shell history); the username from the argument,
else PROGRAM_ADMIN_USERNAME, else `admin`. An existing login is left as it is
(exit 0), so `docker compose --profile setup run --rm create-admin` may run
again. The admin enrols TOTP on their first sign-in at /admin/.
"""

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from accounts.roles import PROGRAM_ADMIN
from accounts.services.staff import staff_user_ensure
from issuer.kernel.errors import InvalidInput


class Command(BaseCommand):
    help = "Create the first program admin (password from PROGRAM_ADMIN_PASSWORD)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", nargs="?")
        parser.add_argument("--email", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        username = (
            options["username"] or os.environ.get("PROGRAM_ADMIN_USERNAME") or "admin"
        )
        if User.objects.filter(username=username).exists():
            self.stdout.write(f"Staff login {username} exists: left unchanged.")
            return
        password = os.environ.get("PROGRAM_ADMIN_PASSWORD", "")
        if not password:
            raise CommandError("Set PROGRAM_ADMIN_PASSWORD (12+ characters).")
        try:
            staff_user_ensure(
                username=username,
                password=password,
                role=PROGRAM_ADMIN,
                email=options["email"],
            )
        except InvalidInput as error:
            raise CommandError(f"Password refused: {error}") from None
        self.stdout.write(
            f"Program admin {username} created: sign in at /admin/ and enrol"
            " TOTP on the first sign-in."
        )
