"""The staff console's app list reads as words, not Python labels."""

import pytest

from accounts.tests.staff_auth import staff_login


@pytest.mark.django_db
def test_every_app_in_the_console_has_a_human_name(client, admin_user) -> None:
    """Given a superuser, the console's index lists each app by a name
    written for staff: no raw label ("AXES", "KERNEL", "OTP_TOTP")."""
    staff_login(client, admin_user)

    response = client.get("/admin/")

    names = [app["name"] for app in response.context["app_list"]]
    assert sorted(names) == [
        "API Key Permissions",
        "Audit trail",
        "Authentication and Authorization",
        "Cards and transactions",
        "Dashboard settings",
        "Fraud",
        "Ledger",
        "People and credit accounts",
        "Scheduled tasks",
        "Staff second factors (TOTP)",
        "Staff sign-in attempts and lockouts",
        "Webhooks",
    ]
