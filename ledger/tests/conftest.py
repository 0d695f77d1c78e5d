import datetime

import pytest
from django.utils import timezone

from ledger.models import LedgerAccount
from ledger.services.accounts import ledger_account_create


@pytest.fixture
def receivable(db) -> LedgerAccount:
    """A bounded asset account: debits may exceed credits by 10,000."""
    return ledger_account_create(
        code="test:receivable",
        name="Receivable",
        type=LedgerAccount.Type.ASSET,
        currency="USD",
        debit_limit=10_000,
    )


@pytest.fixture
def settlement(db) -> LedgerAccount:
    """A hot liability account spread over 8 shards."""
    return ledger_account_create(
        code="test:settlement",
        name="Settlement",
        type=LedgerAccount.Type.LIABILITY,
        currency="USD",
        shard_count=8,
    )


@pytest.fixture
def cash(db) -> LedgerAccount:
    return ledger_account_create(
        code="test:cash", name="Cash", type=LedgerAccount.Type.ASSET, currency="USD"
    )


@pytest.fixture
def later() -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=7)
