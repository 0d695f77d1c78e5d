"""rotate_card_keys re-encrypts every PAN under the new key; look-ups still work."""

import pytest
from django.core.management import call_command

from cards.models import Card
from cards.security import EncryptedPan, pan_decrypt, pan_fingerprint
from cards.tests.conftest import new_key

pytestmark = pytest.mark.django_db


def test_rotation_moves_every_card_to_the_new_key(settings, issue_card, capsys):
    settings.CARD_DATA_KEYS = f"old:{new_key()}"
    cards = [issue_card() for _ in range(3)]
    assert set(Card.objects.values_list("pan_key_id", flat=True)) == {"old"}

    settings.CARD_DATA_KEYS = f"new:{new_key()},{settings.CARD_DATA_KEYS}"
    call_command("rotate_card_keys")

    assert "Re-encrypted 3 card(s) under key new." in capsys.readouterr().out
    for test_card in cards:
        card = Card.objects.get(pk=test_card.issued.card.pk)
        assert card.pan_key_id == "new"
        assert card.pan_fingerprint == pan_fingerprint(pan=test_card.issued.pan)
        settings.CARD_DATA_KEYS = settings.CARD_DATA_KEYS.split(",")[0]  # new only
        assert (
            pan_decrypt(
                encrypted=EncryptedPan(
                    key_id=card.pan_key_id, ciphertext=bytes(card.pan_ciphertext)
                ),
                context=str(card.public_id),
            )
            == test_card.issued.pan
        )
