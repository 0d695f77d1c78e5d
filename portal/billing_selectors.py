"""Reads of the cardholder's statements, payments and what is due, scoped to
one cardholder: another cardholder's statement or account is not found."""

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from django.db.models import QuerySet, Sum
from django.shortcuts import get_object_or_404

from accounts.models import Cardholder, CreditAccount, Payment, Statement


def cardholder_statements(*, cardholder: Cardholder) -> QuerySet[Statement]:
    """The cardholder's statements, newest first, with their account."""
    return (
        Statement.objects.filter(account__cardholder=cardholder)
        .select_related("account__cardholder")
        .order_by("-period_end", "-pk")
    )


def cardholder_statement(*, cardholder: Cardholder, statement_id: UUID) -> Statement:
    """One of the cardholder's statements; 404 for anyone else's."""
    return get_object_or_404(
        cardholder_statements(cardholder=cardholder), public_id=statement_id
    )


def cardholder_account(*, cardholder: Cardholder, account_id: UUID) -> CreditAccount:
    """One of the cardholder's credit accounts; 404 for anyone else's."""
    return get_object_or_404(
        CreditAccount.objects.filter(cardholder=cardholder), public_id=account_id
    )


def cardholder_payments(*, cardholder: Cardholder) -> QuerySet[Payment]:
    """The cardholder's payments, newest first."""
    return (
        Payment.objects.filter(account__cardholder=cardholder)
        .select_related("account")
        .order_by("-received_at", "-pk")
    )


@dataclass(frozen=True)
class PaymentDue:
    """What the last statement asks for, less what was paid since it closed."""

    statement: Statement
    paid_since: int

    @property
    def due_date(self) -> date:
        return self.statement.due_date

    @property
    def currency(self) -> str:
        return self.statement.currency

    @property
    def minimum_remaining(self) -> int:
        return max(0, self.statement.minimum_payment - self.paid_since)

    @property
    def statement_balance_remaining(self) -> int:
        return max(0, self.statement.new_balance - self.paid_since)


def account_payment_due(*, account: CreditAccount) -> PaymentDue | None:
    """The last statement's minimum and balance left to pay (None before one)."""
    statement = account.statements.order_by("-period_end").first()
    if statement is None:
        return None
    since = statement.cutoff_at
    paid = (
        Payment.objects.filter(
            account=account, status=Payment.Status.POSTED, received_at__gte=since
        ).aggregate(total=Sum("amount"))["total"]
        or 0
    )
    return PaymentDue(statement=statement, paid_since=paid)
