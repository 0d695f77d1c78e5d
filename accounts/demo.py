"""Demo data for accounts: staff logins per role with their second factor,
a credit review queue."""

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from accounts.models import CreditAccount, CreditLimitProposal, CreditScore
from accounts.roles import (
    ACCESS_ADMIN,
    CREDIT_OFFICER,
    FRAUD_ANALYST,
    FRAUD_SUPERVISOR,
    PROGRAM_ADMIN,
    SUPPORT_AGENT,
)
from accounts.services.credit_decisions import credit_limit_proposal_create
from accounts.services.second_factor import (
    staff_totp_sandbox_enroll,
    staff_totp_secret,
)
from accounts.services.staff import staff_user_ensure
from issuer.kernel.errors import DomainError

DEMO_STAFF = {
    "support": SUPPORT_AGENT,
    "analyst": FRAUD_ANALYST,
    "supervisor": FRAUD_SUPERVISOR,
    "credit": CREDIT_OFFICER,
    "admin": PROGRAM_ADMIN,
    "access": ACCESS_ADMIN,
}


@dataclass(frozen=True)
class DemoStaffLogin:
    username: str
    password: str
    role: str
    totp_secret: str  # base32, for an authenticator app


def demo_staff_seed() -> list[DemoStaffLogin]:
    """Ensure one staff user per role, each with a confirmed TOTP device.

    Demo logins come enrolled so the demo needs no phone: their codes come
    from `manage.py staff_totp_code USERNAME` (sandbox only) or from any
    authenticator app given the printed secret. Staff created later enrol
    on their first login, as in production.
    """
    password = settings.DEMO_PASSWORD
    rows = []
    for username, role in DEMO_STAFF.items():
        user, _ = staff_user_ensure(
            username=username,
            password=password,
            role=role,
            email=f"{username}@issuer.example",
        )
        device = staff_totp_sandbox_enroll(user=user)
        rows.append(
            DemoStaffLogin(
                username=username,
                password=password,
                role=role,
                totp_secret=staff_totp_secret(device=device),
            )
        )
    return rows


DEMO_PROPOSALS = (
    # (score, limit change in percent, reasons)
    (781, 50, ["On-time payments for 12 months", "Low use of your credit line"]),
    (612, -30, ["A payment was more than 30 days late", "Balances are high"]),
)


def demo_credit_queue_seed() -> int:
    """Put a few limit proposals in the credit review queue (once); return how many."""
    if CreditLimitProposal.objects.exists():
        return 0
    accounts = CreditAccount.objects.filter(
        status=CreditAccount.Status.ACTIVE, credit_limit__gt=0
    ).order_by("pk")[: len(DEMO_PROPOSALS)]
    created = 0
    for account, (score, percent, reasons) in zip(
        accounts, DEMO_PROPOSALS, strict=False
    ):
        scored = CreditScore.objects.create(
            account=account, score=score, reasons=reasons, trigger="demo seed"
        )
        try:
            with transaction.atomic():
                credit_limit_proposal_create(
                    account=account,
                    proposed_limit=account.credit_limit * (100 + percent) // 100,
                    reasons=reasons,
                    score=scored,
                )
        except DomainError:
            continue
        created += 1
    return created
