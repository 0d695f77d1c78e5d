"""Credit accounts: opening, limits, holds and payments."""

import datetime

import pytest
from django.utils import timezone

from accounts.errors import AccountNotActive, InsufficientCredit
from accounts.models import CreditAccount, CreditLimitChange
from accounts.selectors import credit_account_balance
from accounts.services.credit_accounts import (
    credit_account_open,
    credit_hold_place,
    credit_limit_change,
)
from accounts.services.payments import (
    credit_account_payment_post,
    payments_settle_due,
)
from accounts.tests.factories import CardholderFactory, credit_account_create_for_test
from issuer.kernel.errors import InvalidInput
from ledger.models import LedgerHold
from ledger.services.entries import credit, debit, entry_post
from ledger.verification import ledger_breaches

pytestmark = pytest.mark.django_db
LATER = timezone.now() + datetime.timedelta(days=7)


def test_a_new_account_has_its_limit_available():
    account = credit_account_create_for_test(credit_limit=50_000)

    balance = credit_account_balance(account=account)

    assert (balance.credit_limit, balance.posted_balance, balance.pending) == (
        50_000,
        0,
        0,
    )
    assert balance.available == 50_000
    assert account.receivable.debit_limit == 50_000


@pytest.mark.parametrize(
    ("field", "value"),
    [("credit_limit", -1), ("currency", "XXX"), ("billing_cycle_day", 31)],
)
def test_opening_with_bad_terms_names_the_field(field, value):
    terms = {
        "credit_limit": 1_000,
        "currency": "USD",
        "apr_bps": 1_999,
        "billing_cycle_day": 5,
    }
    terms[field] = value

    with pytest.raises(InvalidInput) as error:
        credit_account_open(cardholder=CardholderFactory.create(), **terms)

    assert field in error.value.fields
    assert CreditAccount.objects.count() == 0


def test_a_hold_reduces_available_credit():
    account = credit_account_create_for_test(credit_limit=10_000)

    credit_hold_place(
        account=account, amount=2_500, idempotency_key="h", expires_at=LATER
    )

    assert credit_account_balance(account=account).available == 7_500


def test_a_hold_beyond_available_credit_is_declined_and_changes_nothing():
    account = credit_account_create_for_test(credit_limit=10_000)
    credit_hold_place(
        account=account, amount=9_000, idempotency_key="h1", expires_at=LATER
    )

    with pytest.raises(InsufficientCredit) as error:
        credit_hold_place(
            account=account, amount=1_001, idempotency_key="h2", expires_at=LATER
        )

    assert error.value.code == "insufficient_funds"
    assert LedgerHold.objects.count() == 1
    assert credit_account_balance(account=account).available == 1_000


def test_a_suspended_account_cannot_hold():
    account = credit_account_create_for_test()
    CreditAccount.objects.filter(pk=account.pk).update(
        status=CreditAccount.Status.SUSPENDED
    )

    with pytest.raises(AccountNotActive):
        credit_hold_place(
            account=account, amount=100, idempotency_key="h", expires_at=LATER
        )
    assert LedgerHold.objects.count() == 0


def test_a_limit_change_takes_effect_at_once_and_is_recorded(django_user_model):
    account = credit_account_create_for_test(credit_limit=10_000)
    officer = django_user_model.objects.create(username="officer", is_staff=True)

    credit_limit_change(
        account=account, new_limit=4_000, actor=officer, reason="Risk review"
    )

    change = CreditLimitChange.objects.get()
    assert (change.previous_limit, change.new_limit, change.actor, change.reason) == (
        10_000,
        4_000,
        officer,
        "Risk review",
    )
    account.refresh_from_db()
    assert account.receivable.debit_limit == 4_000
    with pytest.raises(InsufficientCredit):
        credit_hold_place(
            account=account, amount=4_001, idempotency_key="h", expires_at=LATER
        )


def test_a_limit_change_needs_a_reason():
    account = credit_account_create_for_test(credit_limit=10_000)

    with pytest.raises(InvalidInput) as error:
        credit_limit_change(account=account, new_limit=1, actor=None, reason=" ")

    assert "reason" in error.value.fields
    account.refresh_from_db()
    assert account.credit_limit == 10_000


def test_a_payment_restores_available_credit_once_it_settles():
    """Posted at once, spendable once settled, counted once however often."""
    account = credit_account_create_for_test(credit_limit=10_000)
    from accounts.chart import MERCHANT_SETTLEMENT, program_account

    entry_post(
        legs=[
            debit(account.receivable, 6_000),
            credit(program_account(MERCHANT_SETTLEMENT, "USD"), 6_000),
        ],
        kind="purchase",
        idempotency_key="buy",
    )

    for _ in range(2):
        credit_account_payment_post(
            account=account, amount=2_500, idempotency_key="pay-1"
        )

    pending = credit_account_balance(account=account)
    payments_settle_due(as_of=timezone.now() + datetime.timedelta(days=30))
    settled = credit_account_balance(account=account)
    assert (pending.posted_balance, pending.pending_credits, pending.available) == (
        3_500,
        2_500,
        4_000,
    )
    assert (settled.posted_balance, settled.pending_credits, settled.available) == (
        3_500,
        0,
        6_500,
    )
    assert list(ledger_breaches()) == []


def test_available_credit_is_one_query_whatever_the_history(
    django_assert_num_queries, settings
):
    settings.PAYMENT_CREDIT_BALANCE_ALLOWANCE = 10_000_000  # history, not bounds
    account = credit_account_create_for_test(credit_limit=10_000_000)
    for n in range(300):
        credit_account_payment_post(
            account=account, amount=1 + n, idempotency_key=f"p{n}"
        )
        credit_hold_place(
            account=account, amount=1 + n, idempotency_key=f"h{n}", expires_at=LATER
        )

    with django_assert_num_queries(1):
        balance = credit_account_balance(account=account)

    assert balance.pending == sum(range(1, 301))
    assert balance.posted_balance == -sum(range(1, 301))


def test_the_database_refuses_a_negative_fee():
    from django.db import IntegrityError, transaction

    account = credit_account_create_for_test()

    with pytest.raises(IntegrityError), transaction.atomic():
        CreditAccount.objects.filter(pk=account.pk).update(late_fee=-1)

    account.refresh_from_db()
    assert account.late_fee == 0
