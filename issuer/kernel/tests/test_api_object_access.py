"""Object-level access across the partner API, route by route, from the URL
configuration: another program's partner never reaches a program's objects
(404, nothing written, none of its ids in the answer), nor the issuer's own
cardholders' objects (no program: only a partner staff made the issuer's
servicer reaches them), a key lacking the route's scope is refused (403,
nothing written), and the owner's same request goes through, so each refusal
is about who asks and not about the request.

Every route under /api/v1/ must have its row in MATRIX: a new route fails
`test_every_api_route_is_in_the_matrix` until its access is described here.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from accounts.models import Cardholder, Scope
from accounts.services.partners import partner_api_key_issue
from cards.services.sandbox import sandbox_product
from cards.tests.conftest import authorization_body
from issuer.kernel.tests.api_world import Program, database_state, program_create
from webhooks.models import WebhookEndpoint

API_PREFIX = "api/v1/"
# Answer anyone, name no object: the API's index (issuer/pages.py), which
# says where the docs are (tested in test_pages.py).
PUBLIC_ROUTES = {"api/v1/"}
MERCHANT = {"id": "m-1", "name": "Corner Shop", "mcc": "5411", "country": "US"}


@dataclass(frozen=True)
class Access:
    """How one route reaches objects, and the owner's answer to `body`.

    kind: "object": a path or body id names one program's object; another
    partner gets 404. "list": lists only the caller's own. "own": creates an
    object of the caller's program, naming no other. "caller": acts on the
    caller's own program's one object, and no path or body names another's.
    "network": not scoped to a program (`reason` says why).
    """

    kind: str
    owner_status: int
    body: Callable[[Program], dict[str, Any]] | None = None
    reason: str = ""
    listed: tuple[str, ...] = field(default=())
    created: Callable[[str], Any] = lambda public_id: (
        Cardholder.objects.get(public_id=public_id).program_partner
    )


def _cardholder(program: Program) -> dict[str, Any]:
    return {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "date_of_birth": "1990-12-10",
        "address_line1": "1 Main Street",
        "city": "London",
        "postal_code": "N1 1AA",
        "country": "GB",
        "email": "ada@example.com",
        "phone": "+44 20 0000 0000",
        "product_id": str(sandbox_product(currency="USD").public_id),
    }


MATRIX: dict[str, Access] = {
    "GET api/v1/accounts/<str:account_id>": Access("object", 200),
    "POST api/v1/accounts/<str:account_id>/payments": Access(
        "object", 201, body=lambda p: {"amount": 500}
    ),
    "GET api/v1/accounts/<str:account_id>/statements": Access("object", 200),
    "GET api/v1/accounts/<str:account_id>/disputes": Access("object", 200),
    "POST api/v1/authorizations": Access(
        "network",
        201,
        body=lambda p: authorization_body(p.card),
        reason="Any acquirer may send any card's authorization, as on the "
        "card networks; it then belongs to the partner that sent it.",
    ),
    "GET api/v1/authorizations/<str:authorization_id>": Access("object", 200),
    "POST api/v1/authorizations/<str:authorization_id>/capture": Access(
        "object", 201, body=lambda p: {"amount": 100}
    ),
    "POST api/v1/authorizations/<str:authorization_id>/reverse": Access(
        "object", 200, body=lambda p: {"amount": 100}
    ),
    "POST api/v1/captures": Access(
        "object",
        201,
        body=lambda p: {
            "pan": p.card.issued.pan,
            "amount": 100,
            "currency": "USD",
            "merchant": MERCHANT,
        },
    ),
    "POST api/v1/refunds": Access(
        "object",
        201,
        body=lambda p: {
            "authorization_id": p.ids["authorization_id"],
            "amount": 100,
            "currency": "USD",
        },
    ),
    "GET api/v1/cardholders": Access("list", 200, listed=("cardholder_id",)),
    "POST api/v1/cardholders": Access("own", 201, body=_cardholder),
    "GET api/v1/cardholders/<str:cardholder_id>": Access("object", 200),
    "GET api/v1/cards": Access("list", 200, listed=("card_id", "account_id")),
    "POST api/v1/cards": Access(
        "object",
        201,
        body=lambda p: {
            "account_id": p.ids["account_id"],
            "product_id": str(sandbox_product(currency="USD").public_id),
        },
    ),
    "GET api/v1/cards/<str:card_id>": Access("object", 200),
    "POST api/v1/cards/<str:card_id>/freeze": Access("object", 200, body=lambda p: {}),
    "POST api/v1/cards/<str:card_id>/unfreeze": Access(
        "object", 409, body=lambda p: {}
    ),
    "POST api/v1/cards/<str:card_id>/activate": Access(
        "object", 409, body=lambda p: {}
    ),
    "POST api/v1/cards/<str:card_id>/close": Access("object", 200, body=lambda p: {}),
    "POST api/v1/cards/<str:card_id>/replace": Access("object", 201, body=lambda p: {}),
    "GET api/v1/disputes/<str:dispute_id>": Access("object", 200),
    "GET api/v1/webhook-endpoints": Access("list", 200, listed=("endpoint_id",)),
    "POST api/v1/webhook-endpoints": Access(
        "own",
        201,
        body=lambda p: {"url": "https://hooks.example/new", "events": ["*"]},
        created=lambda public_id: (
            WebhookEndpoint.objects.get(public_id=public_id).partner
        ),
    ),
    "GET api/v1/webhook-endpoints/<str:endpoint_id>": Access("object", 200),
    "PATCH api/v1/webhook-endpoints/<str:endpoint_id>": Access(
        "object", 200, body=lambda p: {"description": "Changed"}
    ),
    "DELETE api/v1/webhook-endpoints/<str:endpoint_id>": Access("object", 204),
    "POST api/v1/webhook-endpoints/<str:endpoint_id>/rotate-secret": Access(
        "object", 200, body=lambda p: {}
    ),
    "GET api/v1/webhook-endpoints/<str:endpoint_id>/deliveries": Access("object", 200),
    "GET api/v1/webhook-deliveries/<str:delivery_id>": Access("object", 200),
    # The program's one real-time decision endpoint: none registered yet, and
    # only a program manager registers one (these partners are not).
    "GET api/v1/authorization-decision-endpoint": Access("caller", 404),
    "PUT api/v1/authorization-decision-endpoint": Access(
        "caller", 403, body=lambda p: {"url": "http://127.0.0.1:9/decide"}
    ),
    "DELETE api/v1/authorization-decision-endpoint": Access("caller", 404),
    "POST api/v1/authorization-decision-endpoint/rotate-secret": Access(
        "caller", 404, body=lambda p: {}
    ),
    "POST api/v1/webhook-deliveries/<str:delivery_id>/replay": Access(
        "object", 202, body=lambda p: {}
    ),
}
# A refund may also name the card by number (an unlinked refund).
UNLINKED_REFUND = {
    "POST api/v1/refunds": lambda p: {
        "pan": p.card.issued.pan,
        "merchant": MERCHANT,
        "amount": 100,
        "currency": "USD",
    }
}


def api_routes() -> dict[str, Any]:
    """Every "METHOD route" under /api/v1/ in the URL configuration, with
    its view class."""
    found: dict[str, Any] = {}

    def walk(patterns: list[Any], prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif route in PUBLIC_ROUTES:
                continue
            elif isinstance(pattern, URLPattern) and route.startswith(API_PREFIX):
                view = pattern.callback.view_class  # type: ignore[attr-defined]
                for method in view.http_method_names:
                    if method not in ("head", "options") and hasattr(view, method):
                        found[f"{method.upper()} {route}"] = view

    walk(get_resolver().url_patterns, "")
    return found


ROUTES = api_routes()


def _path(route: str, program: Program) -> str:
    path = "/" + route
    for name, value in program.ids.items():
        path = path.replace(f"<str:{name}>", value)
    assert "<" not in path, path
    return path


def _client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return client


def _send(key: str, method: str, path: str, body: dict[str, Any] | None) -> Any:
    client = _client(key)
    if method in ("GET", "DELETE"):
        return getattr(client, method.lower())(path)
    return getattr(client, method.lower())(path, body, format="json")


# The issuer's servicer reaches the issuer's cardholders' accounts, cards
# and disputes, but the cardholder routes list and show only cardholders a
# partner enrolled itself (KYC data stays with the issuer).
ISSUER_SERVICER_STATUS = {"GET api/v1/cardholders/<str:cardholder_id>": 404}
ISSUER_SERVICER_UNLISTED = {"GET api/v1/cardholders"}


@pytest.fixture(params=["program", "issuer_managed"])
def programs(request: pytest.FixtureRequest, db: None) -> tuple[Program, Program]:
    """The owner's objects, of a partner's program or of the issuer's own
    cardholders (owned by its servicer), and another program's partner."""
    owner = program_create("owner", issuer_managed=request.param == "issuer_managed")
    return owner, program_create("intruder")


def test_every_api_route_is_in_the_matrix():
    assert sorted(ROUTES) == sorted(MATRIX)


@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_another_programs_partner_never_reaches_the_object(endpoint, programs):
    access = MATRIX.get(endpoint)
    assert access is not None, f"{endpoint}: describe its access in MATRIX"
    owner, intruder = programs
    method, route = endpoint.split(" ")
    path = _path(route, owner)
    bodies = [access.body(owner) if access.body else None]
    if endpoint in UNLINKED_REFUND:
        bodies.append(UNLINKED_REFUND[endpoint](owner))

    for body in bodies:
        before = database_state()
        response = _send(intruder.key, method, path, body)

        if access.kind == "object":
            assert response.status_code == 404, response.content
            assert response.json()["error"]["code"] == "not_found"
            assert database_state() == before
        elif access.kind == "list":
            assert response.status_code == 200
            text = response.content.decode()
            assert not any(owner.ids[name] in text for name in access.listed)
        elif access.kind == "caller":
            text = response.content.decode()
            assert not any(value in text for value in owner.ids.values()), text
        elif access.kind == "own":
            assert response.status_code == 201
            assert access.created(response.json()["id"]) == intruder.partner
        else:
            assert access.kind == "network" and access.reason
        if access.kind == "object":
            asked = path + json.dumps(body)
            text = response.content.decode()
            assert not any(
                value in text for value in owner.ids.values() if value not in asked
            ), text

    is_servicer = owner.partner.serves_issuer_cardholders
    owner_status = access.owner_status
    if is_servicer:
        owner_status = ISSUER_SERVICER_STATUS.get(endpoint, owner_status)
    for body in bodies:
        response = _send(owner.key, method, path, body)
        assert response.status_code == owner_status, response.content
    if access.kind == "list":
        text = response.content.decode()
        listed = [owner.ids[name] in text for name in access.listed]
        if is_servicer and endpoint in ISSUER_SERVICER_UNLISTED:
            assert not any(listed)
        else:
            assert all(listed)


@pytest.mark.parametrize("endpoint", sorted(ROUTES))
def test_a_key_without_the_routes_scope_is_refused(endpoint, programs):
    owner, _ = programs
    view = ROUTES[endpoint]
    scope = view.required_scope
    assert scope in Scope.values
    _, key = partner_api_key_issue(
        partner=owner.partner,
        scopes=[other for other in Scope.values if other != scope],
    )
    method, route = endpoint.split(" ")
    access = MATRIX[endpoint]
    before = database_state()

    response = _send(
        key, method, _path(route, owner), access.body(owner) if access.body else None
    )

    assert response.status_code == 403, response.content
    assert response.json()["error"] == {
        "code": "forbidden",
        "message": f"This API key lacks the '{scope}' scope.",
        "fields": {},
    }
    assert database_state() == before
