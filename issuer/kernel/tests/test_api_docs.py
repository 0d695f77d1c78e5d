"""The partner API's OpenAPI document: a tag per resource, and a summary and
a description for every operation (issuer/kernel/api/schema_docs.py)."""

import pytest
from django.test import Client

TAGS = [
    "Authorizations",
    "Captures and refunds",
    "Accounts",
    "Cardholders",
    "Cards",
    "Disputes",
    "Webhooks",
]
METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def schema(django_db_blocker) -> dict:
    with django_db_blocker.unblock():
        response = Client().get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


def _operations(schema: dict) -> list[tuple[str, str, dict]]:
    return [
        (method.upper(), path, operation)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if method in METHODS
    ]


def test_the_document_has_a_tag_per_resource_in_order(schema: dict) -> None:
    assert [tag["name"] for tag in schema["tags"]] == TAGS
    assert all(tag["description"] for tag in schema["tags"])


def test_every_operation_has_a_summary_a_description_and_one_resource_tag(
    schema: dict,
) -> None:
    missing = [
        f"{method} {path}"
        for method, path, operation in _operations(schema)
        if not operation.get("summary")
        or not operation.get("description")
        or len(operation.get("tags", [])) != 1
        or operation["tags"][0] not in TAGS
    ]

    assert len(_operations(schema)) >= 31
    assert missing == []


def test_summaries_are_unique_and_descriptions_speak_to_partners(schema: dict) -> None:
    summaries = [operation["summary"] for _, _, operation in _operations(schema)]
    descriptions = [operation["description"] for _, _, operation in _operations(schema)]

    assert len(summaries) == len(set(summaries))
    assert not [text for text in descriptions if "subclass" in text]


@pytest.mark.parametrize(
    ("method", "path", "tag", "summary"),
    [
        (
            "POST",
            "/api/v1/authorizations",
            "Authorizations",
            "Authorize a card transaction",
        ),
        (
            "POST",
            "/api/v1/authorizations/{authorization_id}/capture",
            "Captures and refunds",
            "Capture an authorization",
        ),
        ("POST", "/api/v1/refunds", "Captures and refunds", "Refund a transaction"),
        (
            "GET",
            "/api/v1/accounts/{account_id}",
            "Accounts",
            "Read an account's balances",
        ),
        ("POST", "/api/v1/cardholders", "Cardholders", "Create a cardholder"),
        ("POST", "/api/v1/cards/{card_id}/freeze", "Cards", "Freeze a card"),
        (
            "GET",
            "/api/v1/accounts/{account_id}/disputes",
            "Disputes",
            "List an account's disputes",
        ),
        (
            "POST",
            "/api/v1/webhook-endpoints",
            "Webhooks",
            "Register a webhook endpoint",
        ),
    ],
)
def test_operations_sit_under_their_resource(
    schema: dict, method: str, path: str, tag: str, summary: str
) -> None:
    operation = schema["paths"][path][method.lower()]

    assert operation["tags"] == [tag]
    assert operation["summary"] == summary
