"""A cardholder with a portal login and a closed statement, for the account
pages' tests: a credit line opened in September 2026, a purchase of 1,234.56
and the billing run closing the cycle on September 28."""

import datetime
from dataclasses import dataclass

from accounts.models import Cardholder, CreditAccount, Statement, User
from accounts.services.billing import billing_run
from accounts.tests.factories import account_opened_on, purchase_post
from conftest import PORTAL_TEST_PASSWORD

OPENED = datetime.date(2026, 9, 1)
PURCHASE = 123_456
CLOSED = datetime.date(2026, 9, 28)


@dataclass(frozen=True)
class BilledHolder:
    user: User
    account: CreditAccount
    statement: Statement


def portal_user_for(cardholder: Cardholder, username: str) -> User:
    """Give a cardholder a portal login with the test password."""
    user = User.objects.create_user(
        username=username, password=PORTAL_TEST_PASSWORD, email=cardholder.email
    )
    Cardholder.objects.filter(pk=cardholder.pk).update(user=user)
    return user


def billed_holder(username: str) -> BilledHolder:
    account = account_opened_on(OPENED)
    purchase_post(
        account, PURCHASE, datetime.datetime(2026, 9, 10, 12, tzinfo=datetime.UTC)
    )
    billing_run(account=account, as_of=CLOSED)
    statement = Statement.objects.get(account=account)
    return BilledHolder(
        user=portal_user_for(account.cardholder, username),
        account=account,
        statement=statement,
    )
