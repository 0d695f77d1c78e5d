"""Row locks for cards, taken after the credit account's (see accounts).

MySQL/MariaDB lock joined rows too, so each lock reads one table and related
rows are loaded apart, unlocked.
"""

from cards.models import Authorization, Card, Dispute


def card_lock(*, card_id: int) -> Card:
    return Card.objects.select_for_update().get(pk=card_id)


def authorization_lock(*, authorization_id: int) -> Authorization:
    locked = Authorization.objects.select_for_update().get(pk=authorization_id)
    related = Authorization.objects.select_related(
        "hold", "card", "account", "account__receivable"
    ).get(pk=authorization_id)
    locked.hold, locked.card, locked.account = (
        related.hold,
        related.card,
        related.account,
    )
    return locked


def dispute_lock(*, dispute_id: int) -> Dispute:
    """Lock one dispute row; its capture, card and authorization load apart."""
    locked = Dispute.objects.select_for_update().get(pk=dispute_id)
    related = Dispute.objects.select_related(
        "capture__card", "capture__authorization"
    ).get(pk=dispute_id)
    locked.capture = related.capture
    return locked
