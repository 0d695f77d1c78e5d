"""Opening ledger accounts and setting their bounds."""

from django.db import transaction

from issuer.kernel.errors import InvalidInput
from issuer.kernel.money import validate_currency
from ledger.models import LedgerAccount, LedgerBalance, Side

NORMAL_SIDE = {
    LedgerAccount.Type.ASSET: Side.DEBIT,
    LedgerAccount.Type.EXPENSE: Side.DEBIT,
    LedgerAccount.Type.LIABILITY: Side.CREDIT,
    LedgerAccount.Type.INCOME: Side.CREDIT,
    LedgerAccount.Type.EQUITY: Side.CREDIT,
}


def ledger_account_create(
    *,
    code: str,
    name: str,
    type: LedgerAccount.Type,
    currency: str,
    debit_limit: int | None = None,
    shard_count: int = 1,
) -> LedgerAccount:
    """Open an account with zeroed totals on each shard.

    `debit_limit` bounds the account: debits may exceed credits by at most
    that much. A bounded account has one shard.
    """
    validate_currency(currency)
    if debit_limit is not None and debit_limit < 0:
        raise InvalidInput.for_field("debit_limit", "Must be zero or more.")
    if debit_limit is not None and shard_count != 1:
        raise InvalidInput.for_field("shard_count", "A bounded account has one shard.")
    if not 1 <= shard_count <= 64:
        raise InvalidInput.for_field("shard_count", "Must be between 1 and 64.")
    with transaction.atomic():
        account = LedgerAccount.objects.create(
            code=code,
            name=name,
            type=type,
            normal_side=NORMAL_SIDE[type],
            currency=currency,
            debits_must_not_exceed_credits=debit_limit is not None,
            debit_limit=debit_limit or 0,
            shard_count=shard_count,
        )
        LedgerBalance.objects.bulk_create(
            LedgerBalance(account=account, shard=shard) for shard in range(shard_count)
        )
    return account


def ledger_account_limit_set(*, account: LedgerAccount, debit_limit: int) -> None:
    """Change a bounded account's limit (the caller holds its owner's lock)."""
    if debit_limit < 0:
        raise InvalidInput.for_field("debit_limit", "Must be zero or more.")
    LedgerAccount.objects.filter(pk=account.pk).update(debit_limit=debit_limit)
    account.debit_limit = debit_limit
