"""`manage.py rotate_card_keys`: re-encrypt PANs under the first CARD_DATA_KEYS key.

Put the new key first in CARD_DATA_KEYS, keep the old ones after it, run
this, then drop the old keys.
"""

from typing import Any

from django.core.management.base import BaseCommand
from tqdm import tqdm

from cards.security import vault_current_key_id
from cards.services.keys import card_keys_rotate, cards_needing_rotation_count


class Command(BaseCommand):
    help = "Re-encrypt every stored PAN under the current card-data key."

    def handle(self, *args: Any, **options: Any) -> None:
        total = cards_needing_rotation_count()
        with tqdm(
            total=total, desc="re-encrypting", unit="card", file=self.stderr._out
        ) as bar:
            for done in card_keys_rotate():
                bar.update(done)
        self.stdout.write(
            f"Re-encrypted {total} card(s) under key {vault_current_key_id()}."
        )
