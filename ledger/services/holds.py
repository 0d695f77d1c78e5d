"""Two-phase transfers: a hold is created pending, then posted, voided or expired."""

from datetime import datetime

from django.utils import timezone

from issuer.kernel.db import atomic_with_retry
from issuer.kernel.errors import InvalidInput
from issuer.kernel.money import validate_amount
from ledger.errors import HoldNotPending, IdempotencyMismatch, MixedCurrency
from ledger.lock_objects import hold_lock
from ledger.models import HoldRelease, JournalEntry, LedgerAccount, LedgerHold
from ledger.services.entries import credit, debit, record_entry
from ledger.totals import TotalsChange, apply_totals


@atomic_with_retry
def hold_create(
    *,
    debit_account: LedgerAccount,
    credit_account: LedgerAccount,
    amount: int,
    idempotency_key: str,
    expires_at: datetime,
    description: str = "",
    key_is_new: bool = False,
) -> LedgerHold:
    """Reserve `amount`: pending debit on one account, pending credit on the other.

    Refused with BoundExceeded when the debit account's bound would break.
    A key used before returns that hold (IdempotencyMismatch if it differs).
    `key_is_new`: the caller minted the key itself for this call (a fresh
    UUID), so no hold can have it and the look-up is skipped; the unique
    key still refuses a second hold with it (IntegrityError).
    """
    validate_amount(amount)
    if debit_account.currency != credit_account.currency:
        raise MixedCurrency.for_field(
            "currency", "Both accounts must share a currency."
        )
    existing = (
        None
        if key_is_new
        else LedgerHold.objects.filter(idempotency_key=idempotency_key).first()
    )
    if existing is not None:
        if (existing.debit_account_id, existing.credit_account_id, existing.amount) != (
            debit_account.pk,
            credit_account.pk,
            amount,
        ):
            raise IdempotencyMismatch(
                f"Idempotency key {idempotency_key!r} was used for another hold.",
                fields={"idempotency_key": ["Already used for a different hold."]},
            )
        return existing
    totals = TotalsChange()
    debit_shard = totals.add(debit_account, "debits_pending", amount)
    credit_shard = totals.add(credit_account, "credits_pending", amount)
    apply_totals(totals)
    return LedgerHold.objects.create(
        debit_account=debit_account,
        credit_account=credit_account,
        debit_shard=debit_shard,
        credit_shard=credit_shard,
        currency=debit_account.currency,
        amount=amount,
        pending_amount=amount,
        idempotency_key=idempotency_key,
        description=description,
        expires_at=expires_at,
    )


def _release_pending(hold: LedgerHold, amount: int, totals: TotalsChange) -> None:
    totals.add(hold.debit_account, "debits_pending", -amount, shard=hold.debit_shard)
    totals.add(hold.credit_account, "credits_pending", -amount, shard=hold.credit_shard)
    hold.pending_amount -= amount


def _close_if_spent(hold: LedgerHold, status_when_spent: str) -> None:
    if hold.pending_amount == 0:
        hold.status = status_when_spent
        hold.closed_at = timezone.now()


@atomic_with_retry
def hold_post(
    *,
    hold: LedgerHold,
    idempotency_key: str,
    kind: str,
    amount: int | None = None,
    final: bool = False,
    forced: bool = False,
    effective_at: datetime | None = None,
    description: str = "",
) -> JournalEntry:
    """Post (part of) a hold; may repeat; may exceed what is still held.

    The part above the pending amount is checked against the debit
    account's bound unless `forced` (network-forced clearing). `final`
    releases whatever is still pending after this posting.
    """
    existing = (
        JournalEntry.objects.filter(idempotency_key=idempotency_key)
        .select_related("hold")
        .first()
    )
    if existing is not None:
        if existing.hold_id != hold.pk:
            raise IdempotencyMismatch(
                f"Idempotency key {idempotency_key!r} was used for another posting.",
                fields={"idempotency_key": ["Already used for a different posting."]},
            )
        return existing
    [locked] = hold_lock(hold_ids=[hold.pk])
    if locked.status != LedgerHold.Status.PENDING:
        raise HoldNotPending(f"Hold {locked.public_id} is {locked.status}.")
    amount = locked.pending_amount if amount is None else validate_amount(amount)
    consumed = min(amount, locked.pending_amount)
    totals = TotalsChange()
    _release_pending(locked, consumed, totals)
    entry = record_entry(
        legs=[
            debit(locked.debit_account, amount),
            credit(locked.credit_account, amount),
        ],
        kind=kind,
        idempotency_key=idempotency_key,
        totals=totals,
        effective_at=effective_at,
        description=description or locked.description,
        hold=locked,
        is_forced=forced and amount > consumed,
    )
    if final and locked.pending_amount:
        HoldRelease.objects.create(
            hold=locked,
            amount=locked.pending_amount,
            reason=HoldRelease.Reason.FINAL_POST,
            idempotency_key=f"{idempotency_key}:release",
        )
        _release_pending(locked, locked.pending_amount, totals)
    apply_totals(totals, enforce_bounds=not forced)
    locked.posted_amount += amount
    _close_if_spent(locked, LedgerHold.Status.POSTED)
    locked.save(
        update_fields=["pending_amount", "posted_amount", "status", "closed_at"]
    )
    _copy_state(locked, into=hold)
    return entry


def _release(
    *,
    hold: LedgerHold,
    idempotency_key: str,
    amount: int | None,
    reason: HoldRelease.Reason,
) -> HoldRelease:
    existing = HoldRelease.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        if existing.hold_id != hold.pk:
            raise IdempotencyMismatch(
                f"Idempotency key {idempotency_key!r} was used for another release.",
                fields={"idempotency_key": ["Already used for a different release."]},
            )
        return existing
    [locked] = hold_lock(hold_ids=[hold.pk])
    if locked.status != LedgerHold.Status.PENDING:
        raise HoldNotPending(f"Hold {locked.public_id} is {locked.status}.")
    amount = locked.pending_amount if amount is None else validate_amount(amount)
    if amount > locked.pending_amount:
        raise InvalidInput.for_field(
            "amount", f"Only {locked.pending_amount} is still held."
        )
    totals = TotalsChange()
    _release_pending(locked, amount, totals)
    apply_totals(totals)
    release = HoldRelease.objects.create(
        hold=locked, amount=amount, reason=reason, idempotency_key=idempotency_key
    )
    if reason == HoldRelease.Reason.EXPIRY or locked.posted_amount == 0:
        spent_status = (
            LedgerHold.Status.EXPIRED
            if reason == HoldRelease.Reason.EXPIRY
            else LedgerHold.Status.VOIDED
        )
    else:
        spent_status = LedgerHold.Status.POSTED
    _close_if_spent(locked, spent_status)
    locked.save(update_fields=["pending_amount", "status", "closed_at"])
    _copy_state(locked, into=hold)
    return release


@atomic_with_retry
def hold_void(
    *, hold: LedgerHold, idempotency_key: str, amount: int | None = None
) -> HoldRelease:
    """Release (part of) what a hold still holds; all of it by default."""
    return _release(
        hold=hold,
        idempotency_key=idempotency_key,
        amount=amount,
        reason=HoldRelease.Reason.VOID,
    )


@atomic_with_retry
def hold_expire(*, hold: LedgerHold, idempotency_key: str) -> HoldRelease:
    """Release everything a stale hold still holds and mark it expired."""
    return _release(
        hold=hold,
        idempotency_key=idempotency_key,
        amount=None,
        reason=HoldRelease.Reason.EXPIRY,
    )


def _copy_state(source: LedgerHold, *, into: LedgerHold) -> None:
    for name in ("pending_amount", "posted_amount", "status", "closed_at"):
        setattr(into, name, getattr(source, name))
