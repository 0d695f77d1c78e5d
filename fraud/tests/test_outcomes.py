"""Cardholders' answers and analysts' verdicts become labels and move the card."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from accounts.roles import FRAUD_ANALYST, SUPPORT_AGENT
from cards.models import Card
from fraud.models import FraudAlert, HistoricalTransaction, ReviewCase
from fraud.services.cases import review_case_assign, review_case_claim_next
from fraud.services.live import authorization_score, live_transaction_id
from fraud.services.outcomes import fraud_alert_answer, review_case_close
from fraud.tests.conftest import authorize
from issuer.kernel.errors import Conflict, Forbidden, InvalidInput
from issuer.kernel.models import OutboxEvent

MEDIUM, CRITICAL, HIGH = 3_500, 10_000, 4_500


def _scored(test_card, amount):
    authorization = authorize(test_card, amount)
    authorization_score(authorization=authorization)
    return authorization


def _history(authorization) -> HistoricalTransaction:
    return HistoricalTransaction.objects.get(
        transaction_id=live_transaction_id(authorization)
    )


def _card(test_card) -> Card:
    return Card.objects.get(pk=test_card.issued.card.pk)


# --- "was this you?" -------------------------------------------------------


@pytest.mark.django_db
def test_it_was_me_labels_genuine_and_leaves_the_fraud_freeze_to_the_case(
    active_model, test_card
):
    """Given a critical score froze the card and asked the cardholder,
    when the cardholder answers "it was me",
    then the label is genuine but the fraud freeze and the review stay: only
    fraud's side (the analyst deciding the case) lifts a fraud freeze."""
    authorization = _scored(test_card, CRITICAL)
    assert _card(test_card).status == "frozen"
    alert = FraudAlert.objects.get(authorization=authorization)

    answered = fraud_alert_answer(alert=alert, was_cardholder=True)

    assert answered.status == "genuine"
    assert answered.answered_at is not None
    record = _history(authorization)
    assert record.is_fraud is False
    assert record.label_time == answered.answered_at
    card = _card(test_card)
    assert (card.status, card.block_owner, card.is_under_fraud_review) == (
        "frozen",
        "fraud",
        True,
    )
    assert not Card.objects.filter(replaces=card).exists()
    assert OutboxEvent.objects.filter(type="fraud.alert_answered").count() == 1


@pytest.mark.django_db
def test_it_was_me_leaves_a_freeze_the_cardholder_asked_for(active_model, test_card):
    """Only a fraud freeze is lifted: a card frozen for another reason stays."""
    authorization = _scored(test_card, MEDIUM)
    Card.objects.filter(pk=test_card.issued.card.pk).update(
        status="frozen", status_reason="cardholder_request", block_owner="cardholder"
    )

    fraud_alert_answer(
        alert=FraudAlert.objects.get(authorization=authorization),
        was_cardholder=True,
    )

    assert _card(test_card).status == "frozen"
    assert _history(authorization).is_fraud is False


@pytest.mark.django_db
def test_not_me_labels_fraud_and_replaces_the_card(active_model, test_card):
    """Given a "was this you?" on a medium score, when the cardholder says
    "not me", then the label is fraud, the card is closed as compromised and
    an inactive replacement is issued."""
    authorization = _scored(test_card, MEDIUM)
    alert = FraudAlert.objects.get(authorization=authorization)

    fraud_alert_answer(alert=alert, was_cardholder=False)

    assert FraudAlert.objects.get(pk=alert.pk).status == "fraud"
    assert _history(authorization).is_fraud is True
    card = _card(test_card)
    assert (card.status, card.status_reason) == ("closed", "compromised")
    replacement = Card.objects.get(replaces=card)
    assert replacement.status == "inactive"


@pytest.mark.django_db
def test_a_second_answer_is_a_conflict_and_changes_nothing(active_model, test_card):
    authorization = _scored(test_card, MEDIUM)
    alert = FraudAlert.objects.get(authorization=authorization)
    fraud_alert_answer(alert=alert, was_cardholder=True)
    before = FraudAlert.objects.get(pk=alert.pk).answered_at

    with pytest.raises(Conflict):
        fraud_alert_answer(alert=alert, was_cardholder=False)

    assert FraudAlert.objects.get(pk=alert.pk).status == "genuine"
    assert FraudAlert.objects.get(pk=alert.pk).answered_at == before
    assert _history(authorization).is_fraud is False
    assert _card(test_card).status == "active"
    assert Card.objects.count() == 1


# --- review cases ----------------------------------------------------------


@pytest.mark.django_db
def test_confirmed_fraud_labels_and_replaces_the_card(active_model, test_card, analyst):
    authorization = _scored(test_card, CRITICAL)
    case = ReviewCase.objects.get(authorization=authorization)

    closed = review_case_close(
        case=case, outcome="confirmed_fraud", reason="Card testing", analyst=analyst
    )

    assert (closed.status, closed.outcome, closed.outcome_reason) == (
        "closed",
        "confirmed_fraud",
        "Card testing",
    )
    assert closed.closed_at is not None
    assert closed.assigned_to == analyst
    assert _history(authorization).is_fraud is True
    assert _history(authorization).label_time == closed.closed_at
    card = _card(test_card)
    assert (card.status, card.status_reason) == ("closed", "compromised")
    assert Card.objects.filter(replaces=card).count() == 1
    event = OutboxEvent.objects.get(type="fraud.case_resolved")
    assert event.payload["outcome"] == "confirmed_fraud"
    assert event.payload["case_id"] == str(case.public_id)


@pytest.mark.django_db
def test_legitimate_labels_genuine_and_unfreezes(active_model, test_card, analyst):
    authorization = _scored(test_card, CRITICAL)
    case = ReviewCase.objects.get(authorization=authorization)

    review_case_close(
        case=case, outcome="legitimate", reason="Cardholder called", analyst=analyst
    )

    assert _history(authorization).is_fraud is False
    card = _card(test_card)
    assert (card.status, card.is_under_fraud_review) == ("active", False)
    follow_up = authorize(test_card, 100)
    assert follow_up.status == "approved"


@pytest.mark.django_db
def test_inconclusive_records_no_label_and_leaves_the_card(
    active_model, test_card, analyst
):
    authorization = _scored(test_card, CRITICAL)
    case = ReviewCase.objects.get(authorization=authorization)

    review_case_close(
        case=case, outcome="inconclusive", reason="No answer", analyst=analyst
    )

    record = _history(authorization)
    assert (record.is_fraud, record.label_time) == (None, None)
    card = _card(test_card)
    assert (card.status, card.is_under_fraud_review) == ("frozen", True)
    assert OutboxEvent.objects.filter(type="fraud.case_resolved").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("outcome", "reason", "error"),
    [
        ("maybe", "x", InvalidInput),
        ("legitimate", "  ", InvalidInput),
    ],
)
def test_a_bad_verdict_changes_nothing(
    active_model, test_card, analyst, outcome, reason, error
):
    case = ReviewCase.objects.get(authorization=_scored(test_card, HIGH))

    with pytest.raises(error):
        review_case_close(case=case, outcome=outcome, reason=reason, analyst=analyst)

    case.refresh_from_db()
    assert (case.status, case.outcome, case.closed_at) == ("open", "", None)
    assert not OutboxEvent.objects.filter(type="fraud.case_resolved").exists()


@pytest.mark.django_db
def test_a_closed_case_cannot_be_closed_again(active_model, test_card, analyst):
    case = ReviewCase.objects.get(authorization=_scored(test_card, HIGH))
    review_case_close(case=case, outcome="legitimate", reason="ok", analyst=analyst)

    with pytest.raises(Conflict):
        review_case_close(
            case=case, outcome="confirmed_fraud", reason="no", analyst=analyst
        )

    case.refresh_from_db()
    assert case.outcome == "legitimate"
    assert Card.objects.count() == 1


@pytest.mark.django_db
def test_an_analyst_cannot_close_a_case_assigned_to_another(
    active_model, test_card, analyst, make_staff
):
    other = make_staff("bob", FRAUD_ANALYST)
    case = ReviewCase.objects.get(authorization=_scored(test_card, HIGH))
    review_case_claim_next(analyst=other)

    with pytest.raises(Forbidden):
        review_case_close(case=case, outcome="legitimate", reason="ok", analyst=analyst)

    case.refresh_from_db()
    assert (case.status, case.assigned_to) == ("in_review", other)


def _case(test_card, priority, due_in_minutes):
    authorization = _scored(test_card, HIGH)
    case = ReviewCase.objects.get(authorization=authorization)
    ReviewCase.objects.filter(pk=case.pk).update(
        priority=priority,
        sla_due_at=timezone.now() + timedelta(minutes=due_in_minutes),
    )
    return case


@pytest.mark.django_db
def test_claim_next_takes_the_most_urgent_then_soonest_due(
    active_model, issue_card, analyst, make_staff
):
    card = issue_card()
    later_urgent = _case(card, priority=1, due_in_minutes=50)
    sooner_urgent = _case(card, priority=1, due_in_minutes=20)
    soonest_high = _case(card, priority=2, due_in_minutes=-30)
    taken = _case(card, priority=1, due_in_minutes=5)
    ReviewCase.objects.filter(pk=taken.pk).update(
        assigned_to=make_staff("bob", FRAUD_ANALYST)
    )

    claims = [review_case_claim_next(analyst=analyst) for _ in range(4)]

    assert [c.pk if c else None for c in claims] == [
        sooner_urgent.pk,
        later_urgent.pk,
        soonest_high.pk,
        None,
    ]
    assert set(
        ReviewCase.objects.filter(assigned_to=analyst).values_list("status", flat=True)
    ) == {"in_review"}


@pytest.mark.django_db
def test_only_analysts_claim(active_model, make_staff):
    with pytest.raises(Forbidden):
        review_case_claim_next(analyst=make_staff("sam", SUPPORT_AGENT))


@pytest.mark.django_db
def test_a_supervisor_assigns_a_case(active_model, test_card, analyst, supervisor):
    case = ReviewCase.objects.get(authorization=_scored(test_card, HIGH))

    assigned = review_case_assign(case=case, analyst=analyst, actor=supervisor)

    assert (assigned.assigned_to, assigned.status) == (analyst, "in_review")


@pytest.mark.django_db
def test_an_analyst_cannot_assign(active_model, test_card, analyst, make_staff):
    case = ReviewCase.objects.get(authorization=_scored(test_card, HIGH))

    with pytest.raises(Forbidden):
        review_case_assign(
            case=case, analyst=make_staff("bob", FRAUD_ANALYST), actor=analyst
        )

    case.refresh_from_db()
    assert (case.assigned_to, case.status) == (None, "open")


@pytest.mark.django_db(transaction=True)
def test_two_analysts_claiming_at_once_never_get_the_same_case(
    active_model, issue_card, make_staff
):
    """Concurrent claims on MariaDB: SKIP LOCKED hands out distinct cases."""
    if connection.vendor != "mysql":
        pytest.skip("needs row locks (MariaDB)")
    card = issue_card()
    cases = {_case(card, priority=1, due_in_minutes=n).pk for n in range(6)}
    analysts = [make_staff(f"a{n}", FRAUD_ANALYST) for n in range(3)]
    claimed: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(analysts))

    def work(analyst):
        try:
            barrier.wait()
            while (case := review_case_claim_next(analyst=analyst)) is not None:
                with lock:
                    claimed.append(case.pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(a,)) for a in analysts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(claimed) == sorted(cases)
