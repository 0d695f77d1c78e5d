"""The card-data scanner finds a card's number, 12 of its digits or its CVV
wherever they were planted (a column, a JSON payload, a Redis message body in
base64, a log file), ignores the encrypted column, and never prints the data
it found."""

import base64
import json
import uuid
from io import StringIO

import pytest
import redis
from django.conf import settings
from django.core.management import CommandError, call_command

from cards.card_data_scan import CardDataScanner, card_secrets_all
from cards.models import Authorization
from cards.tests.conftest import authorization_body
from issuer.kernel.models import OutboxEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def authorized(partner_client, test_card):
    """The test card with one authorization through the API."""
    response = partner_client.post(
        "/api/v1/authorizations", authorization_body(test_card), format="json"
    )
    assert response.status_code == 201
    return test_card


def _scanner() -> CardDataScanner:
    return CardDataScanner(card_secrets_all())


def test_the_scanner_knows_each_cards_number_and_cvv(authorized):
    [secrets] = card_secrets_all()

    assert (secrets.pan, secrets.cvv) == (authorized.issued.pan, authorized.cvv)
    assert secrets.card_id == str(authorized.issued.card.public_id)
    assert authorized.issued.pan not in repr(secrets)


def test_a_clean_database_has_no_finding(authorized):
    """The PAN's ciphertext is the one column allowed to hold it."""
    assert _scanner().scan_database() == []


def test_a_card_number_in_a_column_is_found(authorized):
    Authorization.objects.update(merchant_name=f"Shop {authorized.issued.pan}")

    [finding] = _scanner().scan_database()

    assert finding.where == "database cards_authorization.merchant_name (row 1)"
    assert (finding.kind, finding.card_id) == (
        "card number",
        str(authorized.issued.card.public_id),
    )
    assert authorized.issued.pan not in str(finding)
    assert str(finding).endswith(f"(…{authorized.issued.pan[-4:]})")


def test_a_spaced_number_in_a_json_payload_is_found(authorized):
    pan = authorized.issued.pan
    spaced = " ".join(pan[i : i + 4] for i in range(0, len(pan), 4))
    OutboxEvent.objects.filter(pk=OutboxEvent.objects.first().pk).update(
        payload={"note": spaced}
    )

    findings = _scanner().scan_database()

    assert [(f.where.split(" (")[0], f.kind) for f in findings] == [
        ("database kernel_outboxevent.payload", "card number")
    ]


def test_twelve_digits_of_a_number_are_found(authorized):
    Authorization.objects.update(merchant_id=authorized.issued.pan[2:14])

    [finding] = _scanner().scan_database()

    assert finding.kind == "card number digits"


def test_eleven_digits_are_not_a_finding(authorized):
    Authorization.objects.update(merchant_id=authorized.issued.pan[:11])

    assert _scanner().scan_database() == []


def test_a_cvv_is_found_beside_its_name_only(authorized, tmp_path):
    cvv = authorized.cvv
    named = tmp_path / "named.log"
    named.write_text(f'INFO request {{"amount": 100, "cvv": "{cvv}"}}\n')
    bare = tmp_path / "bare.log"
    bare.write_text(f"INFO {cvv} requests served\n")

    findings = _scanner().scan_files([tmp_path])

    assert [(f.where, f.kind) for f in findings] == [(f"file {named}", "CVV")]
    assert cvv not in str(findings[0])


def test_a_number_in_a_base64_message_body_in_redis_is_found(authorized):
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    key = f"card-data-scan-test-{uuid.uuid4().hex}"
    body = base64.b64encode(json.dumps([[authorized.issued.pan], {}]).encode())
    client.rpush(key, json.dumps({"body": body.decode(), "content-encoding": "utf-8"}))
    try:
        findings = [f for f in _scanner().scan_redis(client) if key in f.where]
    finally:
        client.delete(key)

    assert [(f.where, f.kind) for f in findings] == [
        (f"redis key {key!r} (base64)", "card number")
    ]


def test_the_command_says_ok_on_a_clean_database(authorized):
    out = StringIO()

    call_command("scan_card_data", stdout=out)

    assert out.getvalue() == ("OK: no card data in the database (1 card(s) known).\n")


def test_the_command_fails_listing_findings_without_the_data(authorized, tmp_path):
    Authorization.objects.update(merchant_name=authorized.issued.pan)
    out = StringIO()

    with pytest.raises(CommandError) as raised:
        call_command("scan_card_data", "--path", str(tmp_path), stdout=out)

    card_id = authorized.issued.card.public_id
    assert raised.value.returncode == 1
    assert str(raised.value) == (
        f"1 finding(s) for 1 card(s) in the database, {tmp_path}."
    )
    assert out.getvalue() == (
        "database cards_authorization.merchant_name (row 1): card number of card "
        f"{card_id} (…{authorized.issued.pan[-4:]})\n"
    )
