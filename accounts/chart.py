"""The card program's chart of accounts in the ledger.

Per credit account: one cardholder receivable (asset, bounded by the credit
limit). Per currency, program-level accounts, sharded where traffic is hot
so concurrent postings do not queue on one balance row.
"""

from dataclasses import dataclass
from functools import partial

from django.db import IntegrityError, transaction

from ledger.models import LedgerAccount
from ledger.services.accounts import ledger_account_create


@dataclass(frozen=True)
class ProgramAccount:
    name: str
    type: LedgerAccount.Type
    shard_count: int


MERCHANT_SETTLEMENT = ProgramAccount(
    "merchant_settlement", LedgerAccount.Type.LIABILITY, 16
)
PAYMENTS_CLEARING = ProgramAccount("payments_clearing", LedgerAccount.Type.ASSET, 16)
INTEREST_INCOME = ProgramAccount("interest_income", LedgerAccount.Type.INCOME, 8)
FEE_INCOME = ProgramAccount("fee_income", LedgerAccount.Type.INCOME, 8)
FRAUD_LOSS = ProgramAccount("fraud_loss", LedgerAccount.Type.EXPENSE, 4)
CREDIT_LOSS = ProgramAccount("credit_loss", LedgerAccount.Type.EXPENSE, 4)
DISPUTE_SUSPENSE = ProgramAccount("dispute_suspense", LedgerAccount.Type.LIABILITY, 4)

PROGRAM_ACCOUNTS = (
    MERCHANT_SETTLEMENT,
    PAYMENTS_CLEARING,
    INTEREST_INCOME,
    FEE_INCOME,
    FRAUD_LOSS,
    CREDIT_LOSS,
    DISPUTE_SUSPENSE,
)

_cache: dict[str, LedgerAccount] = {}


def program_account_code(account: ProgramAccount, currency: str) -> str:
    return f"program:{account.name}:{currency}"


def program_account(account: ProgramAccount, currency: str) -> LedgerAccount:
    """The program-level ledger account for `currency`, opened on first use."""
    code = program_account_code(account, currency)
    cached = _cache.get(code)
    if cached is not None:
        return cached
    found = LedgerAccount.objects.filter(code=code).first()
    if found is not None:
        _cache[code] = found
        return found
    try:
        with transaction.atomic():
            created = ledger_account_create(
                code=code,
                name=f"{account.name.replace('_', ' ').capitalize()} {currency}",
                type=account.type,
                currency=currency,
                shard_count=account.shard_count,
            )
    except IntegrityError:
        return LedgerAccount.objects.get(code=code)
    # Cache only once committed: a rolled-back row must not be remembered.
    transaction.on_commit(partial(_cache.__setitem__, code, created))
    return created


def program_accounts_cache_clear() -> None:
    """Forget cached accounts (tests roll the database back under the cache)."""
    _cache.clear()
