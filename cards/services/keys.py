"""Re-encrypting stored PANs under the current card-data key."""

from collections.abc import Iterator

from django.db import transaction

from cards.models import Card
from cards.security import EncryptedPan, pan_reencrypt, vault_current_key_id

ROTATION_BATCH = 500


def cards_needing_rotation_count() -> int:
    return Card.objects.exclude(pan_key_id=vault_current_key_id()).count()


def card_keys_rotate() -> Iterator[int]:
    """Re-encrypt every PAN not under the current key, in batches of pks.

    Yields the number of cards done per batch. The fingerprint does not
    change, so look-ups keep working throughout.
    """
    current = vault_current_key_id()
    while True:
        batch = list(
            Card.objects.exclude(pan_key_id=current)
            .order_by("pk")
            .values_list("pk", flat=True)[:ROTATION_BATCH]
        )
        if not batch:
            return
        with transaction.atomic():
            for card in Card.objects.select_for_update().filter(pk__in=batch):
                encrypted = pan_reencrypt(
                    encrypted=EncryptedPan(
                        key_id=card.pan_key_id, ciphertext=bytes(card.pan_ciphertext)
                    ),
                    context=str(card.public_id),
                )
                Card.objects.filter(pk=card.pk).update(
                    pan_key_id=encrypted.key_id, pan_ciphertext=encrypted.ciphertext
                )
        yield len(batch)
