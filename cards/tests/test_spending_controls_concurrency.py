"""50 parallel authorizations against each counted spending control, on real
MariaDB row locks: daily, monthly, per-account, velocity count, velocity
amount. Each has a broken variant (the decision read without the row lock,
as the old read-then-decide path did) that the same load pushes past its
bound, so each test here can fail."""

import threading
import time
from collections import Counter
from collections.abc import Callable

import pytest
from django.db import connection

from accounts.selectors import credit_account_balance
from cards.models import AccountSpendingControls, ActivityCounter, Card, VelocityRule
from cards.security import cvv_generate
from cards.services import authorizations
from cards.services.authorizations import authorization_create, velocity_rules_forget
from cards.services.lifecycle import card_issue
from cards.services.sandbox import SANDBOX_ACTOR, SandboxCard, sandbox_product
from cards.tests.conftest import authorization_request
from ledger.verification import ledger_breaches

pytestmark = [pytest.mark.mysql_only, pytest.mark.django_db(transaction=True)]

THREADS = 50
AMOUNT = 1_000
BOUND = 5_000  # five approvals of AMOUNT
CREDIT_LIMIT = 1_000_000  # far above every control: only the control binds
DECISION_DELAY_SECONDS = 0.02  # widens the window between reading and counting


@pytest.fixture(autouse=True)
def _fresh_velocity_rules():
    velocity_rules_forget()
    yield
    velocity_rules_forget()


@pytest.fixture
def slow_decision(monkeypatch):
    """Every decision reads the counters, then waits before it counts: a race
    has all the room it needs, so only the lock can keep the bound."""
    read = authorizations.activity_totals

    def read_slowly(windows):  # type: ignore[no-untyped-def]
        totals = read(windows)
        time.sleep(DECISION_DELAY_SECONDS)
        return totals

    monkeypatch.setattr(authorizations, "activity_totals", read_slowly)


@pytest.fixture
def unlocked_decision(monkeypatch, slow_decision):
    """The broken variant (test only): the decision reads the account and the
    counters without FOR UPDATE, as the aggregate did before the counters."""
    monkeypatch.setattr(type(connection.features), "has_select_for_update", False)


def _race(cards: list[SandboxCard]) -> Counter:
    """THREADS authorizations of AMOUNT at once, spread over `cards`; count
    the outcomes by response code."""
    outcomes: Counter = Counter()
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def run(index: int) -> None:
        request = authorization_request(cards[index % len(cards)], amount=AMOUNT)
        start.wait()
        try:
            authorization = authorization_create(request=request, partner=None)
        except Exception as error:  # noqa: BLE001 - reported below
            with lock:
                errors.append(repr(error))
        else:
            with lock:
                outcomes[authorization.response_code] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(outcomes.values()) == THREADS
    return outcomes


def _card_on(account_card: SandboxCard) -> SandboxCard:
    """Another active card on the same credit account."""
    account = account_card.issued.card.account
    issued = card_issue(
        account=account,
        product=sandbox_product(currency=account.currency),
        actor=SANDBOX_ACTOR,
        activate=True,
    )
    card = issued.card
    mmyy = f"{card.expiry_month:02d}{card.expiry_year % 100:02d}"
    return SandboxCard(issued=issued, cvv=cvv_generate(pan=issued.pan, expiry=mmyy))


def _daily(issue_card) -> list[SandboxCard]:  # type: ignore[no-untyped-def]
    card = issue_card(limit=CREDIT_LIMIT)
    Card.objects.filter(pk=card.issued.card.pk).update(daily_limit=BOUND)
    return [card]


def _monthly(issue_card) -> list[SandboxCard]:  # type: ignore[no-untyped-def]
    card = issue_card(limit=CREDIT_LIMIT)
    Card.objects.filter(pk=card.issued.card.pk).update(monthly_limit=BOUND)
    return [card]


def _per_account(issue_card) -> list[SandboxCard]:  # type: ignore[no-untyped-def]
    """Three cards on one account with a daily limit on the account alone."""
    first = issue_card(limit=CREDIT_LIMIT)
    AccountSpendingControls.objects.create(
        account=first.issued.card.account, daily_limit=BOUND
    )
    return [first, _card_on(first), _card_on(first)]


def _velocity_count(issue_card) -> list[SandboxCard]:  # type: ignore[no-untyped-def]
    VelocityRule.objects.create(
        name="5 a minute", window_seconds=60, max_count=BOUND // AMOUNT
    )
    return [issue_card(limit=CREDIT_LIMIT)]


def _velocity_amount(issue_card) -> list[SandboxCard]:  # type: ignore[no-untyped-def]
    VelocityRule.objects.create(
        name="5,000 an hour", window_seconds=3_600, max_amount=BOUND
    )
    return [issue_card(limit=CREDIT_LIMIT)]


CONTROLS: dict[str, tuple[Callable[..., list[SandboxCard]], str]] = {
    "daily": (_daily, "61"),
    "monthly": (_monthly, "61"),
    "per_account": (_per_account, "61"),
    "velocity_count": (_velocity_count, "65"),
    "velocity_amount": (_velocity_amount, "65"),
}


def _counted_amount(cards: list[SandboxCard], control: str) -> int:
    """What the counters hold for the control's own window."""
    if control == "per_account":
        scope, owner_id = "account", cards[0].issued.card.account_id
    else:
        scope, owner_id = "card", cards[0].issued.card.pk
    granularity = "month" if control == "monthly" else "day"
    return sum(
        ActivityCounter.objects.filter(
            scope=scope, owner_id=owner_id, granularity=granularity
        ).values_list("amount", flat=True)
    )


@pytest.mark.parametrize("control", list(CONTROLS))
def test_parallel_authorizations_never_pass_the_control(
    control, issue_card, slow_decision
):
    """Given a bound of 5 x 1,000, when 50 authorizations of 1,000 arrive at
    once, then exactly 5 are approved and the other 45 declined with the
    control's code; the counters and the ledger agree."""
    setup, code = CONTROLS[control]
    cards = setup(issue_card)

    outcomes = _race(cards)

    assert outcomes == Counter({"00": 5, code: 45})
    account = cards[0].issued.card.account
    assert credit_account_balance(account=account).pending == BOUND
    assert _counted_amount(cards, control) == BOUND
    assert list(ledger_breaches()) == []


@pytest.mark.parametrize("control", list(CONTROLS))
def test_without_the_lock_the_same_load_passes_the_control(
    control, issue_card, unlocked_decision
):
    """The broken variant: decided from counts read without the row lock,
    more than 5 are approved, so the test above is able to fail."""
    setup, _ = CONTROLS[control]
    cards = setup(issue_card)

    outcomes = _race(cards)

    assert outcomes["00"] > 5
    account = cards[0].issued.card.account
    assert credit_account_balance(account=account).pending > BOUND
