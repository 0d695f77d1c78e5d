"""Idle staff sessions end: activity extends a session, idleness logs out."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from accounts.models import User
from accounts.tests.staff_auth import staff_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, admin_user):  # type: ignore[no-untyped-def]
    staff_login(client, admin_user)
    return client


def _session(client) -> Session:  # type: ignore[no-untyped-def]
    return Session.objects.get(
        session_key=client.cookies[settings.SESSION_COOKIE_NAME].value
    )


def test_activity_pushes_the_expiry_a_full_idle_period_ahead(signed_in):
    """A session about to expire is renewed by any request."""
    Session.objects.filter(pk=_session(signed_in).pk).update(
        expire_date=timezone.now() + timedelta(seconds=5)
    )
    before_request = timezone.now()

    response = signed_in.get("/admin/")

    assert response.status_code == 200
    renewed = _session(signed_in).expire_date
    assert renewed >= before_request + timedelta(seconds=settings.SESSION_COOKIE_AGE)


def test_an_idle_session_is_logged_out_of_the_admin(signed_in):
    """Past SESSION_IDLE_SECONDS without a request, the admin asks for a
    login (password and code) again."""
    Session.objects.filter(pk=_session(signed_in).pk).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )

    response = signed_in.get("/admin/cards/card/")

    assert response.status_code == 302
    assert response["Location"] == "/admin/login/?next=/admin/cards/card/"
    assert signed_in.get("/admin/").status_code == 302


def test_a_session_without_its_second_factor_is_not_admitted(client, admin_user):
    """A session whose OTP device is gone (reset by an admin) is sent back
    to log in, even before it idles out."""
    device = staff_login(client, admin_user)
    assert client.get("/admin/").status_code == 200

    device.delete()

    assert client.get("/admin/").status_code == 302
    assert User.objects.filter(pk=admin_user.pk).exists()
