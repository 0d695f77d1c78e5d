"""Card lifecycle: issue, activate, freeze, unfreeze, close, replace."""

import pytest

from cards.errors import CardStateConflict
from cards.models import Card, CardStatusChange
from cards.security import (
    EncryptedPan,
    is_luhn_valid,
    pan_decrypt,
    pan_fingerprint,
)
from cards.services.lifecycle import (
    SYSTEM,
    Actor,
    card_activate,
    card_close,
    card_freeze,
    card_issue,
    card_replace,
    card_unfreeze,
)
from issuer.kernel.models import OutboxEvent

pytestmark = pytest.mark.django_db
PORTAL = Actor(channel=CardStatusChange.Channel.PORTAL)


def test_an_issued_card_has_an_encrypted_luhn_pan_in_the_bin(test_card):
    card = Card.objects.get(pk=test_card.issued.card.pk)
    pan = test_card.issued.pan

    assert is_luhn_valid(pan)
    assert pan.startswith(card.product.bin.prefix)
    assert len(pan) == card.product.bin.pan_length
    assert pan.encode() not in bytes(card.pan_ciphertext)
    assert card.pan_fingerprint == pan_fingerprint(pan=pan)
    assert card.last_four == pan[-4:]
    decrypted = pan_decrypt(
        encrypted=EncryptedPan(key_id=card.pan_key_id, ciphertext=card.pan_ciphertext),
        context=str(card.public_id),
    )
    assert decrypted == pan
    assert pan not in repr(test_card.issued)


def test_history_records_every_move_with_channel_and_reason(test_card, cardholder_user):
    card = test_card.issued.card
    portal = Actor(channel=PORTAL.channel, user=cardholder_user(test_card))

    card_freeze(card=card, reason="cardholder_request", actor=portal)
    card_unfreeze(card=card, actor=portal)

    moves = list(card.history.order_by("pk").values_list("from_status", "to_status"))
    assert moves == [
        ("", "inactive"),
        ("inactive", "active"),
        ("active", "frozen"),
        ("frozen", "active"),
    ]
    assert card.history.first().channel == "portal"
    assert OutboxEvent.objects.filter(type="card.status_changed").count() == 4


def test_a_closed_card_never_reopens(test_card):
    card = test_card.issued.card
    card_close(card=card, reason="cardholder_request", actor=SYSTEM)

    for action in (
        lambda: card_unfreeze(card=card, actor=SYSTEM),
        lambda: card_freeze(card=card, reason="issuer_request", actor=SYSTEM),
    ):
        with pytest.raises(CardStateConflict):
            action()
    assert Card.objects.get(pk=card.pk).status == "closed"


def test_an_inactive_card_must_be_activated_first(test_card):
    card = test_card.issued.card
    new = card_issue(account=card.account, product=card.product, actor=SYSTEM).card

    assert new.status == "inactive"
    with pytest.raises(CardStateConflict):
        card_unfreeze(card=new, actor=SYSTEM)
    card_activate(card=new, actor=SYSTEM)
    assert Card.objects.get(pk=new.pk).status == "active"


@pytest.mark.parametrize("reason", ["lost", "stolen", "compromised"])
def test_replacing_a_lost_or_stolen_card_closes_it_at_once(test_card, reason):
    old = test_card.issued.card

    replacement = card_replace(card=old, reason=reason, actor=PORTAL)

    old.refresh_from_db()
    assert (old.status, old.status_reason) == ("closed", reason)
    new = replacement.card
    assert new.replaces_id == old.pk
    assert new.status == "inactive"
    assert replacement.pan != test_card.issued.pan
    assert new.last_four == replacement.pan[-4:]
    assert OutboxEvent.objects.filter(type="card.replaced").count() == 1


def test_replacing_for_another_reason_keeps_the_old_card_until_activation(test_card):
    old = test_card.issued.card

    new = card_replace(card=old, reason="expired", actor=PORTAL).card

    assert Card.objects.get(pk=old.pk).status == "active"
    card_activate(card=new, actor=PORTAL)
    old.refresh_from_db()
    assert (old.status, old.status_reason) == ("closed", "replaced")


def test_a_card_is_replaced_only_once(test_card):
    card_replace(card=test_card.issued.card, reason="lost", actor=PORTAL)

    with pytest.raises(CardStateConflict):
        card_replace(
            card=Card.objects.get(pk=test_card.issued.card.pk),
            reason="lost",
            actor=PORTAL,
        )
