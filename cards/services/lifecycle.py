"""Issuing cards and moving them through their lifecycle.

inactive -> active <-> frozen -> closed; active -> blocked (consecutive CVV
or expiry failures) -> active; any open status -> closed. A closed card
never reopens. Each move is recorded in CardStatusChange and published as
card.status_changed.

Who may lift what: every freeze or block has an owner (`Card.block_owner`),
fixed by the side that placed it; `LIFT_RULES` names the sides that may lift
each owner's. The API, the portal, the admin and the fraud services all
freeze and lift through `card_freeze` / `card_unfreeze` here, so one table
decides for all of them. A refusal changes nothing. The failure counter is
reset only when the security block itself is lifted (or a CVV matches).
"""

import datetime
import enum
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from accounts.models import Cardholder, CreditAccount, Partner, User
from accounts.selectors import partner_may_reach
from cards.errors import CardNotFound, CardStateConflict
from cards.lock_objects import card_lock
from cards.models import Card, CardProduct, CardStatusChange
from cards.security import pan_encrypt, pan_fingerprint, pan_generate, pan_last_four
from issuer.kernel.audit import audit_record
from issuer.kernel.errors import Forbidden, InvalidInput
from issuer.kernel.models import AuditEvent
from issuer.kernel.outbox import event_publish

Status = Card.Status
Reason = CardStatusChange.Reason
Owner = Card.BlockOwner

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


class Side(enum.StrEnum):
    """Who asks to freeze or lift, as `LIFT_RULES` knows them."""

    CARDHOLDER = "cardholder"  # the portal, on the cardholder's own card
    PARTNER = "partner"  # the API, a partner whose reach holds the card
    STAFF = "staff"  # the admin, with cards.freeze_card
    SECURITY_STAFF = "security_staff"  # the admin, with cards.lift_card_block
    FRAUD_CASE = "fraud_case"  # a review case decided legitimate
    SYSTEM = "system"  # fraud detection and card security, in process


# Owner -> the sides that may lift its freeze or block. Staff lifts need a
# written note and are audited.
LIFT_RULES: dict[str, frozenset[Side]] = {
    Owner.CARDHOLDER: frozenset({Side.CARDHOLDER, Side.STAFF, Side.SECURITY_STAFF}),
    Owner.PARTNER: frozenset({Side.PARTNER, Side.STAFF, Side.SECURITY_STAFF}),
    Owner.ISSUER: frozenset({Side.SECURITY_STAFF}),
    Owner.FRAUD: frozenset({Side.SECURITY_STAFF, Side.FRAUD_CASE}),
    Owner.SECURITY: frozenset({Side.SECURITY_STAFF}),
}
# Side -> the owner of the freeze it places.
FREEZE_OWNER: dict[Side, str] = {
    Side.CARDHOLDER: Owner.CARDHOLDER,
    Side.PARTNER: Owner.PARTNER,
    Side.STAFF: Owner.ISSUER,
    Side.SECURITY_STAFF: Owner.ISSUER,
    Side.SYSTEM: Owner.FRAUD,
}
# A stronger owner's freeze takes over a frozen card (lifting it then needs
# the stronger owner's side); a weaker or equal one is refused.
FREEZE_RANK: dict[str, int] = {
    Owner.CARDHOLDER: 1,
    Owner.PARTNER: 1,
    Owner.ISSUER: 2,
    Owner.FRAUD: 3,
}
STAFF_SIDES = frozenset({Side.STAFF, Side.SECURITY_STAFF})
LIFT_PERMISSION = "cards.lift_card_block"
FREEZE_PERMISSION = "cards.freeze_card"


def actor_side(*, actor: Actor, card: Card) -> Side | None:
    """The side `actor` speaks for on `card`, or None (it may do nothing).

    A partner speaks only for cards in its reach (its own program's; the
    issuer's own only for the issuer's servicer); staff only with a card
    permission.
    """
    channel = CardStatusChange.Channel
    if actor.channel in (channel.PORTAL, channel.API):
        # Read afresh: who holds the card and in which program, never a
        # cached instance's guess.
        holder = Cardholder.objects.get(pk=card.account.cardholder_id)
        if actor.channel == channel.PORTAL:
            is_holder = (
                actor.user is not None
                and actor.user.pk is not None
                and holder.user_id == actor.user.pk
            )
            return Side.CARDHOLDER if is_holder else None
        if actor.partner is not None and partner_may_reach(
            partner=actor.partner, cardholder=holder
        ):
            return Side.PARTNER
        return None
    if actor.channel == channel.ADMIN:
        if actor.user is None:
            return None
        if actor.user.has_perm(LIFT_PERMISSION):
            return Side.SECURITY_STAFF
        if actor.user.has_perm(FREEZE_PERMISSION):
            return Side.STAFF
        return None
    return Side.SYSTEM


def lift_sides(*, owner: str) -> frozenset[Side]:
    return LIFT_RULES.get(owner, frozenset())


def may_lift(*, card: Card, actor: Actor) -> bool:
    """Whether `actor` may lift `card`'s freeze or block (for showing a button)."""
    side = actor_side(actor=actor, card=card)
    return side is not None and side in lift_sides(owner=card.block_owner)


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


def _record(
    card: Card,
    *,
    to_status: str,
    reason: str,
    actor: Actor,
    owner: str = "",
    note: str = "",
) -> None:
    previous = card.status
    lifted_owner = card.block_owner
    card.status = to_status
    card.status_reason = reason
    card.status_changed_by = actor.channel
    card.block_owner = owner
    CardStatusChange.objects.create(
        card=card,
        from_status=previous if previous != to_status else "",
        to_status=to_status,
        reason=reason,
        channel=actor.channel,
        actor=actor.user,
        partner=actor.partner,
        block_owner=owner or lifted_owner,
        note=note,
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


MOVED_FIELDS = (
    "status",
    "status_reason",
    "status_changed_by",
    "block_owner",
    "verification_failures",
)


def _move(
    card: Card,
    *,
    to_status: str,
    reason: str,
    actor: Actor,
    owner: str = "",
    note: str = "",
    check: Callable[[Card], None] | None = None,
) -> Card:
    """Move `card` under its row lock; `check` may refuse on the locked row."""
    with transaction.atomic():
        locked = card_lock(card_id=card.pk)
        locked.account = card.account
        if check is not None:
            check(locked)
        is_refreeze = locked.status == to_status == Status.FROZEN
        if to_status not in ALLOWED_MOVES[locked.status] and not is_refreeze:
            raise CardStateConflict(
                f"A {locked.status} card cannot become {to_status}.",
                fields={"status": [f"The card is {locked.status}."]},
            )
        if locked.block_owner == Owner.SECURITY and to_status == Status.ACTIVE:
            locked.verification_failures = 0  # only the owner's lift resets it
        _record(
            locked,
            to_status=to_status,
            reason=reason,
            actor=actor,
            owner=owner,
            note=note,
        )
        locked.save(update_fields=list(MOVED_FIELDS))
    for name in MOVED_FIELDS:
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


def _side_or_refuse(*, actor: Actor, card: Card) -> Side:
    side = actor_side(actor=actor, card=card)
    if side is None:
        if actor.channel == CardStatusChange.Channel.API:
            raise CardNotFound("No card with this id.")
        raise Forbidden("You may not change this card.")
    return side


def card_freeze(
    *, card: Card, reason: str, actor: Actor, owner: str | None = None
) -> Card:
    """Stop new authorizations; already approved ones may still clear.

    The freeze belongs to the side that placed it (`FREEZE_OWNER`), or to
    `owner` when the system places it (fraud detection). A stronger owner's
    freeze takes over a frozen card; any other freeze of a frozen card is
    refused.
    """
    side = _side_or_refuse(actor=actor, card=card)
    new_owner = owner if side == Side.SYSTEM and owner else FREEZE_OWNER[side]

    def check(locked: Card) -> None:
        if locked.status != Status.FROZEN:
            return
        if FREEZE_RANK[new_owner] <= FREEZE_RANK[locked.block_owner]:
            raise CardStateConflict(
                "The card is already frozen.",
                fields={"status": ["The card is frozen."]},
            )

    return _move(
        card,
        to_status=Status.FROZEN,
        reason=reason,
        actor=actor,
        owner=new_owner,
        check=check,
    )


def _lift(*, card: Card, actor: Actor, side: Side, note: str) -> Card:
    note = note.strip()
    if side in STAFF_SIDES and not note:
        raise InvalidInput.for_field("note", "Say why the block is lifted.")

    lifted: list[str] = []

    def check(locked: Card) -> None:
        if locked.status not in (Status.FROZEN, Status.BLOCKED):
            raise CardStateConflict(f"A {locked.status} card is not frozen.")
        if side not in lift_sides(owner=locked.block_owner):
            owner_label = Owner(locked.block_owner).label.lower()
            raise Forbidden(
                f"Only its owner's side may lift this card's block "
                f"(placed by {owner_label}).",
                fields={"status": [f"Blocked by {owner_label}."]},
            )
        lifted.append(locked.block_owner)

    reason = (
        Reason.CARDHOLDER_REQUEST if side == Side.CARDHOLDER else Reason.ISSUER_REQUEST
    )
    with transaction.atomic():
        _move(
            card,
            to_status=Status.ACTIVE,
            reason=reason,
            actor=actor,
            note=note,
            check=check,
        )
        if side in STAFF_SIDES:
            audit_record(
                action=AuditEvent.Action.ADMIN_ACTION,
                actor=actor.user,
                target=card,
                details={
                    "action": "card_block_lift",
                    "block_owner": lifted[0],
                    "note": note,
                },
            )
    return card


def card_unfreeze(*, card: Card, actor: Actor, note: str = "") -> Card:
    """Lift the card's freeze or block, if `LIFT_RULES` lets the actor's side
    lift its owner's; staff say why in `note`. A refusal changes nothing."""
    side = _side_or_refuse(actor=actor, card=card)
    return _lift(card=card, actor=actor, side=side, note=note)


def card_fraud_freeze_release(*, card: Card, actor: Actor, case_id: str) -> Card:
    """Lift a fraud detection freeze because its review case was decided
    legitimate; any other owner's freeze or block stays."""
    return _lift(
        card=card,
        actor=actor,
        side=Side.FRAUD_CASE,
        note=f"Review case {case_id} decided legitimate.",
    )


def card_block_for_failures(*, card: Card) -> Card:
    """Block a card after consecutive CVV or expiry failures (the caller
    holds its row lock and has counted them)."""
    return _move(
        card,
        to_status=Status.BLOCKED,
        reason=Reason.CVV_FAILURES,
        actor=SYSTEM,
        owner=Owner.SECURITY,
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


card_block_for_cvv = card_block_for_failures  # the name before expiry counted too
