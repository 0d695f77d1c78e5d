"""Malformed input is a 4xx in the error shape, never a 500 or an HTML page:
crafted cursors on every cursor-paged list, query parameters in other
scripts' digits, deep JSON, oversized bodies, bytes that are not UTF-8,
other charsets and content types."""

import json
from base64 import b64encode
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import override_settings
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from cards.models import Authorization
from cards.tests.conftest import authorization_body
from issuer.kernel.models import IdempotencyRecord
from issuer.kernel.tests.api_world import Program, database_state, program_create

pytestmark = pytest.mark.django_db


def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = SchemaGenerator().get_schema(request=None, public=True)
    return schema


def _paged_lists() -> Iterator[str]:
    """Each GET operation that takes a `cursor`: every cursor-paged list."""
    for path, operations in _schema()["paths"].items():
        get = operations.get("get")
        if get and any(p["name"] == "cursor" for p in get.get("parameters", [])):
            yield path


PAGED_LISTS = sorted(_paged_lists())


def _cursor(query: str) -> str:
    return b64encode(query.encode()).decode()


CRAFTED_CURSORS = {
    "not base64": "%%%",
    "base64 of nothing useful": _cursor("x=1"),
    "a position that is not a time": _cursor("p=garbage"),
    "a time without its offset": _cursor("p=2026-01-01 00:00:00"),
    "a position in other digits": _cursor("p=\u0662\u0660\u0662\u0666-01-01"),
    "an offset in other digits": _cursor("o=\u0665"),
    "a huge offset": _cursor("o=99999999999999999999"),
    "a direction that is not 0 or 1": _cursor("r=2"),
    "a key twice": _cursor("o=1&o=2"),
    "non-ASCII bytes": b64encode("p=\u00e9".encode()).decode(),
    "too long": _cursor("p=" + "1" * 1_000),
}


def _path(template: str, program: Program) -> str:
    return template.format(**program.ids)


@pytest.fixture
def program(db: None) -> Program:
    return program_create("malformed")


@pytest.fixture
def client(program: Program) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=program.headers["Authorization"])
    return client


def _assert_error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert list(body) == ["error"]
    assert sorted(body["error"]) == ["code", "fields", "message"]
    assert body["error"]["code"] == code, body
    error: dict[str, Any] = body["error"]
    return error


def test_the_walk_finds_the_cursor_paged_lists():
    assert "/api/v1/cards" in PAGED_LISTS
    assert "/api/v1/accounts/{account_id}/disputes" in PAGED_LISTS
    assert len(PAGED_LISTS) >= 5


@pytest.mark.parametrize("path", PAGED_LISTS)
@pytest.mark.parametrize("crafted", sorted(CRAFTED_CURSORS))
def test_a_crafted_cursor_is_a_400_naming_it(client, program, path, crafted):
    """Given any cursor-paged list, when the cursor is not one it handed out,
    then it is a 400 naming `cursor`, not a 500 and not a silent first page."""
    client.raise_request_exception = False

    response = client.get(_path(path, program), {"cursor": CRAFTED_CURSORS[crafted]})

    error = _assert_error(response, 400, "invalid")
    assert list(error["fields"]) == ["cursor"]


@pytest.mark.parametrize("path", PAGED_LISTS)
def test_a_cursor_the_list_handed_out_pages_on(client, program, path):
    first = client.get(_path(path, program), {"page_size": 1})
    assert first.status_code == 200, first.content
    next_link = first.json()["next"]
    if next_link is None:
        # One object only: the previous link of an empty next page works too.
        cursor = _cursor(urlencode({"p": "2000-01-01 00:00:00+00:00"}))
    else:
        cursor = next_link.split("cursor=")[1].split("&")[0]

    response = client.get(_path(path, program), {"cursor": cursor})

    assert response.status_code == 200, response.content


def _query_parameters() -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Each query parameter of a GET that expects a number, an id or a time."""
    for path, operations in _schema()["paths"].items():
        for parameter in operations.get("get", {}).get("parameters", []):
            if parameter["in"] != "query":
                continue
            schema = parameter.get("schema", {})
            if schema.get("type") == "integer" or schema.get("format") in (
                "uuid",
                "date-time",
                "date",
            ):
                yield path, parameter["name"], schema


QUERY_PARAMETERS = sorted(_query_parameters(), key=lambda item: item[:2])
ARABIC_INDIC_ZERO = 0x0660


def _in_arabic_indic(text: str) -> str:
    return "".join(
        chr(ARABIC_INDIC_ZERO + ord(c) - 48) if "0" <= c <= "9" else c for c in text
    )


def test_the_walk_finds_the_typed_query_parameters():
    names = {(path, name) for path, name, _ in QUERY_PARAMETERS}
    assert ("/api/v1/cards", "page_size") in names
    assert ("/api/v1/cards", "account_id") in names
    assert ("/api/v1/cards", "created_after") in names


@pytest.mark.parametrize(
    ("path", "name", "schema"),
    QUERY_PARAMETERS,
    ids=[f"{path} {name}" for path, name, _ in QUERY_PARAMETERS],
)
def test_a_query_parameter_in_other_digits_is_a_400_naming_it(
    client, program, path, name, schema
):
    ascii_value = {
        "integer": "2",
        "uuid": program.ids["account_id"],
        "date-time": "2026-01-01T00:00:00Z",
        "date": "2026-01-01",
    }[schema.get("format") or schema["type"]]
    url = _path(path, program)

    taken = client.get(url, {name: ascii_value})
    refused = client.get(url, {name: _in_arabic_indic(ascii_value)})

    assert taken.status_code == 200, taken.content
    error = _assert_error(refused, 400, "invalid")
    assert list(error["fields"]) == [name]


def _nested(depth: int) -> Any:
    value: Any = 1
    for level in range(depth):
        value = [value] if level % 2 else {"a": value}
    return value


def _post(client: APIClient, path: str, data: bytes, content_type: str) -> Any:
    client.raise_request_exception = False
    return client.generic("POST", path, data, content_type=content_type)


@override_settings(API_MAX_JSON_DEPTH=8)
def test_json_nested_past_the_limit_is_a_400_naming_the_body(client, test_card):
    """Given a limit of 8, a body 8 deep is read and 9 deep is refused."""
    # The body itself is one level; `extra` adds as many as it nests.
    at_limit = authorization_body(test_card, extra=_nested(7))
    past_limit = authorization_body(test_card, extra=_nested(8))

    taken = client.post("/api/v1/authorizations", at_limit, format="json")
    refused = client.post("/api/v1/authorizations", past_limit, format="json")

    assert taken.status_code == 201, taken.content
    error = _assert_error(refused, 400, "malformed_request")
    assert list(error["fields"]) == ["body"]
    assert "8" in error["message"]
    assert Authorization.objects.filter(card=test_card.issued.card).count() == 1


def test_json_nested_past_the_interpreter_is_a_400_not_a_500(client):
    before = database_state()
    deep = b"[" * 100_000 + b"]" * 100_000

    with override_settings(API_MAX_BODY_BYTES=len(deep)):
        response = _post(client, "/api/v1/authorizations", deep, "application/json")

    error = _assert_error(response, 400, "malformed_request")
    assert list(error["fields"]) == ["body"]
    assert database_state() == before


@pytest.mark.parametrize("idempotency_key", [None, "big-1"])
def test_a_body_past_the_limit_is_a_413_in_the_error_shape(
    client, test_card, idempotency_key
):
    """Refused before anything reads it: nothing is written, not even an
    Idempotency-Key record."""
    before = database_state()
    body = json.dumps(authorization_body(test_card, padding="x" * 2_000)).encode()
    headers = {"HTTP_IDEMPOTENCY_KEY": idempotency_key} if idempotency_key else {}
    client.raise_request_exception = False

    with override_settings(API_MAX_BODY_BYTES=1_000):
        response = client.generic(
            "POST",
            "/api/v1/authorizations",
            body,
            content_type="application/json",
            **headers,
        )

    error = _assert_error(response, 413, "payload_too_large")
    assert list(error["fields"]) == ["body"]
    assert "1000" in error["message"]
    assert database_state() == before
    assert IdempotencyRecord.objects.count() == 0


def test_a_body_without_a_length_is_bounded_by_the_parser(client, test_card):
    """A body whose length the server does not know is read only up to the
    limit by the parser, then refused the same way."""
    from io import BytesIO

    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from issuer.kernel.api.parsers import BoundedJSONParser, PayloadTooLarge

    body = json.dumps({"padding": "x" * 2_000}).encode()
    request = Request(
        APIRequestFactory().post("/", body, content_type="application/json"),
        parsers=[BoundedJSONParser()],
    )

    with override_settings(API_MAX_BODY_BYTES=1_000), pytest.raises(PayloadTooLarge):
        BoundedJSONParser().parse(
            BytesIO(body), "application/json", {"request": request}
        )


def test_djangos_own_body_limit_answers_in_the_error_shape_too(client, program):
    """DATA_UPLOAD_MAX_MEMORY_SIZE is Django's: when it is the lower limit,
    its refusal is the error shape too, not the HTML 400 page."""
    before = database_state()
    body = json.dumps({"amount": 1, "padding": "x" * 2_000}).encode()
    client.raise_request_exception = False

    with override_settings(API_MAX_BODY_BYTES=10_000, DATA_UPLOAD_MAX_MEMORY_SIZE=100):
        response = client.generic(
            "POST",
            f"/api/v1/accounts/{program.ids['account_id']}/payments",
            body,
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY="django-limit",
        )

    _assert_error(response, 413, "payload_too_large")
    assert database_state() == before


def test_djangos_400_page_is_the_error_shape_under_the_api_only():
    from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
    from django.test import RequestFactory

    from issuer.kernel.api.server_errors import bad_request

    factory = RequestFactory()

    too_big = bad_request(factory.post("/api/v1/refunds"), RequestDataTooBig())
    suspicious = bad_request(factory.get("/api/v1/cards"), SuspiciousOperation())
    portal = bad_request(factory.get("/portal/"), SuspiciousOperation())

    assert too_big.status_code == 413
    assert json.loads(too_big.content)["error"]["code"] == "payload_too_large"
    assert suspicious.status_code == 400
    assert json.loads(suspicious.content)["error"]["code"] == "malformed_request"
    assert portal.status_code == 400
    assert portal["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    ("data", "content_type", "status", "code"),
    [
        (b'{"amount": "\xff\xfe"}', "application/json", 400, "malformed_request"),
        (b"\xc3\x28", "application/json", 400, "malformed_request"),
        (
            b'{"amount": 1}',
            "application/json; charset=latin-1",
            415,
            "unsupported_media_type",
        ),
        (
            b'{"amount": 1}',
            "application/json; charset=bz2_codec",
            415,
            "unsupported_media_type",
        ),
        (
            b'{"amount": 1}',
            "application/json; charset=no-such",
            415,
            "unsupported_media_type",
        ),
        (
            '{"amount": 1}'.encode("utf-16"),
            "application/json; charset=utf-16",
            415,
            "unsupported_media_type",
        ),
        (
            b"amount=1",
            "application/x-www-form-urlencoded",
            415,
            "unsupported_media_type",
        ),
        (b"amount=1", "text/plain", 415, "unsupported_media_type"),
        (b'{"amount": NaN}', "application/json", 400, "malformed_request"),
        (b'{"amount": Infinity}', "application/json", 400, "malformed_request"),
        (b'{"amount": 1, "amount": 2}', "application/json", 400, "malformed_request"),
        (b'{"amount": 1} trailing', "application/json", 400, "malformed_request"),
        (b"", "application/json", 400, "invalid"),
    ],
    ids=[
        "invalid UTF-8 in a string",
        "invalid UTF-8 sequence",
        "latin-1",
        "a compression codec",
        "an unknown charset",
        "UTF-16",
        "a form",
        "plain text",
        "NaN",
        "Infinity",
        "a key twice",
        "trailing bytes",
        "an empty body",
    ],
)
def test_a_body_that_is_not_canonical_json_is_a_4xx_in_the_shape(
    client, program, data, content_type, status, code
):
    before = database_state()

    response = _post(
        client,
        f"/api/v1/accounts/{program.ids['account_id']}/payments",
        data,
        content_type,
    )

    error = _assert_error(response, status, code)
    if code == "malformed_request":
        assert list(error["fields"]) == ["body"]
    assert database_state() == before
