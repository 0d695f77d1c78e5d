"""Demo data for accounts: one staff login per role, with its second factor."""

from dataclasses import dataclass

from django.conf import settings

from accounts.roles import (
    CREDIT_OFFICER,
    FRAUD_ANALYST,
    FRAUD_SUPERVISOR,
    PROGRAM_ADMIN,
    SUPPORT_AGENT,
)
from accounts.services.second_factor import (
    staff_totp_sandbox_enroll,
    staff_totp_secret,
)
from accounts.services.staff import staff_user_ensure

DEMO_STAFF = {
    "support": SUPPORT_AGENT,
    "analyst": FRAUD_ANALYST,
    "supervisor": FRAUD_SUPERVISOR,
    "credit": CREDIT_OFFICER,
    "admin": PROGRAM_ADMIN,
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
