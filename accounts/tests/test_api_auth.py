"""Partner API keys: 401 without a usable key, 403 without the scope."""

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from accounts.models import PartnerApiKey
from accounts.services.partners import partner_api_key_revoke

pytestmark = pytest.mark.urls("issuer.kernel.tests.urls")
BODY = {"name": "auth", "size": 1}


def _client(key: str | None) -> APIClient:
    client = APIClient()
    if key is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


@pytest.mark.django_db
def test_missing_key_is_401():
    response = _client(None).post("/groups", BODY, format="json")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"
    assert response["WWW-Authenticate"] == "Api-Key"


@pytest.mark.django_db
def test_invalid_key_is_401(make_partner):
    _, key = make_partner()
    prefix, _, secret = key.partition(".")
    other_last = "y" if secret.endswith("x") else "x"  # never the key itself

    for wrong in (
        f"{prefix}.{secret[:-1]}{other_last}",
        "nonsense",
        f"zzzzzzzz.{secret}",
    ):
        response = _client(wrong).post("/groups", BODY, format="json")
        assert response.status_code == 401, wrong


@pytest.mark.django_db
def test_revoked_key_is_401(make_partner):
    partner, key = make_partner()
    assert _client(key).post("/groups", BODY, format="json").status_code == 201

    partner_api_key_revoke(api_key=partner.keys.get())

    assert _client(key).post("/groups", BODY, format="json").status_code == 401


@pytest.mark.django_db
def test_key_without_the_scope_is_403(make_partner):
    _, key = make_partner(scopes=["payments"])

    response = _client(key).post("/groups", BODY, format="json")

    assert response.status_code == 403
    assert "'cards'" in response.json()["error"]["message"]


@pytest.mark.django_db
def test_keys_are_stored_hashed(make_partner):
    partner, key = make_partner()
    stored = PartnerApiKey.objects.get(partner=partner)
    secret = key.partition(".")[2]

    assert secret not in stored.hashed_key
    assert secret not in stored.id
    assert stored.hashed_key.startswith("sha512$$")


@pytest.mark.django_db
def test_create_partner_prints_a_working_key_on_the_last_line(capsys):
    call_command("create_partner", "Night Acquirer", "--scopes", "cards,payments")
    key = capsys.readouterr().out.strip().splitlines()[-1]

    response = _client(key).post("/groups", BODY, format="json")

    assert response.status_code == 201


@pytest.mark.django_db
def test_create_partner_rejects_an_unknown_scope_naming_it():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="teleport"):
        call_command("create_partner", "Bad Scopes", "--scopes", "cards,teleport")


@pytest.mark.django_db
def test_a_key_revoked_elsewhere_stops_working_once_the_cache_expires(
    make_partner, settings
):
    """Another process's revocation (a direct update here) reaches this process
    within API_KEY_CACHE_SECONDS; with the cache off, at once."""
    settings.API_KEY_CACHE_SECONDS = 60
    partner, key = make_partner()
    assert _client(key).post("/groups", BODY, format="json").status_code == 201
    PartnerApiKey.objects.filter(partner=partner).update(revoked=True)

    still_cached = _client(key).post("/groups", BODY, format="json")
    settings.API_KEY_CACHE_SECONDS = 0
    from accounts.api_auth import verified_keys

    verified_keys.forget(partner.keys.get().pk)
    after_expiry = _client(key).post("/groups", BODY, format="json")

    assert still_cached.status_code == 201
    assert after_expiry.status_code == 401
