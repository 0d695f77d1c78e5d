"""Idempotency keys are byte-exact on every database, and the stored request
fingerprint is a keyed MAC over the request without its card data: a copy
of the database gives nothing to brute-force, while the old unkeyed SHA-256
of the raw body gave the card number and CVV back in well under a second."""

import hashlib
import hmac
import itertools
import json

import pytest
from django.apps import apps
from django.db import connection
from rest_framework.renderers import JSONRenderer

from cards.card_data_scan import CardDataScanner, card_secrets_all
from cards.security import is_luhn_valid
from cards.tests.conftest import authorization_body
from issuer.kernel.fields import ExactCharField
from issuer.kernel.models import IdempotencyRecord
from issuer.kernel.request_mac import (
    RequestFingerprint,
    request_canonical,
    request_fingerprint,
    request_fingerprint_matches,
)

pytestmark = pytest.mark.django_db
API = "/api/v1"
DEV_KEY = b"issuer-development-idempotency-key!"


def _legacy_fingerprint(*, path: str, body: bytes) -> str:
    """The fingerprint as the old code stored it: SHA-256 of the raw body."""
    return hashlib.sha256(b"POST " + path.encode() + b"\n" + body).hexdigest()


def _brute_force(*, stored: str, pan: str, body: dict) -> tuple[str, str] | None:
    """An attacker with the database: knows the BIN, the last four and the
    expiry, tries the two hidden digits before the last four (Luhn-valid
    numbers only) and every CVV against an unkeyed SHA-256 of the body."""
    known_start, last_four = pan[:-6], pan[-4:]
    for middle in (f"{n:02d}" for n in range(100)):
        candidate = known_start + middle + last_four
        if not is_luhn_valid(candidate):
            continue
        for cvv in (f"{n:03d}" for n in range(1000)):
            guess = JSONRenderer().render({**body, "pan": candidate, "cvv": cvv})
            attempt = _legacy_fingerprint(path=f"{API}/authorizations", body=guess)
            if hmac.compare_digest(attempt, stored):
                return candidate, cvv
    return None


def _authorize(client, test_card, key: str):
    return client.post(
        f"{API}/authorizations",
        authorization_body(test_card),
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


def test_keys_differing_only_in_letter_case_are_two_payments(partner_client, test_card):
    """Given "Pay-1" used, when "pay-1" comes with the same body, then it is a
    second payment, credited, not a replay of the first."""
    account_id = test_card.issued.card.account.public_id
    url = f"{API}/accounts/{account_id}/payments"

    first = partner_client.post(
        url, {"amount": 2_000}, format="json", HTTP_IDEMPOTENCY_KEY="Pay-1"
    )
    second = partner_client.post(
        url, {"amount": 2_000}, format="json", HTTP_IDEMPOTENCY_KEY="pay-1"
    )
    replay = partner_client.post(
        url, {"amount": 2_000}, format="json", HTTP_IDEMPOTENCY_KEY="pay-1"
    )

    assert (first.status_code, second.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in second
    assert replay["Idempotent-Replayed"] == "true"
    assert first.json()["id"] != second.json()["id"]
    account = partner_client.get(f"{API}/accounts/{account_id}").json()
    assert account["posted_balance"] == -4_000
    assert sorted(IdempotencyRecord.objects.values_list("key", flat=True)) == [
        "Pay-1",
        "pay-1",
    ]


def test_every_idempotency_key_column_compares_bytes():
    """Every idempotency-key column is an ExactCharField and, on MariaDB,
    carries the binary collation."""
    columns = [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.local_fields
        if "idempotency_key" in field.name
        or (model is IdempotencyRecord and field.name == "key")
    ]
    assert len(columns) == 4
    for model, field in columns:
        assert isinstance(field, ExactCharField), f"{model.__name__}.{field.name}"
    if connection.vendor != "mysql":
        return
    with connection.cursor() as cursor:
        for model, field in columns:
            cursor.execute(
                "SELECT collation_name FROM information_schema.columns "
                "WHERE table_schema = DATABASE() AND table_name = %s "
                "AND column_name = %s",
                [model._meta.db_table, field.column],
            )
            assert cursor.fetchone() == ("utf8mb4_bin",), model._meta.db_table


def test_the_stored_fingerprint_is_a_keyed_mac_without_card_data(
    partner_client, test_card
):
    """Given an authorization with a key, then its record holds the HMAC of
    the canonical request without pan, expiry and cvv, and the key id."""
    assert _authorize(partner_client, test_card, "auth-1").status_code == 201

    record = IdempotencyRecord.objects.get(key="auth-1")
    body = authorization_body(test_card)
    without_card = {k: v for k, v in body.items() if k not in ("pan", "expiry", "cvv")}
    canonical = json.dumps(
        {"body": without_card, "method": "POST", "path": f"{API}/authorizations"},
        sort_keys=True,
        separators=(",", ":"),
    ).encode()
    assert record.request_fingerprint_key_id == "dev-1"
    assert record.request_fingerprint == (
        hmac.new(DEV_KEY, canonical, hashlib.sha256).hexdigest()
    )
    assert test_card.issued.pan.encode() not in canonical


def test_card_data_is_removed_at_any_depth():
    data = {"b": 1, "card": {"PAN": "x", "cvv": "y", "Expiry": "z", "keep": [{}]}}

    assert request_canonical(method="post", path="/p", data=data) == (
        b'{"body":{"b":1,"card":{"keep":[{}]}},"method":"POST","path":"/p"}'
    )


def test_a_rotated_out_key_never_matches(settings):
    """A fingerprint made under a key no longer in the ring is refused (the
    retry gets 409, never a second effect); an older key in the ring still
    verifies."""
    made = request_fingerprint(method="POST", path="/p", data={"a": 1})
    new_key = "bmV3LWRldmVsb3BtZW50LWlkZW1wb3RlbmN5LWtleS0y"

    settings.IDEMPOTENCY_FINGERPRINT_KEYS = (
        f"dev-2:{new_key},{settings.IDEMPOTENCY_FINGERPRINT_KEYS}"
    )
    kept = request_fingerprint_matches(
        stored=made, method="POST", path="/p", data={"a": 1}
    )
    settings.IDEMPOTENCY_FINGERPRINT_KEYS = f"dev-2:{new_key}"
    dropped = request_fingerprint_matches(
        stored=made, method="POST", path="/p", data={"a": 1}
    )

    assert (made.key_id, kept, dropped) == ("dev-1", True, False)
    assert not request_fingerprint_matches(
        stored=RequestFingerprint(key_id="dev-2", mac=""),
        method="POST",
        path="/p",
        data={"a": 1},
    )


def test_the_old_fingerprint_gave_the_card_away_and_the_new_one_does_not(
    partner_client, test_card
):
    """Given an authorization stored with its fingerprint, when an attacker
    holding the database tries the hidden PAN digits and every CVV, then the
    old unkeyed SHA-256 yields the card number and CVV, the keyed MAC none."""
    body = authorization_body(test_card)
    pan = test_card.issued.pan
    assert _authorize(partner_client, test_card, "auth-bf").status_code == 201
    stored = IdempotencyRecord.objects.get(key="auth-bf").request_fingerprint
    old = _legacy_fingerprint(
        path=f"{API}/authorizations", body=JSONRenderer().render(body)
    )

    assert _brute_force(stored=old, pan=pan, body=body) == (pan, test_card.cvv)
    assert _brute_force(stored=stored, pan=pan, body=body) is None
    # Even with the key, the MAC does not depend on the card data at all.
    others = {
        request_fingerprint(
            method="POST",
            path=f"{API}/authorizations",
            data={**body, "pan": pan[:-6] + middle + pan[-4:], "cvv": cvv},
        ).mac
        for middle, cvv in itertools.product(("00", "17"), ("000", "999"))
    }
    assert others == {stored}


def test_the_scanner_reports_an_old_style_fingerprint_and_not_a_keyed_one(
    partner_client, test_card
):
    """scan_card_data checks derived columns: an unkeyed hash of a request
    body carrying the card is reported; the keyed MAC is not."""
    pan, expiry, cvv = test_card.issued.pan, test_card.issued.card.expiry, test_card.cvv
    assert _authorize(partner_client, test_card, "auth-scan").status_code == 201
    scanner = CardDataScanner(card_secrets_all())
    assert scanner.scan_database() == []

    typical = json.dumps({"pan": pan, "expiry": expiry, "cvv": cvv}).encode()
    IdempotencyRecord.objects.filter(key="auth-scan").update(
        request_fingerprint=_legacy_fingerprint(
            path=f"{API}/authorizations", body=typical
        )
    )
    [finding] = scanner.scan_database()

    assert finding.where == (
        "database kernel_idempotencyrecord.request_fingerprint (row 1)"
    )
    assert (finding.kind, finding.card_id) == (
        "unkeyed hash of card data",
        str(test_card.issued.card.public_id),
    )
    assert pan not in str(finding)


@pytest.mark.parametrize("name", ["md5", "sha1", "sha256"])
def test_the_scanner_reports_unkeyed_hashes_of_the_number_and_cvv(test_card, name):
    pan, cvv = test_card.issued.pan, test_card.cvv
    scanner = CardDataScanner(card_secrets_all())
    digest = hashlib.new(name, (pan + cvv).encode())

    hex_findings = scanner.scan_text(f"x {digest.hexdigest()} y", where="t")
    upper_findings = scanner.scan_text(digest.hexdigest().upper(), where="t")

    assert [f.kind for f in hex_findings] == ["unkeyed hash of card data"]
    assert [f.kind for f in upper_findings] == ["unkeyed hash of card data"]
