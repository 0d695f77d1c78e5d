"""Reads for accounts."""

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from accounts.models import Cardholder, CreditAccount, Partner, Statement
from ledger.selectors import account_totals


@dataclass(frozen=True)
class CreditBalance:
    currency: str
    credit_limit: int
    posted_balance: int
    pending: int
    pending_credits: int = 0

    @property
    def available(self) -> int:
        """Unsettled credits (payments in their return window) are posted but
        not spendable yet."""
        owed = self.posted_balance + self.pending
        return self.credit_limit - owed - self.pending_credits


def credit_account_balance(*, account: CreditAccount) -> CreditBalance:
    """Limit, posted balance, pending holds and available credit: one query."""
    totals = account_totals(account=account.receivable_id)
    return CreditBalance(
        currency=account.currency,
        credit_limit=account.credit_limit,
        posted_balance=totals.debits_posted - totals.credits_posted,
        pending=totals.debits_pending - totals.credits_pending,
        pending_credits=totals.credits_unsettled,
    )


def credit_accounts_for_partner(*, partner: Partner) -> QuerySet[CreditAccount]:
    """Accounts a partner may see: its own program's, or issuer-managed ones."""
    return CreditAccount.objects.select_related("cardholder").filter(
        Q(cardholder__program_partner=partner)
        | Q(cardholder__program_partner__isnull=True)
    )


def cardholders_for_partner(*, partner: Partner) -> QuerySet[Cardholder]:
    return Cardholder.objects.filter(program_partner=partner).prefetch_related(
        "credit_accounts"
    )


def statements_for_account(*, account: CreditAccount) -> QuerySet[Statement]:
    """The account's statements, newest first."""
    return Statement.objects.filter(account=account).order_by("-period_end")
