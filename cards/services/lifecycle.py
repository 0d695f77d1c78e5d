"""Issuing cards and moving them through their lifecycle.

inactive -> active <-> frozen -> closed; active -> blocked (CVV failures)
-> active; any open status -> closed. A closed card never reopens. Each
move is recorded in CardStatusChange and published as card.status_changed.
"""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.models import CreditAccount, Partner, User
from cards.errors import CardStateConflict
from cards.lock_objects import card_lock
from cards.models import Card, CardProduct, CardStatusChange
from cards.security import pan_encrypt, pan_fingerprint, pan_generate, pan_last_four
from issuer.kernel.errors import InvalidInput
from issuer.kernel.outbox import event_publish

Status = Card.Status
Reason = CardStatusChange.Reason

ALLOWED_MOVES: dict[str, set[str]] = {
    Status.INACTIVE: {Status.ACTIVE, Status.CLOSED},
    Status.ACTIVE: {Status.FROZEN, Status.BLOCKED, Status.CLOSED},
    Status.FROZEN: {Status.ACTIVE, Status.CLOSED},
    Status.BLOCKED: {Status.ACTIVE, Status.CLOSED},
    Status.CLOSED: set(),
}
CLOSE_AT_ONCE = {Reason.LOST, Reason.STOLEN, Reason.COMPROMISED}
MAX_PAN_ATTEMPTS = 20


@dataclass(frozen=True)
class Actor:
    """Who asks for a change, and through which door."""

    channel: str
    user: User | None = None
    partner: Partner | None = None


SYSTEM = Actor(channel=CardStatusChange.Channel.SYSTEM)


@dataclass(frozen=True)
class IssuedCard:
    """A new card and its PAN, which exists in clear only in this object."""

    card: Card

    pan: str

    def __repr__(self) -> str:
        return f"IssuedCard(card={self.card.public_id}, pan=•••• {self.card.last_four})"


def _expiry(validity_years: int) -> tuple[int, int]:
    today = timezone.now().date()
    return today.month, today.year + validity_years


def _record(card: Card, *, to_status: str, reason: str, actor: Actor) -> None:
    previous = card.status
    card.status = to_status
    card.status_reason = reason
    card.status_changed_by = actor.channel
    CardStatusChange.objects.create(
        card=card,
        from_status=previous if previous != to_status else "",
        to_status=to_status,
        reason=reason,
        channel=actor.channel,
        actor=actor.user,
        partner=actor.partner,
    )
    event_publish(
        type="card.status_changed",
        aggregate_type="card",
        aggregate_id=str(card.public_id),
        payload={
            "card_id": str(card.public_id),
            "account_id": str(card.account.public_id),
            "from_status": previous,
            "to_status": to_status,
            "reason": reason,
            "channel": actor.channel,
        },
    )


def card_issue(
    *,
    account: CreditAccount,
    product: CardProduct,
    actor: Actor,
    activate: bool = False,
    replaces: Card | None = None,
) -> IssuedCard:
    """Issue a card with a fresh Luhn-valid PAN inside the product's BIN."""
    if account.currency != product.currency:
        raise InvalidInput.for_field(
            "product",
            f"The product is in {product.currency}, the account in {account.currency}.",
        )
    if account.status != CreditAccount.Status.ACTIVE:
        raise InvalidInput.for_field("account", f"The account is {account.status}.")
    bin_ = product.bin
    with transaction.atomic():
        for _ in range(MAX_PAN_ATTEMPTS):
            pan = pan_generate(bin_prefix=bin_.prefix, length=bin_.pan_length)
            fingerprint = pan_fingerprint(pan=pan)
            if not Card.objects.filter(pan_fingerprint=fingerprint).exists():
                break
        else:  # pragma: no cover - a full BIN range
            raise InvalidInput.for_field("product", "No free card numbers in the BIN.")
        month, year = _expiry(product.validity_years)
        card = Card(
            account=account,
            product=product,
            pan_fingerprint=fingerprint,
            last_four=pan_last_four(pan),
            expiry_month=month,
            expiry_year=year,
            replaces=replaces,
            per_transaction_limit=product.per_transaction_limit,
            daily_limit=product.daily_limit,
            monthly_limit=product.monthly_limit,
            is_ecommerce_enabled=product.is_ecommerce_enabled,
            is_atm_enabled=product.is_atm_enabled,
            is_contactless_enabled=product.is_contactless_enabled,
            blocked_mccs=list(product.blocked_mccs),
            blocked_countries=list(product.blocked_countries),
        )
        encrypted = pan_encrypt(pan=pan, context=str(card.public_id))
        card.pan_key_id = encrypted.key_id
        card.pan_ciphertext = encrypted.ciphertext
        card.save()
        _record(card, to_status=Status.INACTIVE, reason=Reason.ISSUED, actor=actor)
        card.save(update_fields=["status", "status_reason", "status_changed_by"])
        if activate:
            card_activate(card=card, actor=actor)
    return IssuedCard(card=card, pan=pan)


def _move(card: Card, *, to_status: str, reason: str, actor: Actor) -> Card:
    with transaction.atomic():
        locked = card_lock(card_id=card.pk)
        locked.account = card.account
        if to_status not in ALLOWED_MOVES[locked.status]:
            raise CardStateConflict(
                f"A {locked.status} card cannot become {to_status}.",
                fields={"status": [f"The card is {locked.status}."]},
            )
        _record(locked, to_status=to_status, reason=reason, actor=actor)
        if to_status == Status.ACTIVE:
            locked.cvv_failures = 0
        locked.save(
            update_fields=[
                "status",
                "status_reason",
                "status_changed_by",
                "cvv_failures",
            ]
        )
    for name in ("status", "status_reason", "status_changed_by", "cvv_failures"):
        setattr(card, name, getattr(locked, name))
    return card


def card_activate(*, card: Card, actor: Actor) -> Card:
    """Activate a new card; the card it replaces (if still open) closes now."""
    if card.status != Status.INACTIVE:
        raise CardStateConflict("Only an inactive card can be activated.")
    with transaction.atomic():
        _move(card, to_status=Status.ACTIVE, reason=Reason.ACTIVATED, actor=actor)
        old = card.replaces
        if old is not None and old.status != Status.CLOSED:
            _move(old, to_status=Status.CLOSED, reason=Reason.REPLACED, actor=actor)
    return card


def card_freeze(*, card: Card, reason: str, actor: Actor) -> Card:
    """Stop new authorizations; already approved ones may still clear."""
    return _move(card, to_status=Status.FROZEN, reason=reason, actor=actor)


def card_unfreeze(*, card: Card, actor: Actor) -> Card:
    if card.status not in (Status.FROZEN, Status.BLOCKED):
        raise CardStateConflict(f"A {card.status} card is not frozen.")
    return _move(
        card, to_status=Status.ACTIVE, reason=Reason.CARDHOLDER_REQUEST, actor=actor
    )


def card_block_for_cvv(*, card: Card) -> Card:
    return _move(
        card, to_status=Status.BLOCKED, reason=Reason.CVV_FAILURES, actor=SYSTEM
    )


def card_close(*, card: Card, reason: str, actor: Actor) -> Card:
    """Close for good: a closed card never reopens."""
    if reason not in Reason.values:
        raise InvalidInput.for_field("reason", f"Choose one of {Reason.values}.")
    return _move(card, to_status=Status.CLOSED, reason=reason, actor=actor)


def card_replace(*, card: Card, reason: str, actor: Actor) -> IssuedCard:
    """Issue a new card with a new PAN linked to the old one.

    Lost, stolen and compromised cards close at once; otherwise the old card
    works until the new one is activated.
    """
    if reason not in Reason.values:
        raise InvalidInput.for_field("reason", f"Choose one of {Reason.values}.")
    if hasattr(card, "replaced_by"):
        raise CardStateConflict("This card has already been replaced.")
    with transaction.atomic():
        if reason in CLOSE_AT_ONCE and card.status != Status.CLOSED:
            card_close(card=card, reason=reason, actor=actor)
        issued = card_issue(
            account=card.account, product=card.product, actor=actor, replaces=card
        )
        event_publish(
            type="card.replaced",
            aggregate_type="card",
            aggregate_id=str(card.public_id),
            payload={
                "card_id": str(card.public_id),
                "replacement_card_id": str(issued.card.public_id),
                "reason": reason,
            },
        )
    return issued


def expiry_is_past(*, card: Card, now: datetime.datetime) -> bool:
    return (card.expiry_year, card.expiry_month) < (now.year, now.month)
