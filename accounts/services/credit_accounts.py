"""Cardholders, credit accounts, limits, holds and payments."""

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.billing_terms import validate_time_zone
from accounts.chart import MERCHANT_SETTLEMENT, program_account
from accounts.errors import AccountNotActive, InsufficientCredit
from accounts.lock_objects import (
    LockedCredit,
    credit_account_lock_with_balance,
)
from accounts.models import (
    Cardholder,
    CreditAccount,
    CreditLimitChange,
    Partner,
    User,
)
from issuer.kernel.db import atomic_with_retry
from issuer.kernel.errors import InvalidInput
from issuer.kernel.money import (
    MAX_AMOUNT,
    format_money,
    validate_amount,
    validate_currency,
)
from ledger.models import LedgerAccount, LedgerHold
from ledger.services.accounts import ledger_account_create, ledger_account_limit_set
from ledger.services.holds import hold_create


def cardholder_create(
    *,
    first_name: str,
    last_name: str,
    date_of_birth: date,
    address_line1: str,
    city: str,
    postal_code: str,
    country: str,
    email: str,
    phone: str,
    address_line2: str = "",
    user: User | None = None,
    program_partner: Partner | None = None,
) -> Cardholder:
    required = {
        "first_name": first_name,
        "last_name": last_name,
        "address_line1": address_line1,
        "city": city,
        "postal_code": postal_code,
        "email": email,
        "phone": phone,
    }
    missing = {
        name: ["This field is required."] for name, v in required.items() if not v
    }
    if missing:
        raise InvalidInput("Missing cardholder details.", fields=missing)
    if len(country) != 2 or not country.isalpha():
        raise InvalidInput.for_field("country", "Use an ISO 3166 alpha-2 code.")
    if date_of_birth >= timezone.now().date():
        raise InvalidInput.for_field("date_of_birth", "Must be in the past.")
    return Cardholder.objects.create(
        user=user,
        program_partner=program_partner,
        first_name=first_name,
        last_name=last_name,
        date_of_birth=date_of_birth,
        address_line1=address_line1,
        address_line2=address_line2,
        city=city,
        postal_code=postal_code,
        country=country.upper(),
        email=email,
        phone=phone,
    )


def _validate_limit(credit_limit: object) -> int:
    if isinstance(credit_limit, bool) or not isinstance(credit_limit, int):
        raise InvalidInput.for_field(
            "credit_limit", "Must be an integer in minor units."
        )
    if credit_limit < 0:
        raise InvalidInput.for_field("credit_limit", "Must be zero or more.")
    if credit_limit > MAX_AMOUNT:
        raise InvalidInput.for_field("credit_limit", f"Must be at most {MAX_AMOUNT}.")
    return credit_limit


def credit_account_open(
    *,
    cardholder: Cardholder,
    credit_limit: int,
    currency: str,
    apr_bps: int,
    billing_cycle_day: int,
    late_fee: int = 0,
    returned_payment_fee: int = 0,
    billing_time_zone: str = "",
) -> CreditAccount:
    """Open a credit line with its bounded receivable in the ledger.

    The fees are the line's pricing (usually its card product's), in minor
    units. `billing_time_zone` (usually its card product's; empty: the
    BILLING_TIME_ZONE setting) is the zone whose days its cycles count in;
    the line keeps it for life, so no cut-off ever moves.
    """
    billing_time_zone = validate_time_zone(
        billing_time_zone or settings.BILLING_TIME_ZONE
    )
    _validate_limit(credit_limit)
    for field, fee in (
        ("late_fee", late_fee),
        ("returned_payment_fee", returned_payment_fee),
    ):
        if fee < 0:
            raise InvalidInput.for_field(field, "Must be zero or more.")
    validate_currency(currency)
    if not 1 <= billing_cycle_day <= 28:
        raise InvalidInput.for_field("billing_cycle_day", "Must be 1 to 28.")
    if not 0 <= apr_bps <= 10_000:
        raise InvalidInput.for_field("apr_bps", "Must be 0 to 10000 basis points.")
    public_id = uuid.uuid4()
    with transaction.atomic():
        receivable = ledger_account_create(
            code=f"receivable:{public_id}",
            name=f"Receivable {cardholder}",
            type=LedgerAccount.Type.ASSET,
            currency=currency,
            debit_limit=credit_limit,
        )
        return CreditAccount.objects.create(
            public_id=public_id,
            cardholder=cardholder,
            currency=currency,
            credit_limit=credit_limit,
            apr_bps=apr_bps,
            billing_cycle_day=billing_cycle_day,
            late_fee=late_fee,
            returned_payment_fee=returned_payment_fee,
            billing_time_zone=billing_time_zone,
            receivable=receivable,
        )


@atomic_with_retry
def credit_limit_change(
    *, account: CreditAccount, new_limit: int, actor: User | None, reason: str
) -> CreditAccount:
    """Change the limit at once; record who and why.

    The limit never goes below what the account already owes (posted and
    held): the ledger's bound on the receivable must keep holding.
    """
    _validate_limit(new_limit)
    if not reason.strip():
        raise InvalidInput.for_field("reason", "Say why the limit changes.")
    credit = credit_account_lock_with_balance(account_id=account.pk)
    # Unsettled payments do not lower what the ledger's bound counts.
    owed = credit.posted_balance + credit.pending + credit.pending_credits
    if new_limit < owed:
        raise InvalidInput.for_field(
            "new_limit",
            f"Below what the account owes now ({format_money(owed, credit.currency)}).",
        )
    locked = CreditAccount.objects.select_related("receivable").get(pk=account.pk)
    CreditLimitChange.objects.create(
        account=locked,
        previous_limit=locked.credit_limit,
        new_limit=new_limit,
        actor=actor,
        reason=reason.strip(),
    )
    locked.credit_limit = new_limit
    locked.save(update_fields=["credit_limit"])
    ledger_account_limit_set(account=locked.receivable, debit_limit=new_limit)
    account.credit_limit = new_limit
    return locked


@dataclass(frozen=True)
class CreditRefusal:
    """Why credit was not held: an expected outcome, not an error."""

    reason: str
    message: str


@atomic_with_retry
def credit_hold_try(
    *,
    account: CreditAccount,
    amount: int,
    idempotency_key: str,
    expires_at: datetime,
    description: str = "",
    key_is_new: bool = False,
    locked: LockedCredit | None = None,
) -> LedgerHold | CreditRefusal:
    """Hold `amount` of available credit, decided under the account's row lock.

    Returns the hold, or a refusal when the account is not active or the
    credit is not there. Nothing is written on a refusal. `key_is_new`: see
    `hold_create` (the caller minted the key for this call). `locked`: the
    account as the caller already locked and read it in this transaction
    (`credit_account_lock_with_balance`), to decide its own limits under the
    same lock; it is not locked again.
    """
    validate_amount(amount)
    if locked is None:
        locked = credit_account_lock_with_balance(account_id=account.pk)
    if locked.status != CreditAccount.Status.ACTIVE:
        return CreditRefusal("account_not_active", f"The account is {locked.status}.")
    if amount > locked.available:
        return CreditRefusal(
            "insufficient_credit",
            f"Amount {amount} exceeds available credit {max(locked.available, 0)}.",
        )
    receivable = account.receivable
    receivable.debit_limit = locked.receivable_limit  # as read under the lock
    return hold_create(
        debit_account=receivable,
        credit_account=program_account(MERCHANT_SETTLEMENT, locked.currency),
        amount=amount,
        idempotency_key=idempotency_key,
        expires_at=expires_at,
        description=description,
        key_is_new=key_is_new,
    )


def credit_hold_place(
    *,
    account: CreditAccount,
    amount: int,
    idempotency_key: str,
    expires_at: datetime,
    description: str = "",
) -> LedgerHold:
    """`credit_hold_try`, raising the refusal as an error."""
    existing = LedgerHold.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        return existing
    result = credit_hold_try(
        account=account,
        amount=amount,
        idempotency_key=idempotency_key,
        expires_at=expires_at,
        description=description,
    )
    if isinstance(result, CreditRefusal):
        if result.reason == "account_not_active":
            raise AccountNotActive(result.message)
        raise InsufficientCredit(
            result.message, fields={"amount": ["Exceeds the available credit."]}
        )
    return result
