"""Payments: credited as of receipt, returned when the bank sends them back.

A payment dated into a cycle that is already closed is credited on the
first day of the open cycle: closed statements never change.
"""

from datetime import datetime

from django.utils import timezone

from accounts.billing_terms import (
    PAYMENT,
    PAYMENT_RETURN,
    RETURNED_PAYMENT_FEE,
)
from accounts.chart import FEE_INCOME, PAYMENTS_CLEARING, program_account
from accounts.lock_objects import credit_account_lock
from accounts.models import CreditAccount, Payment, Statement
from issuer.kernel.db import atomic_with_retry
from issuer.kernel.errors import Conflict, InvalidInput
from issuer.kernel.money import validate_amount
from issuer.kernel.outbox import event_publish
from ledger.services.entries import credit, debit, entry_post


def _open_cycle_start(account: CreditAccount) -> datetime | None:
    """The latest statement's cut-off: where the open cycle starts."""
    return (
        Statement.objects.filter(account=account)
        .order_by("-period_end")
        .values_list("cutoff_at", flat=True)
        .first()
    )


@atomic_with_retry
def credit_account_payment_post(
    *,
    account: CreditAccount,
    amount: int,
    idempotency_key: str,
    received_at: datetime | None = None,
    source: str = Payment.Source.API,
    description: str = "Payment received",
) -> Payment:
    """Credit a payment to the account as of its receipt; once per key."""
    validate_amount(amount)
    if source not in Payment.Source.values:
        raise InvalidInput.for_field("source", f"One of {Payment.Source.values}.")
    locked = credit_account_lock(account_id=account.pk)
    existing = Payment.objects.filter(entry__idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    received_at = received_at or timezone.now()
    open_from = _open_cycle_start(locked)
    if open_from is not None and received_at < open_from:
        received_at = open_from
    entry = entry_post(
        legs=[
            debit(program_account(PAYMENTS_CLEARING, locked.currency), amount),
            credit(locked.receivable, amount),
        ],
        kind=PAYMENT,
        idempotency_key=idempotency_key,
        effective_at=received_at,
        description=description,
        external_ref=str(locked.public_id),
    )
    payment = Payment.objects.create(
        public_id=entry.public_id,
        account=locked,
        amount=amount,
        currency=locked.currency,
        source=source,
        received_at=entry.effective_at,
        entry=entry,
    )
    event_publish(
        type="payment.received",
        aggregate_type="account",
        aggregate_id=str(locked.public_id),
        payload={
            "payment_id": str(payment.public_id),
            "account_id": str(locked.public_id),
            "amount": amount,
            "currency": locked.currency,
            "received_at": entry.effective_at.isoformat(),
        },
    )
    return payment


@atomic_with_retry
def payment_return(
    *, payment: Payment, reason: str, returned_at: datetime | None = None
) -> Payment:
    """The bank sent a payment back: take the credit back and charge the fee.

    The reversal and the account's returned-payment fee post even over the
    limit (forced): the cardholder owes them either way.
    """
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput.for_field("reason", "Say why the payment came back.")
    account = credit_account_lock(account_id=payment.account_id)
    locked = Payment.objects.select_for_update().get(pk=payment.pk)
    if locked.status == Payment.Status.RETURNED:
        raise Conflict("This payment was already returned.")
    returned_at = max(returned_at or timezone.now(), locked.received_at)
    open_from = _open_cycle_start(account)
    if open_from is not None and returned_at < open_from:
        returned_at = open_from
    reversal = entry_post(
        legs=[
            debit(account.receivable, locked.amount),
            credit(program_account(PAYMENTS_CLEARING, account.currency), locked.amount),
        ],
        kind=PAYMENT_RETURN,
        idempotency_key=f"payment-return:{locked.public_id}",
        effective_at=returned_at,
        description=f"Payment returned: {reason}"[:255],
        external_ref=str(account.public_id),
        forced=True,
    )
    if account.returned_payment_fee > 0:
        entry_post(
            legs=[
                debit(account.receivable, account.returned_payment_fee),
                credit(
                    program_account(FEE_INCOME, account.currency),
                    account.returned_payment_fee,
                ),
            ],
            kind=RETURNED_PAYMENT_FEE,
            idempotency_key=f"fee-returned-payment:{locked.public_id}",
            effective_at=returned_at,
            description="Returned payment fee",
            external_ref=str(account.public_id),
            forced=True,
        )
    locked.status = Payment.Status.RETURNED
    locked.returned_at = returned_at
    locked.return_reason = reason[:255]
    locked.return_entry = reversal
    locked.save(
        update_fields=["status", "returned_at", "return_reason", "return_entry"]
    )
    event_publish(
        type="payment.returned",
        aggregate_type="account",
        aggregate_id=str(account.public_id),
        payload={
            "payment_id": str(locked.public_id),
            "account_id": str(account.public_id),
            "amount": locked.amount,
        },
    )
    return locked


@atomic_with_retry
def credit_account_autopay_set(
    *, account: CreditAccount, autopay: str
) -> CreditAccount:
    """Choose what the billing run pays on each due date (or turn it off)."""
    if autopay not in CreditAccount.Autopay.values:
        raise InvalidInput.for_field(
            "autopay", f"One of {CreditAccount.Autopay.values}."
        )
    locked = credit_account_lock(account_id=account.pk)
    if locked.autopay != autopay:
        locked.autopay = autopay
        locked.save(update_fields=["autopay"])
        event_publish(
            type="account.autopay_changed",
            aggregate_type="account",
            aggregate_id=str(locked.public_id),
            payload={"account_id": str(locked.public_id), "autopay": autopay},
        )
    return locked
