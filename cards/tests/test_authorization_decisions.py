"""Each decline path of the authorization decision, in DESIGN.md §5 order."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.chart import program_accounts_cache_clear
from accounts.models import CreditAccount
from accounts.selectors import credit_account_balance
from cards.models import AccountSpendingControls, Authorization, Card, VelocityRule
from cards.services.authorizations import authorization_create, velocity_rules_forget
from cards.services.lifecycle import SYSTEM, card_close, card_freeze
from cards.tests.conftest import authorization_request
from issuer.kernel.models import OutboxEvent
from ledger.models import LedgerHold
from ledger.verification import ledger_breaches

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_velocity_rules():
    velocity_rules_forget()
    yield
    velocity_rules_forget()


def _authorize(test_card, **overrides) -> Authorization:
    return authorization_create(
        request=authorization_request(test_card, **overrides), partner=None
    )


def _assert_declined(authorization, code, *, test_card=None):
    assert authorization.status == Authorization.Status.DECLINED
    assert authorization.response_code == code
    assert authorization.hold is None
    assert authorization.reason
    if test_card is not None:
        balance = credit_account_balance(account=test_card.issued.card.account)
        assert balance.pending == 0


def test_a_good_request_is_approved_with_a_hold(test_card):
    authorization = _authorize(test_card)

    assert (authorization.status, authorization.response_code) == ("approved", "00")
    assert authorization.hold.pending_amount == 1_250
    balance = credit_account_balance(account=test_card.issued.card.account)
    assert balance.available == 100_000 - 1_250
    assert OutboxEvent.objects.filter(type="authorization.approved").count() == 1
    assert list(ledger_breaches()) == []


def _statement(sql: str) -> str:
    """The verb and first table of a statement (quoting differs by vendor)."""
    verb = sql.split()[0].upper()
    table = re.search(r"(?:FROM|INTO|UPDATE)\s+[`\"]?(\w+)", sql, re.IGNORECASE)
    return f"{verb} {table.group(1)}" if table else verb


@pytest.fixture
def warm_caches(test_card, django_capture_on_commit_callbacks):
    """The per-process caches a running server has: velocity rules, and the
    settlement account (cached once its creation commits, which a test's
    transaction never does; forgotten again after the test)."""
    with django_capture_on_commit_callbacks(execute=True):
        _authorize(test_card)
    yield
    program_accounts_cache_clear()


def test_an_approval_sends_these_statements_and_no_more(test_card, warm_caches):
    """The hot path's round trips, listed: a new one must be a choice."""

    with CaptureQueriesContext(connection) as queries:
        authorization = _authorize(test_card)

    assert authorization.status == Authorization.Status.APPROVED
    assert [_statement(query["sql"]) for query in queries.captured_queries] == [
        "SAVEPOINT",  # the service's transaction (a savepoint in the test's)
        "SELECT cards_card",  # with its account, receivable and controls
        "SELECT accounts_creditaccount",  # the decision under the row lock
        "UPDATE ledger_ledgerbalance",  # receivable pending, bound checked
        "UPDATE ledger_ledgerbalance",  # settlement shard pending
        "INSERT ledger_ledgerhold",  # no look-up: its key was just minted
        "INSERT cards_activitycounter",  # every bucket of the card and account
        "INSERT cards_authorization",
        "INSERT kernel_outboxevent",
        "RELEASE",
    ]


def test_an_approval_under_every_counted_control_reads_them_in_one_query(
    test_card, warm_caches
):
    """Card and account daily/monthly windows and two velocity rules: one
    read of the counters, under the account's row lock, before any write;
    no scan of past authorizations. (The aggregate path before the counters
    sent two SELECTs on cards_authorization, outside the lock.)"""
    card = test_card.issued.card
    Card.objects.filter(pk=card.pk).update(daily_limit=50_000, monthly_limit=90_000)
    AccountSpendingControls.objects.create(
        account=card.account, daily_limit=60_000, monthly_limit=95_000
    )
    VelocityRule.objects.create(name="5 a minute", window_seconds=60, max_count=5)
    VelocityRule.objects.create(
        name="80k a week", window_seconds=7 * 86_400, max_amount=80_000
    )
    velocity_rules_forget()
    _authorize(test_card, amount=100)  # the rules are cached again

    with CaptureQueriesContext(connection) as queries:
        authorization = _authorize(test_card)

    assert authorization.status == Authorization.Status.APPROVED
    statements = [_statement(query["sql"]) for query in queries.captured_queries]
    assert statements == [
        "SAVEPOINT",
        "SELECT cards_card",
        "SELECT accounts_creditaccount",  # the row lock, taken first
        "SELECT cards_activitycounter",  # every window and rule in one read
        "UPDATE ledger_ledgerbalance",
        "UPDATE ledger_ledgerbalance",
        "INSERT ledger_ledgerhold",
        "INSERT cards_activitycounter",
        "INSERT cards_authorization",
        "INSERT kernel_outboxevent",
        "RELEASE",
    ]
    assert "SELECT cards_authorization" not in statements


def test_an_unknown_card_is_14(test_card):
    other_pan = test_card.issued.pan[:-2] + (
        "00" if test_card.issued.pan[-2:] != "00" else "11"
    )
    authorization = _authorize(test_card, pan=other_pan)

    _assert_declined(authorization, "14")
    assert authorization.card is None
    assert OutboxEvent.objects.filter(type="authorization.declined").count() == 1


def test_a_closed_card_is_46(test_card):
    card_close(card=test_card.issued.card, reason="cardholder_request", actor=SYSTEM)

    _assert_declined(_authorize(test_card), "46", test_card=test_card)


@pytest.mark.parametrize("status", ["frozen", "blocked", "inactive"])
def test_a_frozen_blocked_or_inactive_card_is_62(test_card, status):
    owner = {"frozen": "cardholder", "blocked": "security"}.get(status, "")
    Card.objects.filter(pk=test_card.issued.card.pk).update(
        status=status, block_owner=owner
    )

    _assert_declined(_authorize(test_card), "62", test_card=test_card)


def test_a_suspended_account_is_62(test_card):
    CreditAccount.objects.filter(pk=test_card.issued.card.account_id).update(
        status=CreditAccount.Status.SUSPENDED
    )

    _assert_declined(_authorize(test_card), "62", test_card=test_card)


def test_an_expired_card_is_54(test_card):
    last_year = timezone.now().year - 1
    Card.objects.filter(pk=test_card.issued.card.pk).update(expiry_year=last_year)

    _assert_declined(
        _authorize(test_card, expiry=f"12/{last_year % 100:02d}"),
        "54",
        test_card=test_card,
    )


def test_a_wrong_expiry_is_54(test_card):
    card = test_card.issued.card
    wrong = f"{card.expiry_month:02d}/{(card.expiry_year + 1) % 100:02d}"

    _assert_declined(_authorize(test_card, expiry=wrong), "54", test_card=test_card)


def test_a_wrong_cvv_is_n7_and_the_third_in_a_row_blocks_the_card(test_card):
    wrong = "000" if test_card.cvv != "000" else "111"

    for attempt in range(1, 4):
        _assert_declined(_authorize(test_card, cvv=wrong), "N7", test_card=test_card)
        card = Card.objects.get(pk=test_card.issued.card.pk)
        assert card.verification_failures == attempt

    assert card.status == Card.Status.BLOCKED
    assert card.history.first().reason == "cvv_failures"
    _assert_declined(_authorize(test_card), "62", test_card=test_card)


def test_a_right_cvv_resets_the_failure_count(test_card):
    wrong = "000" if test_card.cvv != "000" else "111"
    _authorize(test_card, cvv=wrong)
    _authorize(test_card, cvv=wrong)

    assert _authorize(test_card).status == "approved"
    assert Card.objects.get(pk=test_card.issued.card.pk).verification_failures == 0


def test_card_present_needs_no_cvv(test_card):
    assert _authorize(test_card, cvv=None).status == "approved"


@pytest.mark.parametrize(
    ("controls", "overrides", "code"),
    [
        ({"per_transaction_limit": 1_000}, {}, "61"),
        ({"blocked_mccs": ["5411"]}, {}, "57"),
        ({"blocked_countries": ["US"]}, {}, "57"),
        ({"is_ecommerce_enabled": False}, {"channel": "ecommerce"}, "57"),
        ({"is_atm_enabled": False}, {"channel": "atm"}, "57"),
        ({"is_contactless_enabled": False}, {"channel": "contactless"}, "57"),
        ({}, {"currency": "EUR"}, "57"),
    ],
)
def test_card_spending_controls(test_card, controls, overrides, code):
    Card.objects.filter(pk=test_card.issued.card.pk).update(**controls)

    _assert_declined(_authorize(test_card, **overrides), code, test_card=test_card)


def test_the_daily_limit_counts_todays_approvals_net_of_reversals(test_card):
    from cards.services.clearing import authorization_reverse

    Card.objects.filter(pk=test_card.issued.card.pk).update(daily_limit=3_000)
    first = _authorize(test_card, amount=2_000)
    assert first.status == "approved"

    _assert_declined(_authorize(test_card, amount=1_001), "61")

    authorization_reverse(authorization=first)
    assert _authorize(test_card, amount=2_500).status == "approved"


def test_yesterdays_spend_does_not_count_today(test_card, monkeypatch):
    """The day resets at 00:00 UTC: 2,500 at 23:59:59.999999 leaves the next
    day's 3,000 untouched."""
    Card.objects.filter(pk=test_card.issued.card.pk).update(daily_limit=3_000)
    midnight = (
        timezone.now()
        .astimezone(datetime.UTC)
        .replace(hour=0, minute=0, second=0, microsecond=0)
    )
    monkeypatch.setattr(
        timezone, "now", lambda: midnight - datetime.timedelta(microseconds=1)
    )
    assert _authorize(test_card, amount=2_500).status == "approved"
    _assert_declined(_authorize(test_card, amount=501), "61")

    monkeypatch.setattr(timezone, "now", lambda: midnight)

    assert _authorize(test_card, amount=2_500).status == "approved"


def test_the_monthly_limit(test_card):
    Card.objects.filter(pk=test_card.issued.card.pk).update(monthly_limit=5_000)
    _authorize(test_card, amount=4_000)

    _assert_declined(_authorize(test_card, amount=1_001), "61")


def test_account_controls_apply_across_the_accounts_cards(test_card):
    AccountSpendingControls.objects.create(
        account=test_card.issued.card.account, daily_limit=2_000, blocked_mccs=["7995"]
    )
    assert _authorize(test_card, amount=1_500).status == "approved"

    _assert_declined(_authorize(test_card, amount=600), "61")
    _assert_declined(
        _authorize(
            test_card,
            amount=10,
            merchant={"id": "c", "name": "Casino", "mcc": "7995", "country": "US"},
        ),
        "57",
    )


def test_velocity_count_rule_is_65(test_card):
    VelocityRule.objects.create(name="3 per minute", window_seconds=60, max_count=3)
    for _ in range(3):
        assert _authorize(test_card, amount=100).status == "approved"

    _assert_declined(_authorize(test_card, amount=100), "65")


def test_velocity_amount_rule_is_65(test_card):
    VelocityRule.objects.create(
        name="5k per hour", window_seconds=3_600, max_amount=5_000
    )
    _authorize(test_card, amount=4_000)

    _assert_declined(_authorize(test_card, amount=1_001), "65")


def test_a_card_under_fraud_review_is_59(test_card):
    Card.objects.filter(pk=test_card.issued.card.pk).update(is_under_fraud_review=True)

    _assert_declined(_authorize(test_card), "59", test_card=test_card)


def test_not_enough_credit_is_51_and_nothing_is_held(issue_card):
    test_card = issue_card(limit=1_000)

    _assert_declined(_authorize(test_card, amount=1_001), "51", test_card=test_card)
    assert LedgerHold.objects.count() == 0
    assert _authorize(test_card, amount=1_000).status == "approved"


def test_checks_run_in_order_closed_before_expiry_before_cvv(test_card):
    """A closed card with a wrong CVV is 46, and its CVV count does not move."""
    card_close(card=test_card.issued.card, reason="lost", actor=SYSTEM)

    authorization = _authorize(test_card, cvv="000" if test_card.cvv != "000" else "1")

    assert authorization.response_code == "46"
    assert Card.objects.get(pk=test_card.issued.card.pk).verification_failures == 0


def test_a_frozen_card_still_clears_what_was_approved_before(test_card):
    from cards.services.clearing import authorization_capture

    authorization = _authorize(test_card)
    card_freeze(card=test_card.issued.card, reason="cardholder_request", actor=SYSTEM)

    capture = authorization_capture(authorization=authorization)

    assert capture.amount == 1_250
    assert credit_account_balance(
        account=test_card.issued.card.account
    ).posted_balance == (1_250)
    assert list(ledger_breaches()) == []
