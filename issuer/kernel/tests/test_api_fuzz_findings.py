"""What fuzzing the partner API found, each pinned by an example: amounts
past 12 digits, a page size that is not one, a schema that documented
neither the errors nor the pages nor the Idempotency-Key header."""

import uuid

import pytest

from cards.models import Authorization
from cards.tests.conftest import authorization_body
from issuer.kernel.errors import InvalidInput
from issuer.kernel.money import MAX_AMOUNT, AmountError, major_to_minor, validate_amount

pytestmark = pytest.mark.django_db


def test_an_amount_past_twelve_digits_is_a_400_naming_it_not_a_500(
    partner_client, test_card
):
    """It overflowed the database's integer column: a 500."""
    response = partner_client.post(
        "/api/v1/authorizations",
        authorization_body(test_card, amount=MAX_AMOUNT + 1),
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["amount"]
    assert not Authorization.objects.exists()


def test_the_largest_amount_is_taken(partner_client, test_card):
    response = partner_client.post(
        "/api/v1/authorizations",
        authorization_body(test_card, amount=MAX_AMOUNT),
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["status"] == "declined"  # beyond the credit limit
    assert response.json()["response_code"] == "51"


def test_services_refuse_an_amount_past_the_largest():
    assert validate_amount(MAX_AMOUNT) == MAX_AMOUNT
    with pytest.raises(InvalidInput) as raised:
        validate_amount(MAX_AMOUNT + 1)
    assert raised.value.fields == {"amount": [f"Must be at most {MAX_AMOUNT}."]}


@pytest.mark.parametrize("typed", ["10000000000", "1e999999", "-1e20"])
def test_major_units_past_the_largest_amount_are_refused(typed):
    """Refused before scaling: "1e999999" never becomes a million-digit int."""
    with pytest.raises(AmountError):
        major_to_minor(typed, "USD")


def test_major_units_up_to_the_largest_amount_convert():
    assert major_to_minor("9999999999.99", "USD") == MAX_AMOUNT


@pytest.mark.parametrize("page_size", ["0", "201", "ten", "null", "1.5", "٣"])
def test_a_page_size_that_is_not_one_is_a_400_naming_it(partner_client, page_size):
    """It silently fell back to 50."""
    response = partner_client.get("/api/v1/cards", {"page_size": page_size})

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "page_size": ["A whole number from 1 to 200."]
    }


@pytest.mark.parametrize("page_size", ["1", "200"])
def test_a_page_size_in_range_pages(partner_client, page_size):
    response = partner_client.get("/api/v1/cards", {"page_size": page_size})

    assert response.status_code == 200
    assert response.json() == {"next": None, "previous": None, "results": []}


def test_a_not_found_message_echoes_a_uuid_but_nothing_else(partner_client):
    unknown = uuid.uuid4()
    typed = "4" + "1" * 15  # looks like a card number

    by_uuid = partner_client.get(f"/api/v1/cards/{unknown}")
    by_other = partner_client.get(f"/api/v1/cards/{typed}")

    assert by_uuid.json()["error"]["message"] == f"No card with id {unknown}."
    assert by_other.json()["error"]["message"] == "No card with this id."
    assert typed not in by_other.content.decode()


def test_a_merchant_name_may_be_blank(partner_client, test_card):
    body = authorization_body(test_card)
    body["merchant"]["name"] = ""

    response = partner_client.post("/api/v1/authorizations", body, format="json")

    assert response.status_code == 201


@pytest.fixture
def api_schema(client):
    return client.get("/api/schema/", {"format": "json"}).json()


def test_every_operation_documents_its_errors_in_the_error_shape(api_schema):
    for path, operations in api_schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert {"401", "403", "406"} <= set(responses), (method, path)
            if method == "post":
                assert {"400", "404", "409", "413", "415"} <= set(responses), path
            for status, response in responses.items():
                if status.startswith("4"):
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Error"}


# POSTs whose answer holds a webhook signing secret: a stored answer to
# replay would keep the secret in clear, so they take no Idempotency-Key.
ANSWERS_WITH_A_SECRET = {
    "/api/v1/webhook-endpoints",
    "/api/v1/webhook-endpoints/{endpoint_id}/rotate-secret",
    "/api/v1/authorization-decision-endpoint/rotate-secret",
}


def test_posts_document_the_idempotency_key_header(api_schema):
    for path, operations in api_schema["paths"].items():
        if "post" not in operations:
            continue
        if path in ANSWERS_WITH_A_SECRET:
            parameters = operations["post"].get("parameters", [])
            assert all(p["in"] != "header" for p in parameters), path
            continue
        headers = [
            parameter
            for parameter in operations["post"]["parameters"]
            if parameter["in"] == "header"
        ]
        assert [h["name"] for h in headers] == ["Idempotency-Key"], path
        assert headers[0]["schema"] == {
            "type": "string",
            "minLength": 1,
            "maxLength": 255,
        }


def test_lists_document_their_pages(api_schema):
    cards = api_schema["paths"]["/api/v1/cards"]["get"]
    names = {parameter["name"] for parameter in cards["parameters"]}
    page = cards["responses"]["200"]["content"]["application/json"]["schema"]

    assert names == {"account_id", "created_after", "cursor", "page_size", "status"}
    assert page == {"$ref": "#/components/schemas/PaginatedCardOutputList"}
