"""Who may lift what: every freeze and block has an owner, and only the
sides `LIFT_RULES` names for that owner may lift it. The matrix tries every
actor on every kind of block through `card_unfreeze` (the one door the API,
the portal and the admin all use): an allowed lift makes the card active, a
refused one changes nothing at all.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.models import Cardholder
from accounts.roles import CREDIT_OFFICER, FRAUD_SUPERVISOR, SUPPORT_AGENT
from accounts.services.partners import partner_create
from cards.models import Authorization, Card, CardStatusChange
from cards.services.authorizations import (
    VERIFICATION_FAILURES_BEFORE_BLOCK,
    authorization_create,
)
from cards.services.lifecycle import (
    SYSTEM,
    Actor,
    card_fraud_freeze_release,
    card_freeze,
    card_unfreeze,
    may_lift,
)
from cards.tests.conftest import authorization_request
from issuer.kernel.errors import DomainError, InvalidInput
from issuer.kernel.models import AuditEvent
from issuer.kernel.tests.api_world import database_state

pytestmark = pytest.mark.django_db

Channel = CardStatusChange.Channel
NOTE = "Identity checked on a recorded call."
BLOCKS = ("cardholder", "partner", "issuer", "fraud", "security")
# Actor -> the owners whose freeze or block it may lift. Every other cell of
# the matrix is a refusal.
MAY_LIFT: dict[str, set[str]] = {
    "cardholder": {"cardholder"},
    "another_cardholder": set(),
    "program_partner": {"partner"},
    "another_programs_partner": set(),
    "issuer_servicer": set(),  # the issuer's servicer: not this program's card
    "support_agent": {"cardholder", "partner"},
    "fraud_supervisor": {"cardholder", "partner", "issuer", "fraud", "security"},
    "credit_officer": set(),
    "system": set(),
    "fraud_case": {"fraud"},
}


@dataclass
class World:
    card: Any
    actors: dict[str, Callable[[], Actor]]


def _wrong_cvv(cvv: str) -> str:
    return f"{(int(cvv) + 1) % 1000:03d}"


@pytest.fixture
def world(test_card, issue_card, cardholder_user, make_staff) -> World:
    """A program's card with a portal login, and one actor of every kind."""
    program, _ = partner_create(name="Program", scopes=["cards"])
    other, _ = partner_create(name="Other program", scopes=["cards"])
    servicer, _ = partner_create(
        name="Servicer", scopes=["cards"], serves_issuer_cardholders=True
    )
    card = test_card.issued.card
    Cardholder.objects.filter(pk=card.account.cardholder_id).update(
        program_partner=program
    )
    holder = cardholder_user(test_card)
    stranger = cardholder_user(issue_card(), username="stranger")
    staff = {
        role: make_staff(username, role)
        for username, role in (
            ("agent", SUPPORT_AGENT),
            ("supervisor", FRAUD_SUPERVISOR),
            ("officer", CREDIT_OFFICER),
        )
    }
    return World(
        card=test_card,
        actors={
            "cardholder": lambda: Actor(channel=Channel.PORTAL, user=holder),
            "another_cardholder": lambda: Actor(channel=Channel.PORTAL, user=stranger),
            "program_partner": lambda: Actor(channel=Channel.API, partner=program),
            "another_programs_partner": lambda: Actor(
                channel=Channel.API, partner=other
            ),
            "issuer_servicer": lambda: Actor(channel=Channel.API, partner=servicer),
            "support_agent": lambda: Actor(
                channel=Channel.ADMIN, user=staff[SUPPORT_AGENT]
            ),
            "fraud_supervisor": lambda: Actor(
                channel=Channel.ADMIN, user=staff[FRAUD_SUPERVISOR]
            ),
            "credit_officer": lambda: Actor(
                channel=Channel.ADMIN, user=staff[CREDIT_OFFICER]
            ),
            "system": lambda: SYSTEM,
        },
    )


def _card(world: World) -> Card:
    return Card.objects.select_related("account").get(pk=world.card.issued.card.pk)


def _place(world: World, block: str) -> None:
    """Put `block` on the card the way its owner's side does."""
    placers = {
        "cardholder": "cardholder",
        "partner": "program_partner",
        "issuer": "support_agent",
    }
    if block in placers:
        card_freeze(
            card=_card(world),
            reason="issuer_request",
            actor=world.actors[placers[block]](),
        )
    elif block == "fraud":
        card_freeze(
            card=_card(world),
            reason="suspicious_activity",
            actor=SYSTEM,
            owner=Card.BlockOwner.FRAUD,
        )
    else:
        wrong = _wrong_cvv(world.card.cvv)
        for _ in range(VERIFICATION_FAILURES_BEFORE_BLOCK):
            authorization_create(
                request=authorization_request(world.card, cvv=wrong), partner=None
            )
    placed = _card(world)
    assert placed.block_owner == block
    assert placed.status == ("blocked" if block == "security" else "frozen")


def _lift(world: World, actor_name: str) -> None:
    card = _card(world)
    if actor_name == "fraud_case":
        card_fraud_freeze_release(card=card, actor=SYSTEM, case_id="case-1")
    else:
        card_unfreeze(card=card, actor=world.actors[actor_name](), note=NOTE)


@pytest.mark.parametrize("block", BLOCKS)
@pytest.mark.parametrize("actor_name", sorted(MAY_LIFT))
def test_only_the_owners_side_lifts_a_freeze_or_block(world, actor_name, block):
    """Given a card under `block`, when `actor_name` lifts it, then it is
    lifted exactly where the matrix allows; a refusal changes nothing."""
    _place(world, block)
    before = database_state()

    if block in MAY_LIFT[actor_name]:
        _lift(world, actor_name)

        card = _card(world)
        assert (card.status, card.block_owner) == ("active", "")
        lifted = card.history.first()
        assert (lifted.from_status, lifted.to_status, lifted.block_owner) == (
            "blocked" if block == "security" else "frozen",
            "active",
            block,
        )
        expected_failures = 0 if block == "security" else card.verification_failures
        assert card.verification_failures == expected_failures
    else:
        with pytest.raises(DomainError):
            _lift(world, actor_name)

        assert database_state() == before


@pytest.mark.parametrize("block", BLOCKS)
@pytest.mark.parametrize("actor_name", sorted(set(MAY_LIFT) - {"fraud_case"}))
def test_may_lift_answers_as_the_lift_does(world, actor_name, block):
    """The portal's and admin's buttons ask `may_lift`: it agrees with the
    matrix."""
    _place(world, block)

    allowed = may_lift(card=_card(world), actor=world.actors[actor_name]())

    assert allowed == (block in MAY_LIFT[actor_name])


@pytest.mark.parametrize("actor_name", ["support_agent", "fraud_supervisor"])
def test_staff_lift_without_a_note_is_refused(world, actor_name):
    _place(world, "cardholder")
    before = database_state()

    with pytest.raises(InvalidInput) as refused:
        card_unfreeze(card=_card(world), actor=world.actors[actor_name](), note=" ")

    assert refused.value.fields == {"note": ["Say why the block is lifted."]}
    assert database_state() == before


def test_a_staff_lift_is_audited_with_its_note(world):
    _place(world, "security")

    card_unfreeze(
        card=_card(world), actor=world.actors["fraud_supervisor"](), note=NOTE
    )

    event = AuditEvent.objects.get(action="admin_action", target_type="cards.card")
    assert event.actor_username == "supervisor"
    assert event.details == {
        "action": "card_block_lift",
        "block_owner": "security",
        "note": NOTE,
    }
    assert _card(world).history.first().note == NOTE


def test_only_the_security_lift_resets_the_failure_count(world):
    """Two wrong CVVs, then the cardholder freezes and unfreezes: the count
    stays at 2, so the next wrong CVV blocks the card."""
    wrong = _wrong_cvv(world.card.cvv)
    for _ in range(2):
        authorization_create(
            request=authorization_request(world.card, cvv=wrong), partner=None
        )
    _place(world, "cardholder")
    _lift(world, "cardholder")
    assert _card(world).verification_failures == 2

    third = authorization_create(
        request=authorization_request(world.card, cvv=wrong), partner=None
    )

    assert third.response_code == "N7"
    card = _card(world)
    assert (card.status, card.block_owner, card.verification_failures) == (
        "blocked",
        "security",
        3,
    )


def test_a_stronger_owners_freeze_takes_over_and_a_weaker_one_is_refused(world):
    """The cardholder's freeze gives way to the bank's (then the cardholder
    can no longer lift it); the partner cannot freeze over the bank's."""
    _place(world, "cardholder")
    _place(world, "issuer")
    before = database_state()

    for attempt in (
        lambda: _lift(world, "cardholder"),
        lambda: card_freeze(
            card=_card(world),
            reason="issuer_request",
            actor=world.actors["program_partner"](),
        ),
    ):
        with pytest.raises(DomainError):
            attempt()

    assert database_state() == before
    assert _card(world).block_owner == "issuer"


def test_a_card_under_a_security_block_stays_blocked_for_the_right_cvv(world):
    """The reported attack: the program's partner may not lift the CVV
    block, so the right CVV afterwards is still declined 62."""
    _place(world, "security")
    with pytest.raises(DomainError):
        _lift(world, "program_partner")

    answer = authorization_create(
        request=authorization_request(world.card), partner=None
    )

    assert (answer.status, answer.response_code) == ("declined", "62")
    assert Authorization.objects.filter(card=world.card.issued.card).count() == 4


def test_an_anonymous_portal_actor_is_refused(world):
    """Even on a card whose cardholder has no portal login."""
    Cardholder.objects.filter(pk=_card(world).account.cardholder_id).update(user=None)
    _place(world, "partner")
    before = database_state()

    with pytest.raises(DomainError):
        card_unfreeze(
            card=_card(world),
            actor=Actor(channel=Channel.PORTAL, user=AnonymousUser()),  # type: ignore[arg-type]
        )

    assert database_state() == before
