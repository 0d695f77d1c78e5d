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

API_FUZZ_EXAMPLES sets Hypothesis' examples per operation and test, besides
the cases schemathesis derives from the schema itself. CI keeps the default;
`API_FUZZ_EXAMPLES=500 pytest issuer/kernel/tests/test_api_fuzz.py` digs
deeper.
"""

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.urls import Resolver404, resolve
from hypothesis import HealthCheck, settings
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
