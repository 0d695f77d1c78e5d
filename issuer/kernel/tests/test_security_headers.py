"""With the security settings of issuer/settings/production.py: HTTPS only
(HSTS, redirect), no sniffing, no framing, a same-origin referrer, a
Content-Security-Policy, secure HTTP-only cookies; CSRF enforced on every
portal and admin form post, while the partner API (API keys, no sessions)
is not bound to CSRF and refuses a session cookie alone."""

import base64
import importlib.util
import re
import secrets
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from rest_framework.test import APIClient

from accounts.tests.staff_auth import staff_login
from cards.models import Card
from conftest import PORTAL_TEST_PASSWORD

pytestmark = pytest.mark.django_db

PRODUCTION = Path(django_settings.BASE_DIR) / "issuer" / "settings" / "production.py"
HOST = "testserver"
SECURE = {"secure": True, "HTTP_REFERER": f"https://{HOST}/"}
HSTS = "max-age=31536000; includeSubDomains; preload"


def _production_security_settings(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The security settings production.py sets, read from the file itself."""
    keys = [base64.b64encode(secrets.token_bytes(32)).decode() for _ in range(3)]
    monkeypatch.setenv("CARD_DATA_KEYS", f"k1:{keys[0]}")
    monkeypatch.setenv("CARD_FINGERPRINT_KEY", keys[1])
    monkeypatch.setenv("CARD_CVV_KEY", keys[2])
    monkeypatch.setenv("SECRET_KEY", secrets.token_urlsafe(50))
    monkeypatch.setenv("IDEMPOTENCY_FINGERPRINT_KEYS", f"i1:{keys[1]}")
    monkeypatch.setenv("CACHE_URL", "redis://127.0.0.1:6379/14")
    monkeypatch.setenv("METRICS_TOKEN", secrets.token_urlsafe(32))
    for name in ("SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    spec = importlib.util.spec_from_file_location("production_probe", PRODUCTION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return {
        name: getattr(module, name)
        for name in dir(module)
        if name.startswith(("SECURE_", "SESSION_COOKIE_", "CSRF_COOKIE_"))
        or name in ("X_FRAME_OPTIONS", "DEBUG", "CONTENT_SECURITY_POLICY")
    }


@pytest.fixture(autouse=True)
def production(settings: Any, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    chosen = _production_security_settings(monkeypatch)
    for name, value in chosen.items():
        setattr(settings, name, value)
    return chosen


def _token(response: Any) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.text)
    assert match, "no CSRF token in the form"
    return match.group(1)


def test_production_turns_every_protection_on(production):
    assert production["DEBUG"] is False
    assert production["SECURE_SSL_REDIRECT"] is True
    assert production["SESSION_COOKIE_SECURE"] is True
    assert production["CSRF_COOKIE_SECURE"] is True
    assert production["SESSION_COOKIE_HTTPONLY"] is True
    assert production["CSRF_COOKIE_HTTPONLY"] is True


@pytest.mark.parametrize(
    "path",
    ["/portal/login/", "/admin/login/", "/api/docs/", "/api/v1/cards", "/healthz"],
)
def test_every_answer_carries_the_security_headers(path, partner_client):
    response = partner_client.get(path, **SECURE)

    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == HSTS
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = response["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy
    assert "default-src 'self'" in policy
    assert "object-src 'none'" in policy


def test_plain_http_is_sent_to_https(client):
    response = client.get("/portal/login/")

    assert response.status_code == 301
    assert response["Location"] == f"https://{HOST}/portal/login/"


def test_cookies_are_secure_http_only_and_same_site(issue_card, cardholder_user):
    cardholder_user(issue_card(), username="ann")
    browser = Client(enforce_csrf_checks=True)
    form = browser.get("/portal/login/", **SECURE)

    signed_in = browser.post(
        "/portal/login/",
        {
            "username": "ann",
            "password": PORTAL_TEST_PASSWORD,
            "csrfmiddlewaretoken": _token(form),
        },
        **SECURE,
    )

    assert signed_in.status_code == 302
    for cookie in (form.cookies["csrftoken"], signed_in.cookies["sessionid"]):
        assert cookie["secure"] is True
        assert cookie["httponly"] is True
        assert cookie["samesite"] == "Lax"


def test_the_portal_sign_in_refuses_a_post_without_its_csrf_token(
    issue_card, cardholder_user
):
    cardholder_user(issue_card(), username="ann")
    browser = Client(enforce_csrf_checks=True)
    browser.get("/portal/login/", **SECURE)

    response = browser.post(
        "/portal/login/",
        {"username": "ann", "password": PORTAL_TEST_PASSWORD},
        **SECURE,
    )

    assert response.status_code == 403
    assert "_auth_user_id" not in browser.session


@pytest.fixture
def signed_in_holder(test_card, cardholder_user):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(cardholder_user(test_card))
    return browser, test_card.issued.card


def test_a_portal_action_without_the_csrf_token_changes_nothing(signed_in_holder):
    browser, card = signed_in_holder

    response = browser.post(f"/portal/cards/{card.public_id}/freeze/", {}, **SECURE)

    assert response.status_code == 403
    assert Card.objects.get(pk=card.pk).status == Card.Status.ACTIVE


@pytest.mark.parametrize(
    ("origin", "status", "card_status"),
    [
        (f"https://{HOST}", 302, Card.Status.FROZEN),
        ("https://attacker.example", 403, Card.Status.ACTIVE),
    ],
)
def test_a_portal_action_with_its_csrf_token_goes_through_from_this_site_only(
    signed_in_holder, origin, status, card_status
):
    browser, card = signed_in_holder
    token = _token(browser.get(f"/portal/cards/{card.public_id}/", **SECURE))

    response = browser.post(
        f"/portal/cards/{card.public_id}/freeze/",
        {"csrfmiddlewaretoken": token},
        secure=True,
        HTTP_ORIGIN=origin,
    )

    assert response.status_code == status
    assert Card.objects.get(pk=card.pk).status == card_status


def test_an_admin_post_without_the_csrf_token_is_refused(admin_user, test_card):
    browser = Client(enforce_csrf_checks=True)
    staff_login(browser, admin_user)
    card = test_card.issued.card
    page = browser.get(f"/admin/cards/card/{card.pk}/change/", **SECURE)
    assert page.status_code == 200

    refused = browser.post("/admin/logout/", {}, **SECURE)
    logged_out = browser.post(
        "/admin/logout/", {"csrfmiddlewaretoken": _token(page)}, **SECURE
    )

    assert refused.status_code == 403
    assert logged_out.status_code == 200
    assert "_auth_user_id" not in browser.session


def test_the_api_takes_a_key_without_csrf_and_refuses_a_session(
    make_partner, test_card, cardholder_user
):
    _, key = make_partner()
    account = test_card.issued.card.account
    with_key = APIClient(enforce_csrf_checks=True)
    with_key.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    with_session = APIClient(enforce_csrf_checks=True)
    with_session.force_login(cardholder_user(test_card))

    paid = with_key.post(
        f"/api/v1/accounts/{account.public_id}/payments",
        {"amount": 500},
        format="json",
        **SECURE,
    )
    refused = with_session.post(
        f"/api/v1/accounts/{account.public_id}/payments",
        {"amount": 500},
        format="json",
        **SECURE,
    )

    assert paid.status_code == 201
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unauthenticated"
    assert account.payments.count() == 1
