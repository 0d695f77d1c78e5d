"""A card's own spending controls, set by its cardholder (or the issuer).

Amount limits are positive minor units or None (no limit), and nest:
per-transaction <= daily <= monthly. The windows they count are calendar
UTC days and months (see `cards.services.authorizations`).
"""

from django.db import transaction

from cards.errors import CardStateConflict
from cards.lock_objects import card_lock
from cards.models import Card
from issuer.kernel.errors import InvalidInput

AMOUNT_FIELDS = ("per_transaction_limit", "daily_limit", "monthly_limit")
TOGGLE_FIELDS = ("is_ecommerce_enabled", "is_atm_enabled", "is_contactless_enabled")


def _clean_limit(value: object, *, field: str) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise InvalidInput.for_field(
            field, "A limit is a positive amount in minor units, or none."
        )
    return value


def card_controls_update(
    *,
    card: Card,
    per_transaction_limit: int | None,
    daily_limit: int | None,
    monthly_limit: int | None,
    is_ecommerce_enabled: bool,
    is_atm_enabled: bool,
    is_contactless_enabled: bool,
) -> Card:
    """Replace the card's amount limits and channel switches; a closed card
    keeps its controls."""
    per_transaction = _clean_limit(per_transaction_limit, field="per_transaction_limit")
    daily = _clean_limit(daily_limit, field="daily_limit")
    monthly = _clean_limit(monthly_limit, field="monthly_limit")
    if per_transaction is not None and daily is not None and per_transaction > daily:
        raise InvalidInput.for_field(
            "per_transaction_limit",
            "The per-transaction limit cannot exceed the daily limit.",
        )
    if (
        per_transaction is not None
        and monthly is not None
        and per_transaction > monthly
    ):
        raise InvalidInput.for_field(
            "per_transaction_limit",
            "The per-transaction limit cannot exceed the monthly limit.",
        )
    if daily is not None and monthly is not None and daily > monthly:
        raise InvalidInput.for_field(
            "daily_limit", "The daily limit cannot exceed the monthly limit."
        )
    values = {
        "per_transaction_limit": per_transaction,
        "daily_limit": daily,
        "monthly_limit": monthly,
        "is_ecommerce_enabled": bool(is_ecommerce_enabled),
        "is_atm_enabled": bool(is_atm_enabled),
        "is_contactless_enabled": bool(is_contactless_enabled),
    }
    with transaction.atomic():
        locked = card_lock(card_id=card.pk)
        if locked.status == Card.Status.CLOSED:
            raise CardStateConflict(
                "A closed card's controls cannot change.",
                fields={"status": ["The card is closed."]},
            )
        for name, value in values.items():
            setattr(locked, name, value)
        locked.save(update_fields=list(values))
    for name, value in values.items():
        setattr(card, name, value)
    return card
