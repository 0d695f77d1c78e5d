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


def partner_reach(*, partner: Partner, cardholder_path: str = "") -> Q:
    """The cardholders a partner may read or act on, as a filter on a model
    reaching the cardholder through `cardholder_path` ("" for Cardholder).

    Its own program's cardholders; the issuer's own (no program) only when
    staff made the partner the issuer's servicer (`serves_issuer_cardholders`).
    Another program's: never.
    """
    prefix = f"{cardholder_path}__" if cardholder_path else ""
    reach = Q(**{f"{prefix}program_partner": partner})
    if partner.serves_issuer_cardholders:
        reach |= Q(**{f"{prefix}program_partner__isnull": True})
    return reach


def partner_may_reach(*, partner: Partner, cardholder: Cardholder) -> bool:
    """`partner_reach` for one cardholder already loaded."""
    if cardholder.program_partner_id is None:
        return partner.serves_issuer_cardholders
    return cardholder.program_partner_id == partner.pk


def credit_accounts_for_partner(*, partner: Partner) -> QuerySet[CreditAccount]:
    """Accounts a partner may see (see `partner_reach`)."""
    return CreditAccount.objects.select_related("cardholder").filter(
        partner_reach(partner=partner, cardholder_path="cardholder")
    )


def cardholders_for_partner(*, partner: Partner) -> QuerySet[Cardholder]:
    """The partner's program's cardholders: the list and detail routes show
    only those it enrolled, even to the issuer's servicer."""
    return Cardholder.objects.filter(program_partner=partner).prefetch_related(
        "credit_accounts"
    )


def statements_for_account(*, account: CreditAccount) -> QuerySet[Statement]:
    """The account's statements, newest first."""
    return Statement.objects.filter(account=account).order_by("-period_end")
