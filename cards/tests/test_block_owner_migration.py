"""Migration 0011 names the owner of every freeze and block made before
owners existed, from the channel and reason of the card's last move, and
keeps the CVV failure count as the verification failure count."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("cards", "0010_authorization_program_decision")]
AFTER = [("cards", "0011_card_block_owner_and_verification_failures")]


def migrate(targets):  # type: ignore[no-untyped-def]
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


# status, status_changed_by, status_reason -> the owner named
CASES = [
    ("blocked", "system", "cvv_failures", "security"),
    ("frozen", "portal", "cardholder_request", "cardholder"),
    ("frozen", "api", "issuer_request", "partner"),
    ("frozen", "system", "suspicious_activity", "fraud"),
    ("frozen", "admin", "issuer_request", "issuer"),
    ("active", "portal", "cardholder_request", ""),
]


@pytest.mark.django_db(transaction=True)
def test_every_frozen_or_blocked_card_gets_its_owner(issue_card):
    cards = [issue_card().issued.card for _ in CASES]
    try:
        old = migrate(BEFORE)
        OldCard = old.get_model("cards", "Card")
        for card, (status, channel, reason, _) in zip(cards, CASES, strict=True):
            OldCard.objects.filter(pk=card.pk).update(
                status=status,
                status_changed_by=channel,
                status_reason=reason,
                cvv_failures=3 if status == "blocked" else 1,
            )

        new = migrate(AFTER)

        NewCard = new.get_model("cards", "Card")
        migrated = [
            NewCard.objects.values_list("block_owner", "verification_failures").get(
                pk=card.pk
            )
            for card in cards
        ]
        assert migrated == [
            (owner, 3 if status == "blocked" else 1) for status, _, _, owner in CASES
        ]
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
