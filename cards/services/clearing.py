"""After the decision: captures (clearing), reversals, refunds and expiry.

Bounds (docs/money-bounds.md), each decided under the credit account's row
lock in the transaction that moves the money, so concurrency cannot pass it:
- an authorization's captures total at most its amount plus its card
  product's over-capture tolerance (a larger one for the tip, fuel, hotel
  and car-rental categories); beyond that a capture is refused;
- a capture is taken only while the authorization is capturable (not fully
  reversed, not expired); afterwards only through the explicit force-post
  path (`force=True`): bounded by the same tolerance, flagged on the
  capture and audited;
- a linked refund is at most what was captured and not yet credited; an
  unlinked refund (no authorization) comes only from an acquirer or a
  processor and is at most UNLINKED_REFUND_MAX_AMOUNT, and a card's unlinked
  refunds in one UTC day at most UNLINKED_REFUND_DAILY_MAX_PER_CARD.
A refused capture or refund changes nothing. A capture past the hold within
the tolerance, and a clearing with no authorization at all, are posted as
forced (the network has already paid the merchant) and flagged for review.
"""

import datetime
import logging
import uuid

from django.conf import settings
from django.db.models import F, QuerySet, Sum
from django.utils import timezone

from accounts.chart import MERCHANT_SETTLEMENT, program_account
from accounts.lock_objects import credit_account_lock
from accounts.models import Partner
from cards.errors import NothingHeld
from cards.lock_objects import authorization_lock
from cards.models import (
    DISPUTE_OPEN_STATUSES,
    Authorization,
    Capture,
    Card,
    CardProduct,
    Dispute,
    Refund,
)
from cards.services.activity import activity_release
from issuer.kernel.audit import audit_record
from issuer.kernel.db import atomic_with_retry
from issuer.kernel.errors import Forbidden, InvalidInput
from issuer.kernel.models import AuditEvent
from issuer.kernel.money import validate_amount
from issuer.kernel.outbox import event_publish
from ledger.lock_objects import hold_lock
from ledger.models import LedgerHold
from ledger.services.entries import credit, debit, entry_post
from ledger.services.holds import hold_expire, hold_post, hold_void

logger = logging.getLogger(__name__)
EXPIRY_BATCH = 200


def _publish_cleared(capture: Capture) -> None:
    event_publish(
        type="transaction.cleared",
        aggregate_type="authorization" if capture.authorization_id else "card",
        aggregate_id=str(
            capture.authorization.public_id
            if capture.authorization
            else capture.card.public_id
        ),
        payload={
            "capture_id": str(capture.public_id),
            "authorization_id": (
                str(capture.authorization.public_id) if capture.authorization else None
            ),
            "card_id": str(capture.card.public_id),
            "amount": capture.amount,
            "currency": capture.currency,
            "is_over_capture": capture.is_over_capture,
            "is_after_expiry": capture.is_after_expiry,
            "is_without_authorization": capture.is_without_authorization,
            "is_forced_post": capture.is_forced_post,
        },
    )


def capture_ceiling(*, authorization: Authorization, product: CardProduct) -> int:
    """The most an authorization's captures may total: its amount plus the
    product's over-capture tolerance (the larger one for its listed MCCs)."""
    bps = (
        product.over_capture_mcc_tolerance_bps
        if authorization.mcc in product.over_capture_mccs
        else product.over_capture_tolerance_bps
    )
    # A partial approval (the card program approved less) bounds captures
    # by what was approved, not by what was asked.
    base = authorization.approved_amount or authorization.amount
    return base + base * bps // 10_000


def _is_capturable(hold: LedgerHold, now: datetime.datetime) -> bool:
    """Not fully reversed, not expired (by the sweeper or by the clock)."""
    if hold.status in (LedgerHold.Status.VOIDED, LedgerHold.Status.EXPIRED):
        return False
    return not (hold.status == LedgerHold.Status.PENDING and hold.expires_at <= now)


@atomic_with_retry
def authorization_capture(
    *,
    authorization: Authorization,
    amount: int | None = None,
    final: bool = False,
    force: bool = False,
) -> Capture:
    """Post (part of) an approved authorization; may repeat or exceed the hold
    within the product's over-capture tolerance.

    A frozen or closed card still clears what was approved before. Once the
    authorization is fully reversed or expired only `force` posts (flagged,
    audited, within the same tolerance); otherwise the capture is refused.
    """
    if authorization.status != Authorization.Status.APPROVED:
        raise InvalidInput.for_field(
            "authorization_id", "A declined authorization cannot be captured."
        )
    assert authorization.account_id is not None
    credit_account_lock(account_id=authorization.account_id)
    locked = authorization_lock(authorization_id=authorization.pk)
    hold, account, card = locked.hold, locked.account, locked.card
    assert hold is not None and account is not None and card is not None
    now = timezone.now()
    is_capturable = _is_capturable(hold, now)
    if not is_capturable and not force:
        raise InvalidInput(
            f"The authorization is {_why_not_capturable(hold, now)}: it can no "
            "longer be captured. A network-forced clearing goes through the "
            "force-post path (force: true).",
            code="not_capturable",
            fields={"force": ["Required: the authorization is no longer capturable."]},
        )
    if is_capturable:
        force = False  # nothing to force: an ordinary capture
    still_held = hold.pending_amount if hold.status == LedgerHold.Status.PENDING else 0
    if not is_capturable:
        still_held = 0
    amount = still_held if amount is None else validate_amount(amount)
    if amount == 0:
        raise InvalidInput.for_field(
            "amount", "Nothing is held any more; give the amount to capture."
        )
    ceiling = capture_ceiling(
        authorization=locked, product=CardProduct.objects.get(pk=card.product_id)
    )
    if locked.captured_amount + amount > ceiling:
        room = max(ceiling - locked.captured_amount, 0)
        message = (
            f"At most {room} more can be captured: the authorization's "
            f"{locked.approved_amount or locked.amount} plus the product's "
            "over-capture tolerance."
        )
        raise InvalidInput(
            message, code="over_capture_tolerance", fields={"amount": [message]}
        )
    if force and hold.status == LedgerHold.Status.PENDING:
        # Expired by the clock but not yet swept: release it as the sweeper
        # would (same key), then force-post.
        _expire_one(hold)
        hold.refresh_from_db()
    public_id = uuid.uuid4()
    key = f"capture:{public_id}"
    if still_held:
        entry = hold_post(
            hold=hold,
            amount=amount,
            idempotency_key=key,
            kind="purchase",
            final=final,
            forced=True,
            description=locked.merchant_name or locked.merchant_id,
        )
    else:
        entry = entry_post(
            legs=[
                debit(account.receivable, amount),
                credit(program_account(MERCHANT_SETTLEMENT, locked.currency), amount),
            ],
            kind="purchase",
            idempotency_key=key,
            description=locked.merchant_name or locked.merchant_id,
            external_ref=str(locked.public_id),
            forced=True,
        )
    capture = Capture.objects.create(
        public_id=public_id,
        authorization=locked,
        card=card,
        partner=locked.partner,
        amount=amount,
        currency=locked.currency,
        entry=entry,
        is_over_capture=amount > still_held
        and hold.status != LedgerHold.Status.EXPIRED,
        is_after_expiry=hold.status == LedgerHold.Status.EXPIRED,
        is_forced_post=force,
    )
    released = still_held - min(amount, still_held) if final else 0
    Authorization.objects.filter(pk=locked.pk).update(
        captured_amount=F("captured_amount") + amount,
        reversed_amount=F("reversed_amount") + released,
    )
    authorization.captured_amount = locked.captured_amount + amount
    authorization.reversed_amount = locked.reversed_amount + released
    _uncount(locked, released)
    if force:
        audit_record(
            action=AuditEvent.Action.FORCE_POST,
            actor_username=f"partner:{locked.partner.name}" if locked.partner else "",
            target=capture,
            details={
                "authorization_id": str(locked.public_id),
                "amount": amount,
                "currency": locked.currency,
                "hold_status": hold.status,
                "captured_before": locked.captured_amount,
                "ceiling": ceiling,
            },
        )
    _publish_cleared(capture)
    return capture


def _why_not_capturable(hold: LedgerHold, now: datetime.datetime) -> str:
    if hold.status == LedgerHold.Status.VOIDED:
        return "fully reversed"
    return "expired"


@atomic_with_retry
def force_capture(
    *,
    card: Card,
    amount: int,
    currency: str,
    merchant_id: str,
    merchant_name: str,
    partner: Partner | None,
) -> Capture:
    """Post a clearing that arrived without any authorization (force post).

    Bounded like an unlinked refund: at most UNAUTHORIZED_CAPTURE_MAX_AMOUNT
    each and UNAUTHORIZED_CAPTURE_DAILY_MAX_PER_CARD a card a UTC day,
    decided under the account's lock; flagged and audited.
    """
    validate_amount(amount)
    if currency != card.account.currency:
        raise InvalidInput.for_field("currency", "Not the card's currency.")
    account = credit_account_lock(account_id=card.account_id)
    _refuse_above_maxima(
        amount=amount,
        per_item=settings.UNAUTHORIZED_CAPTURE_MAX_AMOUNT,
        daily=settings.UNAUTHORIZED_CAPTURE_DAILY_MAX_PER_CARD,
        today=Capture.objects.filter(card=card, is_without_authorization=True),
        what="A capture without an authorization",
        code="capture_above_maximum",
    )
    public_id = uuid.uuid4()
    entry = entry_post(
        legs=[
            debit(account.receivable, amount),
            credit(program_account(MERCHANT_SETTLEMENT, currency), amount),
        ],
        kind="purchase",
        idempotency_key=f"capture:{public_id}",
        description=merchant_name or merchant_id,
        external_ref=merchant_id,
        forced=True,
    )
    capture = Capture.objects.create(
        public_id=public_id,
        card=card,
        partner=partner,
        amount=amount,
        currency=currency,
        entry=entry,
        is_without_authorization=True,
    )
    audit_record(
        action=AuditEvent.Action.FORCE_POST,
        actor_username=f"partner:{partner.name}" if partner else "",
        target=capture,
        details={"amount": amount, "currency": currency, "merchant_id": merchant_id},
    )
    _publish_cleared(capture)
    return capture


@atomic_with_retry
def authorization_reverse(
    *, authorization: Authorization, amount: int | None = None
) -> Authorization:
    """Release (part of) what the authorization still holds."""
    if authorization.status != Authorization.Status.APPROVED:
        raise NothingHeld("A declined authorization holds nothing.")
    assert authorization.account_id is not None
    credit_account_lock(account_id=authorization.account_id)
    locked = authorization_lock(authorization_id=authorization.pk)
    hold = locked.hold
    assert hold is not None
    if hold.status != LedgerHold.Status.PENDING:
        raise NothingHeld(f"Nothing is held any more (the hold is {hold.status}).")
    if amount is not None:
        validate_amount(amount)
    release = hold_void(
        hold=hold, amount=amount, idempotency_key=f"reversal:{uuid.uuid4()}"
    )
    Authorization.objects.filter(pk=locked.pk).update(
        reversed_amount=F("reversed_amount") + release.amount
    )
    locked.reversed_amount += release.amount
    _uncount(locked, release.amount)
    _publish_released(locked, "authorization.reversed", release.amount)
    return locked


def _uncount(authorization: Authorization, released: int) -> None:
    """A released amount stops counting against the spending windows."""
    if released and authorization.card_id and authorization.account_id:
        activity_release(
            card_id=authorization.card_id,
            account_id=authorization.account_id,
            amount=released,
            at=authorization.created_at,
        )


def _publish_released(authorization: Authorization, type: str, amount: int) -> None:
    event_publish(
        type=type,
        aggregate_type="authorization",
        aggregate_id=str(authorization.public_id),
        payload={
            "authorization_id": str(authorization.public_id),
            "card_id": str(authorization.card.public_id)
            if authorization.card
            else None,
            "amount": amount,
            "currency": authorization.currency,
        },
    )


def _credited_by_disputes(*, authorization_id: int) -> int:
    """What disputes already credited for the authorization's captures (open or
    won): a refund of the same money would credit the cardholder twice."""
    total = Dispute.objects.filter(
        capture__authorization_id=authorization_id,
        status__in=[*DISPUTE_OPEN_STATUSES, Dispute.Status.WON],
    ).aggregate(total=Sum("amount"))["total"]
    return int(total or 0)


UNLINKED_REFUND_SENDERS = (Partner.Kind.ACQUIRER, Partner.Kind.PROCESSOR)


def unlinked_refund_sender_check(*, partner: Partner | None) -> None:
    """Only the merchant's side of the network may credit a card without an
    authorization; a program manager (the cardholder's side) may not. Staff
    (no partner) may."""
    if partner is not None and partner.kind not in UNLINKED_REFUND_SENDERS:
        raise Forbidden(
            "Only acquirers and processors may send a refund without an authorization.",
            code="unlinked_refund_not_allowed",
            fields={"authorization_id": ["Required for this partner."]},
        )


def _refuse_above_maxima(
    *,
    amount: int,
    per_item: int,
    daily: int,
    today: "QuerySet[Capture] | QuerySet[Refund]",
    what: str,
    code: str,
) -> None:
    """Per item and per card per UTC day; call under the account's lock.

    `today`: the card's movements of this kind (filtered here to today)."""
    if amount > per_item:
        message = f"{what} is at most {per_item}."
        raise InvalidInput(message, code=code, fields={"amount": [message]})
    day_start = (
        timezone.now()
        .astimezone(datetime.UTC)
        .replace(hour=0, minute=0, second=0, microsecond=0)
    )
    so_far = (
        today.filter(created_at__gte=day_start).aggregate(total=Sum("amount"))["total"]
        or 0
    )
    if so_far + amount > daily:
        message = (
            f"{what} to this card is at most {daily} a day; "
            f"{max(daily - so_far, 0)} is left today."
        )
        raise InvalidInput(
            message,
            code=code.replace("_maximum", "_daily_maximum"),
            fields={"amount": [message]},
        )


def _refuse_unlinked_refund_above_maxima(*, card: Card, amount: int) -> None:
    """Per refund and per card per UTC day; call under the account's lock."""
    _refuse_above_maxima(
        amount=amount,
        per_item=settings.UNLINKED_REFUND_MAX_AMOUNT,
        daily=settings.UNLINKED_REFUND_DAILY_MAX_PER_CARD,
        today=Refund.objects.filter(card=card, authorization__isnull=True),
        what="An unlinked refund",
        code="refund_above_maximum",
    )


@atomic_with_retry
def refund_create(
    *,
    card: Card,
    amount: int,
    currency: str,
    partner: Partner | None,
    authorization: Authorization | None = None,
    merchant_id: str = "",
    merchant_name: str = "",
) -> Refund:
    """Credit the cardholder; a linked refund is capped at what was captured and
    not already credited by a refund or a dispute; an unlinked one comes only
    from an acquirer or a processor and stays within the configured maxima
    (decided under the account's lock, which serialises the card's refunds).
    """
    validate_amount(amount)
    if currency != card.account.currency:
        raise InvalidInput.for_field("currency", "Not the card's currency.")
    if authorization is None:
        unlinked_refund_sender_check(partner=partner)
    account = credit_account_lock(account_id=card.account_id)
    if authorization is None:
        _refuse_unlinked_refund_above_maxima(card=card, amount=amount)
    if authorization is not None:
        locked = authorization_lock(authorization_id=authorization.pk)
        refundable = (
            locked.captured_amount
            - locked.refunded_amount
            - _credited_by_disputes(authorization_id=locked.pk)
        )
        if amount > refundable:
            raise InvalidInput.for_field(
                "amount", f"Only {refundable} of this authorization can be refunded."
            )
        Authorization.objects.filter(pk=locked.pk).update(
            refunded_amount=F("refunded_amount") + amount
        )
        merchant_id = merchant_id or locked.merchant_id
        merchant_name = merchant_name or locked.merchant_name
    public_id = uuid.uuid4()
    entry = entry_post(
        legs=[
            debit(program_account(MERCHANT_SETTLEMENT, currency), amount),
            credit(account.receivable, amount),
        ],
        kind="refund",
        idempotency_key=f"refund:{public_id}",
        description=merchant_name or merchant_id or "Refund",
        external_ref=str(authorization.public_id) if authorization else merchant_id,
    )
    refund = Refund.objects.create(
        public_id=public_id,
        authorization=authorization,
        card=card,
        partner=partner,
        amount=amount,
        currency=currency,
        merchant_id=merchant_id,
        merchant_name=merchant_name,
        entry=entry,
    )
    event_publish(
        type="transaction.refunded",
        aggregate_type="card",
        aggregate_id=str(card.public_id),
        payload={
            "refund_id": str(refund.public_id),
            "authorization_id": str(authorization.public_id) if authorization else None,
            "card_id": str(card.public_id),
            "amount": amount,
            "currency": currency,
        },
    )
    return refund


def stale_holds_expire(*, now: datetime.datetime | None = None) -> int:
    """Expire pending holds past their expiry, in batches; return how many.

    A hold whose authorization still awaits its card program's decision is
    left to that decision (or to the stale-decision sweeper's default): only
    one of the two may release it."""
    now = now or timezone.now()
    awaiting_program = Authorization.objects.filter(
        status=Authorization.Status.PENDING, hold__isnull=False
    ).values("hold_id")
    expired = 0
    while True:
        batch = list(
            LedgerHold.objects.filter(
                status=LedgerHold.Status.PENDING, expires_at__lte=now
            )
            .exclude(pk__in=awaiting_program)
            .order_by("pk")
            .values_list("pk", flat=True)[:EXPIRY_BATCH]
        )
        if not batch:
            return expired
        for hold in LedgerHold.objects.filter(pk__in=batch):
            expired += _expire_one(hold)


@atomic_with_retry
def _expire_one(hold: LedgerHold) -> bool:
    """Expire one hold; its authorization shows the release as reversed and
    stops counting it, under the account lock like every other release.

    The hold is re-read under its lock: one a parallel sweep or a forced
    capture expired meanwhile (or that was voided or posted) is left alone,
    so a release is counted off the windows once only."""
    authorization = (
        Authorization.objects.select_related("card").filter(hold=hold).first()
    )
    if authorization is not None and authorization.account_id is not None:
        credit_account_lock(account_id=authorization.account_id)
    (hold,) = hold_lock(hold_ids=[hold.pk])
    if hold.status != LedgerHold.Status.PENDING:
        return False
    release = hold_expire(hold=hold, idempotency_key=f"expiry:{hold.public_id}")
    if authorization is not None:
        Authorization.objects.filter(pk=authorization.pk).update(
            reversed_amount=F("reversed_amount") + release.amount
        )
        authorization.reversed_amount += release.amount
        _uncount(authorization, release.amount)
        _publish_released(authorization, "authorization.expired", release.amount)
    return True
