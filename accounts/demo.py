"""Demo data for accounts: one staff login per role."""

from django.conf import settings

from accounts.roles import (
    CREDIT_OFFICER,
    FRAUD_ANALYST,
    FRAUD_SUPERVISOR,
    PROGRAM_ADMIN,
    SUPPORT_AGENT,
)
from accounts.services.staff import staff_user_ensure

DEMO_STAFF = {
    "support": SUPPORT_AGENT,
    "analyst": FRAUD_ANALYST,
    "supervisor": FRAUD_SUPERVISOR,
    "credit": CREDIT_OFFICER,
    "admin": PROGRAM_ADMIN,
}


def demo_staff_seed() -> list[tuple[str, str, str]]:
    """Ensure one staff user per role; return (username, password, role) rows."""
    password = settings.DEMO_PASSWORD
    rows = []
    for username, role in DEMO_STAFF.items():
        staff_user_ensure(
            username=username,
            password=password,
            role=role,
            email=f"{username}@issuer.example",
        )
        rows.append((username, password, role))
    return rows
