"""The portal's overview, and who may reach it."""

import pytest
from django.test import Client

from cards.services.authorizations import authorization_create
from cards.tests.conftest import authorization_request
from conftest import PORTAL_TEST_PASSWORD

pytestmark = pytest.mark.django_db


def test_signing_in_lands_on_the_overview(client, test_card, cardholder_user):
    user = cardholder_user(test_card)

    response = client.post(
        "/portal/login/",
        {"username": user.username, "password": PORTAL_TEST_PASSWORD},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == "/portal/"
    assert f"Hello, {user.cardholder.first_name}" in response.content.decode()


def test_the_overview_shows_balances_and_recent_transactions(
    test_card, cardholder_user, cardholder_client
):
    authorization_create(
        request=authorization_request(test_card, amount=4_250), partner=None
    )
    client = cardholder_client(cardholder_user(test_card))

    html = client.get("/portal/").content.decode()

    assert 'data-figure="available">957.50 USD' in html  # 1,000.00 limit less the hold
    assert "42.50 USD" in html
    assert test_card.issued.pan not in html


def test_strangers_and_staff_cannot_use_the_portal(admin_client):
    stranger = Client()

    assert stranger.get("/portal/")["Location"].startswith("/portal/login/")
    assert admin_client.get("/portal/").status_code == 403


def test_the_overview_asks_about_pending_fraud_alerts(
    active_model, test_card, cardholder_user, cardholder_client
):
    from fraud.services.live import authorization_score
    from fraud.tests.conftest import authorize

    authorization = authorize(test_card, 3_500)  # a medium score: "was this you?"
    authorization_score(authorization=authorization)
    client = cardholder_client(cardholder_user(test_card))

    html = " ".join(client.get("/portal/").content.decode().split())

    assert "We need your answer about 1 transaction (35.00 USD at Corner Shop)" in html
    assert 'href="/portal/alerts/"' in html
