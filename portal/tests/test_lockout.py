"""Repeated wrong passwords on the portal's sign-in lock the username out
(django-axes), even for the right password afterwards."""

import pytest

from conftest import PORTAL_TEST_PASSWORD
from portal.tests.billing_world import billed_holder

pytestmark = pytest.mark.django_db


def test_repeated_failures_lock_the_login(client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    billed_holder("ann")

    for _ in range(3):
        client.post("/portal/login/", {"username": "ann", "password": "wrong-password"})
    response = client.post(
        "/portal/login/", {"username": "ann", "password": PORTAL_TEST_PASSWORD}
    )

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_fewer_failures_still_let_the_right_password_in(client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    billed_holder("ann")

    for _ in range(2):
        client.post("/portal/login/", {"username": "ann", "password": "wrong-password"})
    response = client.post(
        "/portal/login/", {"username": "ann", "password": PORTAL_TEST_PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"] == "/portal/"
