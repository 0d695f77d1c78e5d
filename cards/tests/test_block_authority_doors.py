"""The lift rule through each door: the partner API, the portal and the
admin all go through `card_unfreeze`, so each refuses what `LIFT_RULES`
refuses and changes nothing."""

import pytest

from accounts.models import Cardholder
from accounts.roles import FRAUD_SUPERVISOR, SUPPORT_AGENT
from cards.models import Authorization, Card
from cards.services.authorizations import authorization_create
from cards.services.lifecycle import SYSTEM, card_freeze
from cards.tests.conftest import authorization_request
from issuer.kernel.models import AuditEvent
from issuer.kernel.tests.api_world import database_state

pytestmark = pytest.mark.django_db

# Each request refreshes the signed-in user's session (the idle timeout) and
# a staff request its last-seen time.
SESSIONS = ("sessions.Session",)


def _block_for_cvv(test_card) -> None:
    wrong = f"{(int(test_card.cvv) + 1) % 1000:03d}"
    for _ in range(3):
        authorization_create(
            request=authorization_request(test_card, cvv=wrong), partner=None
        )
    assert Card.objects.get(pk=test_card.issued.card.pk).status == "blocked"


def _card(test_card) -> Card:
    return Card.objects.get(pk=test_card.issued.card.pk)


@pytest.fixture
def program_client(test_card, make_partner, api_client):
    """The card's program manager (not the issuer's servicer)."""
    partner, key = make_partner(serves_issuer_cardholders=False)
    Cardholder.objects.filter(pk=test_card.issued.card.account.cardholder_id).update(
        program_partner=partner
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    return api_client


def test_the_program_manager_cannot_lift_a_cvv_block_through_the_api(
    test_card, program_client
):
    """The reported attack: the CVV block stays, its count stays, and the
    right CVV is still declined 62."""
    _block_for_cvv(test_card)
    before = database_state()
    path = f"/api/v1/cards/{test_card.issued.card.public_id}/unfreeze"

    response = program_client.post(path, {}, format="json")

    assert response.status_code == 403, response.content
    assert response.json()["error"]["code"] == "forbidden"
    assert database_state() == before
    answer = authorization_create(
        request=authorization_request(test_card), partner=None
    )
    assert answer.response_code == "62"
    assert _card(test_card).verification_failures == 3


def test_the_program_manager_lifts_its_own_freeze_not_the_banks(
    test_card, program_client
):
    path = f"/api/v1/cards/{test_card.issued.card.public_id}"

    frozen = program_client.post(f"{path}/freeze", {}, format="json")
    lifted = program_client.post(f"{path}/unfreeze", {}, format="json")

    assert (frozen.status_code, lifted.status_code) == (200, 200)
    assert _card(test_card).status == "active"
    card_freeze(
        card=_card(test_card),
        reason="suspicious_activity",
        actor=SYSTEM,
        owner=Card.BlockOwner.FRAUD,
    )
    before = database_state()
    assert program_client.post(f"{path}/unfreeze", {}, format="json").status_code == (
        403
    )
    assert program_client.post(f"{path}/freeze", {}, format="json").status_code == (409)
    assert database_state() == before


@pytest.fixture
def holder(test_card, cardholder_user, cardholder_client):
    return cardholder_client(cardholder_user(test_card))


@pytest.mark.parametrize("block", ["issuer", "security"])
def test_the_cardholder_cannot_lift_a_bank_freeze_or_a_cvv_block_in_the_portal(
    test_card, holder, make_staff, block
):
    """The page names the bank or card security, offers no unfreeze, and a
    forged unfreeze POST changes nothing."""
    if block == "security":
        _block_for_cvv(test_card)
    else:
        from cards.models import CardStatusChange
        from cards.services.lifecycle import Actor

        agent = make_staff("agent", SUPPORT_AGENT)
        card_freeze(
            card=_card(test_card),
            reason="issuer_request",
            actor=Actor(channel=CardStatusChange.Channel.ADMIN, user=agent),
        )
    url = f"/portal/cards/{test_card.issued.card.public_id}/"

    page = holder.get(url).content.decode()
    before = database_state(ignore=SESSIONS)
    response = holder.post(url + "unfreeze/", follow=True)

    owner = {"issuer": "the bank", "security": "card security"}[block]
    assert f"by {owner}" in page
    assert "unfreeze/" not in page
    assert "Only the bank can lift this" in page
    assert response.status_code == 200
    assert "Only its owner" in response.content.decode()
    assert database_state(ignore=SESSIONS) == before


def test_the_cardholder_lifts_their_own_freeze_in_the_portal(test_card, holder):
    url = f"/portal/cards/{test_card.issued.card.public_id}/"
    holder.post(url + "freeze/")
    assert "unfreeze/" in holder.get(url).content.decode()

    holder.post(url + "unfreeze/")

    assert (_card(test_card).status, _card(test_card).block_owner) == ("active", "")


def _admin_unfreeze(client, card: Card, note: str):  # type: ignore[no-untyped-def]
    return client.post(
        "/admin/cards/card/",
        {"action": "unfreeze_cards", "_selected_action": [card.pk], "note": note},
        follow=True,
    )


def test_a_support_agent_cannot_lift_a_cvv_block_in_the_admin(
    test_card, make_staff, staff_client
):
    _block_for_cvv(test_card)
    client = staff_client(make_staff("agent", SUPPORT_AGENT))
    before = _card(test_card)

    response = _admin_unfreeze(client, before, "Cardholder called.")

    assert "0 card(s) unfrozen." in response.content.decode()
    after = _card(test_card)
    assert (after.status, after.block_owner, after.verification_failures) == (
        "blocked",
        "security",
        3,
    )
    assert not AuditEvent.objects.filter(details__action="card_block_lift").exists()


def test_a_fraud_supervisor_lifts_a_cvv_block_in_the_admin_with_a_note(
    test_card, make_staff, staff_client
):
    _block_for_cvv(test_card)
    client = staff_client(make_staff("supervisor", FRAUD_SUPERVISOR))

    refused = _admin_unfreeze(client, _card(test_card), "")
    assert _card(test_card).status == "blocked"
    assert "Say why the block is lifted." in refused.content.decode()

    done = _admin_unfreeze(client, _card(test_card), "Cardholder verified by call.")

    assert "1 card(s) unfrozen." in done.content.decode()
    card = _card(test_card)
    assert (card.status, card.block_owner, card.verification_failures) == (
        "active",
        "",
        0,
    )
    event = AuditEvent.objects.get(details__action="card_block_lift")
    assert (event.actor_username, event.details["note"]) == (
        "supervisor",
        "Cardholder verified by call.",
    )
    assert (
        authorization_create(
            request=authorization_request(test_card), partner=None
        ).status
        == Authorization.Status.APPROVED
    )
