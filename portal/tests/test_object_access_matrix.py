"""Every portal route that names an object by id, read from the URL
configuration: another cardholder's id is not found (404) on GET and POST and
nothing is written; the owner reaches the same page. A new route with an id
fails `test_every_portal_route_with_an_id_is_in_the_matrix` until it is here.
"""

import datetime
import uuid
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from accounts.models import Notification, Statement
from accounts.services.billing import billing_run
from accounts.services.notifications import NotificationContent, notification_record
from cards.services.authorizations import authorization_create
from cards.services.disputes import dispute_file
from cards.tests.conftest import authorization_request, cleared_capture
from fraud.services.live import authorization_score
from issuer.kernel.tests.api_world import database_state

pytestmark = pytest.mark.django_db

# Route -> the owner's object each id names (a key of `owned`).
MATRIX = {
    "portal/statements/<uuid:statement_id>/": {"statement_id": "statement"},
    "portal/statements/<uuid:statement_id>/statement.pdf": {
        "statement_id": "statement"
    },
    "portal/statements/<uuid:statement_id>/statement.csv": {
        "statement_id": "statement"
    },
    "portal/accounts/<uuid:account_id>/pay/": {"account_id": "account"},
    "portal/accounts/<uuid:account_id>/autopay/": {"account_id": "account"},
    "portal/cards/<uuid:card_id>/": {"card_id": "card"},
    "portal/cards/<uuid:card_id>/freeze/": {"card_id": "card"},
    "portal/cards/<uuid:card_id>/unfreeze/": {"card_id": "card"},
    "portal/cards/<uuid:card_id>/activate/": {"card_id": "card"},
    "portal/cards/<uuid:card_id>/report/": {"card_id": "card"},
    "portal/cards/<uuid:card_id>/controls/": {"card_id": "card"},
    "portal/cards/<uuid:card_id>/reveal/": {"card_id": "card"},
    "portal/cards/<uuid:card_id>/reveal/show/": {"card_id": "card"},
    "portal/alerts/<uuid:authorization_id>/answer/": {"authorization_id": "flagged"},
    "portal/transactions/<uuid:authorization_id>/": {"authorization_id": "flagged"},
    "portal/captures/<uuid:capture_id>/dispute/": {"capture_id": "capture"},
    "portal/disputes/<uuid:dispute_id>/": {"dispute_id": "dispute"},
    "portal/notifications/<uuid:notification_id>/read/": {
        "notification_id": "notification"
    },
}
# A POST from another cardholder to each, with a body that the owner's
# page would take.
POST_BODIES: dict[str, dict[str, str]] = {
    "portal/accounts/<uuid:account_id>/pay/": {
        "choice": "other",
        "other_amount": "1.00",
        "token": str(uuid.UUID(int=7)),
    },
    "portal/accounts/<uuid:account_id>/autopay/": {"autopay": "full"},
    "portal/cards/<uuid:card_id>/report/": {"reason": "lost"},
    "portal/cards/<uuid:card_id>/controls/": {"daily_limit": "1.00"},
    "portal/cards/<uuid:card_id>/reveal/": {"password": "whatever"},
    "portal/alerts/<uuid:authorization_id>/answer/": {"answer": "no"},
    "portal/captures/<uuid:capture_id>/dispute/": {
        "amount": "1.00",
        "reason": "other",
        "description": "Mine now.",
    },
    "portal/notifications/<uuid:notification_id>/read/": {"open": "1"},
}
# Each request refreshes the intruder's own session (the idle timeout).
SESSIONS = ("sessions.Session",)


def portal_routes_with_ids() -> list[str]:
    found = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern) and "<uuid:" in route:
                found.append(route)

    walk(get_resolver().url_patterns, "")
    return sorted(route for route in found if route.startswith("portal/"))


ROUTES = portal_routes_with_ids()


@pytest.fixture
def owned(active_model, media_root, test_card) -> dict[str, Any]:
    """The owner's objects: account, statement, card, a flagged authorization,
    a capture, a dispute and a notification."""
    card = test_card.issued.card
    account = card.account
    capture = cleared_capture(test_card, amount=2_000)
    flagged = authorization_create(
        request=authorization_request(test_card, amount=10_000), partner=None
    )
    authorization_score(authorization=flagged)
    billing_run(account=account, now=timezone.now() + datetime.timedelta(40))
    notification, _ = notification_record(
        cardholder=account.cardholder,
        source_event_id=uuid.uuid4(),
        content=NotificationContent(
            kind=Notification.Kind.DECLINE,
            title="Declined",
            body="Not enough available credit.",
            link_path="/portal/transactions/",
        ),
    )
    return {
        "account": account.public_id,
        "statement": Statement.objects.get(account=account).public_id,
        "card": card.public_id,
        "flagged": flagged.public_id,
        "capture": capture.public_id,
        "dispute": dispute_file(
            capture=capture, amount=500, reason="other", description="Not mine."
        ).public_id,
        "notification": notification.public_id,
    }


@pytest.fixture
def intruder(issue_card, cardholder_user, cardholder_client):  # type: ignore[no-untyped-def]
    return cardholder_client(cardholder_user(issue_card(), username="intruder"))


def _path(route: str, owned: dict[str, Any]) -> str:
    path = "/" + route
    for name, key in MATRIX[route].items():
        path = path.replace(f"<uuid:{name}>", str(owned[key]))
    return path


def test_every_portal_route_with_an_id_is_in_the_matrix():
    assert sorted(MATRIX) == ROUTES


@pytest.mark.parametrize("route", ROUTES)
def test_another_cardholder_never_reaches_the_object(
    route, owned, intruder, test_card, cardholder_user, cardholder_client
):
    assert route in MATRIX, f"{route}: add it to MATRIX"
    path = _path(route, owned)
    before = database_state(ignore=SESSIONS)

    read = intruder.get(path)
    written = intruder.post(path, POST_BODIES.get(route, {}))

    assert read.status_code in (404, 405), path  # 405: a POST-only action
    assert written.status_code == 404, path
    assert database_state(ignore=SESSIONS) == before
    owner = cardholder_client(cardholder_user(test_card))
    assert owner.get(path).status_code in (200, 302, 405), path
