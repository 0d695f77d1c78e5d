"""`manage.py demo_summary --url URL`: the block `make demo` ends with, its
last lines before serving: where to go, every login with its role, how to
get a TOTP code, where emails and logs go, and a partner API key.

Sandbox only. The key is issued now for the demo partner (a new one each
run: a key is shown only once, so an earlier run's cannot be shown again).
"""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.demo import DEMO_STAFF
from accounts.models import Scope
from accounts.services.partners import partner_api_key_issue
from cards.demo import demo_cardholders_seed, demo_partner_seed

PAGES = (
    ("Start page", "/"),
    ("Staff console", "/admin/"),
    ("Review queue", "/admin/fraud/reviewcase/"),
    ("Dashboards", "/staff/dashboards/"),
    ("Cardholder portal", "/portal/"),
    ("API docs", "/api/docs/"),
)


class Command(BaseCommand):
    help = "Print the demo's URLs, logins and a fresh partner key (sandbox only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000")
        parser.add_argument(
            "--logs", default="", help="Where the server and traffic logs go."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.SANDBOX:
            raise CommandError("demo_summary runs only with SANDBOX=on.")
        url = options["url"].rstrip("/")
        password = settings.DEMO_PASSWORD
        partner, _ = demo_partner_seed()
        _, key = partner_api_key_issue(
            partner=partner, scopes=Scope.values, name="make demo"
        )
        cardholders = [login.username for login in demo_cardholders_seed()]
        lines = ["", "=" * 72, f"Issuer demo: {url}/"]
        lines += [f"  {name:<18} {url}{path}" for name, path in PAGES]
        lines.append(f"Staff logins (password {password}), at {url}/admin/:")
        lines += [f"  {username:<12} {role}" for username, role in DEMO_STAFF.items()]
        lines.append("  TOTP code: .venv/bin/python manage.py staff_totp_code USERNAME")
        lines.append(
            f"Cardholder logins (password {password}), at {url}/portal/: "
            + ", ".join(cardholders)
        )
        email_folder = getattr(settings, "EMAIL_FILE_PATH", None)
        if email_folder:
            lines.append(f"Emails: one file per message in {email_folder}")
        if options["logs"]:
            lines.append(f"Server and live traffic logs: {options['logs']}")
        lines.append("Stop with Ctrl-C.")
        lines.append(f"Partner API key ({partner.name}, every scope):")
        lines.append(f"  {key}")
        self.stdout.write("\n".join(lines))
