"""Row locks for cards, taken after the credit account's (see accounts)."""

from cards.models import Authorization, Card


def card_lock(*, card_id: int) -> Card:
    return Card.objects.select_for_update().get(pk=card_id)


def authorization_lock(*, authorization_id: int) -> Authorization:
    return (
        Authorization.objects.select_related("hold", "card", "account")
        .select_for_update()
        .get(pk=authorization_id)
    )
