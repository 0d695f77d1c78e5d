"""`manage.py seed_demo`: idempotent demo data; prints the logins it created.

It lives in the top app of the stack so it may call every app's seeding.
"""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.demo import demo_credit_queue_seed, demo_staff_seed
from accounts.models import User
from accounts.services.billing import billing_batch_run
from cards.demo import demo_cardholders_seed, demo_partner_seed, demo_product_seed
from cards.demo_disputes import demo_disputes_seed
from fraud.demo_rules import demo_rules_seed
from fraud.models import Rule


class Command(BaseCommand):
    help = "Create demo staff, partners, cardholders and cards (sandbox only)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.SANDBOX:
            raise CommandError("seed_demo runs only with SANDBOX=on.")
        self.stdout.write(
            "Staff logins (admin at /admin/; the code is the login's current TOTP"
            " code: `.venv/bin/python manage.py staff_totp_code USERNAME`, or add"
            " the secret to an authenticator app):"
        )
        for staff in demo_staff_seed():
            self.stdout.write(
                f"  {staff.role:<17} {staff.username} / {staff.password}"
                f"  TOTP secret {staff.totp_secret}"
            )
        product = demo_product_seed()
        self.stdout.write(f"Card product: {product.name} (BIN {product.bin.prefix})")
        partner, key = demo_partner_seed()
        if key:
            self.stdout.write(f"Partner {partner.name} API key (shown once): {key}")
        else:
            self.stdout.write(
                f"Partner {partner.name} exists (key shown when created)."
            )
        self.stdout.write("Cardholder logins (portal):")
        for login in demo_cardholders_seed():
            self.stdout.write(f"  {login.role:<17} {login.username} / {login.password}")
        billed = billing_batch_run(now=timezone.now())
        if billed.statements:
            self.stdout.write(f"Billing: {billed.statements} statement(s) closed.")
        proposals = demo_credit_queue_seed()
        if proposals:
            self.stdout.write(f"Credit review queue: {proposals} limit proposal(s).")
        disputes = demo_disputes_seed()
        if disputes:
            self.stdout.write(f"Disputes: {disputes} filed.")
        supervisor = User.objects.filter(username="supervisor").first()
        demo_rules_seed(created_by=supervisor)
        active = Rule.objects.filter(mode=Rule.Mode.ACTIVE).count()
        shadow = Rule.objects.filter(mode=Rule.Mode.SHADOW).count()
        self.stdout.write(f"Fraud rules: {active} active, {shadow} in shadow.")
