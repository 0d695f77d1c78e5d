"""`manage.py seed_demo`: idempotent demo data; prints the logins it created.

It lives in the top app of the stack so it may call every app's seeding.
"""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.demo import demo_staff_seed


class Command(BaseCommand):
    help = "Create demo staff, partners, cardholders and cards (sandbox only)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.SANDBOX:
            raise CommandError("seed_demo runs only with SANDBOX=on.")
        self.stdout.write("Staff logins (admin at /admin/):")
        for username, password, role in demo_staff_seed():
            self.stdout.write(f"  {role:<17} {username} / {password}")
