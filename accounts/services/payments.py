"""Payments: credited as of receipt, spendable once settled, returned when
the bank sends them back.

A payment dated into a cycle that is already closed is credited on the
first day of the open cycle: closed statements never change.

Bounds (docs/money-bounds.md), all decided under the credit account's row
lock in the transaction that posts the money:
- a payment is at most what the account owes (its posted balance, pending
  payments already deducted) plus PAYMENT_CREDIT_BALANCE_ALLOWANCE;
- it lowers the balance at once but raises available credit only when it
  settles, PAYMENT_SETTLEMENT_DAYS after its receipt (the ledger counts it
  as an unsettled credit until then);
- a returned payment takes back exactly what it made available: nothing
  before it settled, its amount after.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from accounts.billing_terms import (
    PAYMENT,
    PAYMENT_RETURN,
    RETURNED_PAYMENT_FEE,
)
from accounts.chart import FEE_INCOME, PAYMENTS_CLEARING, program_account
from accounts.lock_objects import credit_account_lock
from accounts.models import CreditAccount, Payment, Statement
from accounts.selectors import credit_account_balance
from issuer.kernel.db import atomic_with_retry
from issuer.kernel.errors import Conflict, InvalidInput
from issuer.kernel.money import format_money, validate_amount
from issuer.kernel.outbox import event_publish
from ledger.services.credits import unsettled_credit_settle, unsettled_credit_withdraw
from ledger.services.entries import credit, debit, entry_post

logger = logging.getLogger(__name__)
SETTLEMENT_BATCH = 200


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
    _refuse_above_ceiling(locked, amount)
    received_at = received_at or timezone.now()
    settles_at = received_at + timedelta(days=settings.PAYMENT_SETTLEMENT_DAYS)
    open_from = _open_cycle_start(locked)
    if open_from is not None and received_at < open_from:
        received_at = open_from
    settles_at = max(settles_at, received_at)
    is_settled_now = settles_at <= received_at
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
        settles_at=None if is_settled_now else settles_at,
    )
    payment = Payment.objects.create(
        public_id=entry.public_id,
        account=locked,
        amount=amount,
        currency=locked.currency,
        source=source,
        received_at=entry.effective_at,
        settles_at=settles_at,
        settled_at=settles_at if is_settled_now else None,
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


def payment_ceiling(*, account: CreditAccount) -> int:
    """The largest payment the account takes now: what it owes (posted
    balance, pending payments already deducted) plus the credit-balance
    allowance; never below zero. Read it under the account's lock to decide."""
    balance = credit_account_balance(account=account)
    return max(balance.posted_balance + settings.PAYMENT_CREDIT_BALANCE_ALLOWANCE, 0)


def _refuse_above_ceiling(account: CreditAccount, amount: int) -> None:
    ceiling = payment_ceiling(account=account)
    if amount > ceiling:
        message = (
            f"A payment can be at most {format_money(ceiling, account.currency)} "
            f"{account.currency}: what the account owes plus the allowed credit "
            "balance."
        )
        raise InvalidInput(
            message, code="payment_above_balance", fields={"amount": [message]}
        )


@atomic_with_retry
def payment_settle(*, payment: Payment, settled_at: datetime | None = None) -> Payment:
    """Make a pending payment spendable; a no-op once settled or returned."""
    credit_account_lock(account_id=payment.account_id)
    locked = Payment.objects.select_for_update().get(pk=payment.pk)
    if locked.status != Payment.Status.POSTED or locked.settled_at is not None:
        return locked
    settled_at = settled_at or timezone.now()
    unsettled_credit_settle(entry=locked.entry, settled_at=settled_at)
    locked.settled_at = settled_at
    locked.save(update_fields=["settled_at"])
    return locked


def payments_settle_due(*, as_of: datetime | None = None) -> int:
    """Settle every payment whose settlement time has come by `as_of`, in
    batches, each payment in its own transaction; return how many.

    Idempotent: a settled or returned payment is skipped.
    """
    as_of = as_of or timezone.now()
    settled = 0
    last_pk = 0
    while True:
        batch = list(
            Payment.objects.filter(
                pk__gt=last_pk,
                status=Payment.Status.POSTED,
                settled_at__isnull=True,
                settles_at__lte=as_of,
            )
            .order_by("pk")
            .values_list("pk", flat=True)[:SETTLEMENT_BATCH]
        )
        if not batch:
            return settled
        for payment in Payment.objects.filter(pk__in=batch).order_by("pk"):
            result = payment_settle(payment=payment, settled_at=payment.settles_at)
            settled += int(result.settled_at is not None)
        last_pk = batch[-1]


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
    # Before it settled the payment made nothing available: withdrawing its
    # unsettled credit with the reversal leaves available credit unchanged.
    unsettled_credit_withdraw(entry=locked.entry, withdrawn_at=returned_at)
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
