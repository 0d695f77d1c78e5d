"""Password reset by email: the emailed link sets a new password that signs
in; only cardholders' portal logins get a link."""

import re

import pytest
from django.core import mail

from accounts.models import User
from accounts.roles import SUPPORT_AGENT
from conftest import PORTAL_TEST_PASSWORD

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "quiet-meadow-compass-77"
LINK = re.compile(r"http://testserver(/portal/password-reset/[^/\s]+/[^/\s]+/)")


def _request_link(client, email: str):
    return client.post("/portal/password-reset/", {"email": email}, follow=True)


def test_the_emailed_link_sets_a_password_that_signs_in(
    client, test_card, cardholder_user
):
    user = cardholder_user(test_card)

    sent = _request_link(client, user.email)

    assert sent.redirect_chain == [("/portal/password-reset/sent/", 302)]
    assert "Check your email" in sent.content.decode()
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [user.email]
    assert email.subject == "Reset your card portal password"
    assert f"({user.username})" in email.body
    link = LINK.search(email.body)
    assert link is not None
    form = client.get(link.group(1), follow=True)
    assert "Choose a new password" in form.content.decode()
    assert 'name="new_password1"' in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert done.redirect_chain == [("/portal/password-reset/done/", 302)]
    assert "Your password is changed" in done.content.decode()
    signed_in = client.post(
        "/portal/login/", {"username": user.username, "password": NEW_PASSWORD}
    )
    assert signed_in.status_code == 302
    assert signed_in["Location"] == "/portal/"
    assert client.session["_auth_user_id"] == str(user.pk)
    user.refresh_from_db()
    assert not user.check_password(PORTAL_TEST_PASSWORD)


def test_a_link_works_once(client, test_card, cardholder_user):
    user = cardholder_user(test_card)
    _request_link(client, user.email)
    path = LINK.search(mail.outbox[0].body).group(1)
    form = client.get(path, follow=True)
    client.post(
        form.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    again = client.get(path, follow=True)

    assert "This link does not work any more" in again.content.decode()
    assert 'name="new_password1"' not in again.content.decode()


def test_a_weak_new_password_is_refused(client, test_card, cardholder_user):
    user = cardholder_user(test_card)
    _request_link(client, user.email)
    form = client.get(LINK.search(mail.outbox[0].body).group(1), follow=True)

    response = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "short", "new_password2": "short"},
    )

    assert response.status_code == 200
    assert "This password is too short." in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PORTAL_TEST_PASSWORD)


def test_staff_and_unknown_addresses_get_no_email_and_the_same_page(client, make_staff):
    staff = make_staff("agent-fay", SUPPORT_AGENT)
    staff.email = "fay@issuer.example"
    staff.set_password(NEW_PASSWORD)
    staff.save()
    User.objects.create_user(
        username="plain", email="plain@example.com", password=NEW_PASSWORD
    )

    pages = [
        _request_link(client, email)
        for email in ("fay@issuer.example", "plain@example.com", "nobody@example.com")
    ]

    assert [page.redirect_chain for page in pages] == [
        [("/portal/password-reset/sent/", 302)]
    ] * 3
    assert mail.outbox == []
