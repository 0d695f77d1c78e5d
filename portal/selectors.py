"""Reads for the portal, always scoped to one cardholder."""

from dataclasses import dataclass

from django.db.models import QuerySet

from accounts.models import Cardholder, CreditAccount, Statement
from accounts.selectors import CreditBalance, credit_account_balance
from cards.models import Authorization

RECENT_TRANSACTIONS = 10


def cardholder_accounts(*, cardholder: Cardholder) -> QuerySet[CreditAccount]:
    return CreditAccount.objects.filter(cardholder=cardholder).order_by("pk")


def cardholder_authorizations(*, cardholder: Cardholder) -> QuerySet[Authorization]:
    """The cardholder's authorizations (pending, posted, declined), newest first."""
    return (
        Authorization.objects.filter(account__cardholder=cardholder)
        .select_related("card")
        .order_by("-created_at", "-pk")
    )


@dataclass(frozen=True)
class AccountOverview:
    account: CreditAccount
    balance: CreditBalance
    last_statement: Statement | None


@dataclass(frozen=True)
class Overview:
    accounts: list[AccountOverview]
    recent: list[Authorization]


def cardholder_overview(*, cardholder: Cardholder) -> Overview:
    accounts = [
        AccountOverview(
            account=account,
            balance=credit_account_balance(account=account),
            last_statement=account.statements.order_by("-period_end").first(),
        )
        for account in cardholder_accounts(cardholder=cardholder)
    ]
    recent = list(
        cardholder_authorizations(cardholder=cardholder)[:RECENT_TRANSACTIONS]
    )
    return Overview(accounts=accounts, recent=recent)
