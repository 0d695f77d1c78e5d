"""The partner API fuzzed from its own OpenAPI schema: schemathesis drives
Hypothesis, in process, through Django's WSGI handler and the test database.

Every operation gets requests that fit the schema and requests that break it.

- A partner whose key holds every scope, with path ids that are generated,
  its own program's or another program's: never a 5xx; statuses, content
  types, headers and bodies as the schema documents; input breaking the
  schema refused with a 4xx; every error in the error shape, a 400 naming
  its fields; an error writes nothing (a replayable Idempotency-Key record
  aside); another program's object is never reached; no card number in any
  response.
- No key, an unknown key, or a key lacking the operation's scope: 401 or 403
  in the error shape, and not one row of the database changes.
- Canonical inputs: a schema-valid body with one code or number rewritten in
  another script's digits is a 400 naming that field.
- Malformed input: bodies nested too deep, not UTF-8, NaN, a key twice or
  over the size limit, and any cursor on every cursor-paged list, are a 4xx
  in the error shape naming `body` or `cursor`; nothing is written.

API_FUZZ_EXAMPLES sets Hypothesis' examples per operation and test, besides
the cases schemathesis derives from the schema itself. CI keeps the default;
`API_FUZZ_EXAMPLES=500 pytest issuer/kernel/tests/test_api_fuzz.py` digs
deeper.
"""

import os
import re
from base64 import b64encode
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from django.urls import Resolver404, resolve
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import Scope
from accounts.services.partners import partner_create
from issuer.kernel.models import IdempotencyRecord
from issuer.kernel.tests.api_world import (
    Program,
    api_headers,
    database_state,
    program_create,
)

EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "10"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
# Who asks decides the answer before the request is read: fewer examples do.
KEYLESS = settings(FUZZ, max_examples=max(3, EXAMPLES // 3))
CONFORMANCE = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# A schema-valid request may still be refused (an unknown product, a closed
# card): that is no failure. A schema-breaking one must be.
CHECKS = [*CONFORMANCE, negative_data_rejection]
# A refused request with an Idempotency-Key stores its answer for replays.
REPLAYS = (IdempotencyRecord._meta.label,)

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", WSGIHandler())
# Each test sends its own key; generated Authorization values would replace it.
schema.config.generation.update(with_security_parameters=False)


@pytest.fixture(autouse=True)
def _one_connection_for_all_requests() -> Iterator[None]:
    """Keep the test's connection (and its transaction) across requests, as
    Django's test client does: the handler closes it after each one."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def programs(db: None) -> tuple[Program, Program]:
    return program_create("fuzz-own"), program_create("fuzz-other")


@pytest.fixture
def keys_lacking(db: None) -> dict[str, str]:
    """For each scope, the key of a partner holding every scope but that one."""
    return {
        scope: partner_create(
            name=f"fuzz-without-{scope}",
            scopes=[other for other in Scope.values if other != scope],
        )[1]
        for scope in Scope.values
    }


def _aim(case: Any, data: st.DataObject, own: Program, other: Program) -> bool:
    """Point each path id at a generated value, one of the own program's
    objects or one of the other program's; True when any is the other's."""
    reaches_other = False
    for name in list(case.path_parameters or {}):
        whose = data.draw(st.sampled_from(["generated", "own", "other"]), label=name)
        if whose == "own":
            case.path_parameters[name] = own.ids[name]
        elif whose == "other":
            case.path_parameters[name] = other.ids[name]
            reaches_other = True
    return reaches_other


def _assert_error_shape(response: Any) -> None:
    """Every 4xx is `{"error": {code, message, fields}}`; a 400 for invalid
    input names its fields."""
    if response.status_code < 400:
        return
    body = response.json()
    assert list(body) == ["error"], body
    error = body["error"]
    assert sorted(error) == ["code", "fields", "message"], body
    assert error["code"] and error["message"], body
    if error["code"] == "invalid":
        assert response.status_code == 400, body
        assert error["fields"], body


def _assert_no_card_number(response: Any, programs: tuple[Program, ...]) -> None:
    for program in programs:
        assert program.card.issued.pan not in response.text


def _required_scope(case: Any) -> str | None:
    try:
        match = resolve(case.formatted_path)
    except Resolver404:
        return None
    return getattr(match.func.view_class, "required_scope", None)


@schema.parametrize()
@schema.given(data=st.data())
@FUZZ
def test_a_partner_with_every_scope(
    case: Any, data: st.DataObject, programs: tuple[Program, Program]
) -> None:
    own, other = programs
    reaches_other = _aim(case, data, own, other)
    before = database_state(ignore=REPLAYS)

    response = case.call(headers=own.headers)

    case.validate_response(response, checks=CHECKS)
    _assert_error_shape(response)
    _assert_no_card_number(response, programs)
    if response.status_code >= 400:
        assert database_state(ignore=REPLAYS) == before
    if reaches_other:
        # Refused for the body, as not found, or for an Idempotency-Key used
        # before with another request: never served.
        assert response.status_code in (400, 404, 409), response.text
        if response.status_code == 409:
            assert response.json()["error"]["code"] == "idempotency_key_reused"


@schema.parametrize()
@schema.given(data=st.data())
@KEYLESS
def test_without_the_right_key_nothing_changes(
    case: Any,
    data: st.DataObject,
    programs: tuple[Program, Program],
    keys_lacking: dict[str, str],
) -> None:
    own, _ = programs
    _aim(case, data, own, own)
    scope = _required_scope(case)
    kinds = ["none", "unknown"] + (["lacking the scope"] if scope else [])
    kind = data.draw(st.sampled_from(kinds), label="key")
    headers = {
        "none": {},
        "unknown": api_headers(own.key[:-1] + ("x" if own.key[-1] != "x" else "y")),
        "lacking the scope": api_headers(keys_lacking[scope]) if scope else {},
    }[kind]
    before = database_state()

    response = case.call(headers=headers)

    case.validate_response(response, checks=CONFORMANCE)
    _assert_error_shape(response)
    if kind == "lacking the scope":
        assert response.status_code == 403, response.text
        assert response.json()["error"]["code"] == "forbidden"
    else:
        assert response.status_code == 401, response.text
        assert response.json()["error"]["code"] == "unauthenticated"
        assert response.headers["www-authenticate"] == ["Api-Key"]
    assert database_state() == before


# -- Canonical inputs and malformed bodies (docs/security.md, Input rules) ----------

# Body fields that hold a code, an amount or another number, by name.
CANONICAL_FIELDS = {
    "amount",
    "billing_cycle_day",
    "country",
    "credit_limit",
    "currency",
    "cvv",
    "date_of_birth",
    "expiry",
    "mcc",
    "overlap_seconds",
    "pan",
}
# The zero of scripts whose digits Python's int(), Decimal() and \d take.
DIGIT_ZEROS = [0x0660, 0x06F0, 0x0966, 0x09E6, 0x0E50, 0xFF10, 0x1D7CE]


def _other_digits(value: Any, zero: int) -> Any:
    """`value` with its ASCII digits in another script (an int as a string)."""
    text = str(value) if isinstance(value, int) else value
    return "".join(
        chr(zero + ord(char) - 48) if "0" <= char <= "9" else char for char in text
    )


def _canonical_leaves(body: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """The paths to each code or number in a generated body."""
    if not isinstance(body, dict):
        return []
    found = []
    for key, value in body.items():
        if isinstance(value, dict):
            found += _canonical_leaves(value, (*path, key))
        elif key in CANONICAL_FIELDS and (
            (isinstance(value, int) and not isinstance(value, bool))
            or (isinstance(value, str) and any(c in "0123456789" for c in value))
        ):
            found.append((*path, key))
    return found


def _request_properties(schema_part: Any, raw: dict[str, Any]) -> set[str]:
    """Every property name in a request body schema, nested ones too."""
    if isinstance(schema_part, dict):
        if "$ref" in schema_part:
            name = schema_part["$ref"].rsplit("/", 1)[-1]
            return _request_properties(raw["components"]["schemas"][name], raw)
        names = set(schema_part.get("properties", {}))
        for value in schema_part.values():
            names |= _request_properties(value, raw)
        return names
    if isinstance(schema_part, list):
        return set().union(*(_request_properties(item, raw) for item in schema_part))
    return set()


def _posts_with_canonical_fields() -> str:
    """A regex of the POST paths whose body has a code or number field."""
    raw = schema.raw_schema
    paths = [
        path
        for path, operations in raw["paths"].items()
        if "post" in operations
        and _request_properties(operations["post"].get("requestBody", {}), raw)
        & CANONICAL_FIELDS
    ]
    return "^(?:" + "|".join(re.escape(path) for path in sorted(paths)) + ")$"


@schema.include(method="POST", path_regex=_posts_with_canonical_fields()).parametrize()
@schema.given(data=st.data())
@FUZZ
def test_a_code_or_amount_in_other_digits_is_a_400_naming_it(
    case: Any, data: st.DataObject, programs: tuple[Program, Program]
) -> None:
    """Any body the schema allows, with one code or number rewritten in
    another script's digits (an int becomes such a string): a 400 naming
    that field, and nothing written."""
    own, _ = programs
    for name in list(case.path_parameters or {}):
        case.path_parameters[name] = own.ids[name]
    # A generated Idempotency-Key (empty, reused) would be refused first.
    (case.headers or {}).pop("Idempotency-Key", None)
    leaves = _canonical_leaves(case.body)
    assume(leaves)
    leaf = data.draw(st.sampled_from(leaves), label="field")
    zero = data.draw(st.sampled_from(DIGIT_ZEROS), label="script")
    container = case.body
    for key in leaf[:-1]:
        container = container[key]
    container[leaf[-1]] = _other_digits(container[leaf[-1]], zero)
    before = database_state(ignore=REPLAYS)

    response = case.call(headers=own.headers)

    _assert_error_shape(response)
    assert response.status_code == 400, response.text
    fields = response.json()["error"]["fields"]
    for key in leaf:
        assert key in fields, (leaf, fields)
        fields = fields[key]
    assert database_state(ignore=REPLAYS) == before


def _post_paths(*, with_body: bool = False) -> list[str]:
    """POST paths; with_body: only those that read a body (others ignore it)."""
    paths = []
    for path, operations in schema.raw_schema["paths"].items():
        if "post" in operations and (
            not with_body or "requestBody" in operations["post"]
        ):
            paths.append(path)
    return sorted(paths)


MALFORMED_BODIES = st.one_of(
    # Nested past API_MAX_JSON_DEPTH, or past what the interpreter recurses.
    st.integers(min_value=33, max_value=5_000).map(
        lambda depth: ("[" * depth + "]" * depth).encode()
    ),
    # Bytes that are not UTF-8 inside otherwise JSON-looking text.
    st.binary(min_size=1, max_size=40)
    .filter(lambda raw: not _is_utf8(raw))
    .map(lambda raw: b'{"amount": "' + raw + b'"}'),
    st.sampled_from(
        [b"NaN", b'{"amount": Infinity}', b'{"a": 1, "a": 2}', b"{", b"[1,]"]
    ),
)


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@pytest.mark.parametrize("path", _post_paths(with_body=True))
@given(
    body=MALFORMED_BODIES,
    content_type=st.sampled_from(
        ["application/json", "application/json; charset=utf-8"]
    ),
)
@settings(FUZZ, max_examples=max(3, EXAMPLES // 2))
def test_a_malformed_body_is_a_400_naming_the_body(
    path: str, body: bytes, content_type: str, programs: tuple[Program, Program]
) -> None:
    own, _ = programs
    client = Client(HTTP_AUTHORIZATION=own.headers["Authorization"])
    before = database_state()

    response = client.generic(
        "POST", path.format(**own.ids), body, content_type=content_type
    )

    _assert_error_shape(response)
    assert response.status_code == 400, response.content
    assert list(response.json()["error"]["fields"]) == ["body"]
    assert database_state() == before


@pytest.mark.parametrize("path", _post_paths())
def test_an_oversized_body_is_a_413_before_anything_reads_it(
    path: str, programs: tuple[Program, Program]
) -> None:
    own, _ = programs
    client = Client(HTTP_AUTHORIZATION=own.headers["Authorization"])
    limit = django_settings.API_MAX_BODY_BYTES
    body = b'{"padding": "' + b"x" * limit + b'"}'
    before = database_state()

    response = client.generic(
        "POST",
        path.format(**own.ids),
        body,
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="oversized",
    )

    _assert_error_shape(response)
    assert response.status_code == 413, response.content
    assert response.json()["error"]["code"] == "payload_too_large"
    assert database_state() == before


def _paged_paths() -> list[str]:
    paths = []
    for path, operations in schema.raw_schema["paths"].items():
        parameters = operations.get("get", {}).get("parameters", [])
        if any(parameter["name"] == "cursor" for parameter in parameters):
            paths.append(path)
    return sorted(paths)


CURSORS = st.one_of(
    st.text(max_size=300),
    st.text(max_size=200).map(lambda text: b64encode(text.encode()).decode()),
    st.fixed_dictionaries(
        {},
        optional={
            "o": st.one_of(st.integers(-5, 10**9).map(str), st.text(max_size=8)),
            "r": st.text(max_size=3),
            "p": st.one_of(st.text(max_size=40), st.datetimes().map(str)),
        },
    ).map(lambda tokens: b64encode(urlencode(tokens).encode()).decode()),
)


@pytest.mark.parametrize("path", _paged_paths())
@given(cursor=CURSORS)
@settings(FUZZ, max_examples=max(3, EXAMPLES))
def test_any_cursor_is_a_page_or_a_400_naming_it(
    path: str, cursor: str, programs: tuple[Program, Program]
) -> None:
    own, _ = programs
    client = Client(HTTP_AUTHORIZATION=own.headers["Authorization"])

    response = client.get(path.format(**own.ids), {"cursor": cursor})

    _assert_error_shape(response)
    assert response.status_code in (200, 400), response.content
    if response.status_code == 400:
        assert list(response.json()["error"]["fields"]) == ["cursor"]
