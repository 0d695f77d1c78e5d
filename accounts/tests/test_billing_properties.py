"""Whatever happens on an account, its statements reconcile with the ledger."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import transaction
from django.db.models import Q, Sum
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.chart import program_accounts_cache_clear
from accounts.services.billing import billing_run
from accounts.services.payments import credit_account_payment_post, payment_return
from accounts.tests.factories import account_opened_on, purchase_post
from ledger.models import Posting
from ledger.verification import ledger_breaches

pytestmark = pytest.mark.django_db(transaction=False)

OPENED = date(2026, 1, 1)
AS_OF = date(2026, 4, 30)

events = st.lists(
    st.tuples(
        st.sampled_from(["purchase", "payment", "returned_payment"]),
        st.integers(min_value=0, max_value=(AS_OF - OPENED).days),
        st.integers(min_value=1, max_value=120_000),
    ),
    max_size=25,
)


def _balance_through(account, day: date) -> int:
    """Debits minus credits on the receivable effective up to the end of `day`."""
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
    sums = Posting.objects.filter(
        account=account.receivable, effective_at__lt=end
    ).aggregate(
        debits=Sum("amount", filter=Q(side="D")),
        credits=Sum("amount", filter=Q(side="C")),
    )
    return (sums["debits"] or 0) - (sums["credits"] or 0)


# Reconciliation, not payment bounds, is under test: any overpayment goes.
@override_settings(PAYMENT_CREDIT_BALANCE_ALLOWANCE=10**12)
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(events=events, autopay=st.sampled_from(["off", "minimum", "full"]))
def test_statements_always_reconcile_with_the_ledger(events, autopay):
    program_accounts_cache_clear()  # the last example's rows were rolled back
    with transaction.atomic():
        account = account_opened_on(OPENED, credit_limit=10_000_000)
        account.autopay = autopay
        account.save(update_fields=["autopay"])
        for number, (kind, offset, amount) in enumerate(
            sorted(events, key=lambda e: e[1])
        ):
            when = datetime.combine(
                OPENED + timedelta(days=offset), datetime.min.time(), tzinfo=UTC
            ) + timedelta(hours=10)
            if kind == "purchase":
                purchase_post(account, amount, when, key=f"p{number}")
            else:
                payment = credit_account_payment_post(
                    account=account,
                    amount=amount,
                    idempotency_key=f"y{number}",
                    received_at=when,
                )
                if kind == "returned_payment":
                    payment_return(payment=payment, reason="NSF", returned_at=when)

        billing_run(account=account, as_of=AS_OF)

        statements = list(account.statements.order_by("period_end"))
        assert [s.period_end for s in statements] == [
            date(2026, 1, 28),
            date(2026, 2, 28),
            date(2026, 3, 28),
            date(2026, 4, 28),
        ]
        previous = 0
        for statement in statements:
            assert statement.previous_balance == previous
            assert statement.new_balance == _balance_through(
                account, statement.period_end
            )
            assert statement.minimum_payment <= max(statement.new_balance, 0)
            previous = statement.new_balance
        assert list(ledger_breaches()) == []
        transaction.set_rollback(True)
