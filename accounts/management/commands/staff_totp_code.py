"""`manage.py staff_totp_code USERNAME`: a staff login's current TOTP code.

Sandbox only (refuses when SANDBOX is off): it stands in for the phone app
so demo and test logins need no phone. Prints the code alone.
"""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from accounts.services.second_factor import (
    staff_totp_code,
    staff_totp_device,
    staff_totp_enrollment_start,
)


class Command(BaseCommand):
    help = "Print a staff login's current TOTP code (sandbox only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.SANDBOX:
            raise CommandError("staff_totp_code runs only with SANDBOX=on.")
        user = User.objects.filter(username=options["username"], is_staff=True).first()
        if user is None:
            raise CommandError(f"No staff login {options['username']!r}.")
        # Not enrolled yet: the code of the device their enrolment page shows.
        device = staff_totp_device(user=user) or staff_totp_enrollment_start(user=user)
        self.stdout.write(staff_totp_code(device=device))
