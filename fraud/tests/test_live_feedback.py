"""The demo's simulated feedback answers alerts, decides cases and files
chargebacks from the simulator's truth, once each authorization is due."""

import pytest

from accounts.roles import FRAUD_ANALYST
from fraud.live_feedback import LiveFeedback
from fraud.models import FraudAlert, HistoricalTransaction, ReviewCase
from fraud.services.live import authorization_score, live_transaction_id
from fraud.tests.conftest import authorize

pytestmark = pytest.mark.django_db


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def sent(active_model, issue_card):
    """A genuine High (a case), a fraudulent Medium (an alert) and a
    fraudulent Low (nothing acted), on three cards, scored."""
    cards = [issue_card(), issue_card(), issue_card()]
    authorizations = {
        "high_genuine": (authorize(cards[0], 4_500), False, 0),
        "medium_fraud": (authorize(cards[1], 3_500), True, 1),
        "low_fraud": (authorize(cards[2], 100), True, 2),
    }
    for authorization, _, _ in authorizations.values():
        authorization_score(authorization=authorization)
    return authorizations


def record_all(feedback: LiveFeedback, sent) -> None:
    for authorization, is_fraud, card_index in sent.values():
        feedback.record(
            authorization_id=str(authorization.public_id),
            is_fraud=is_fraud,
            card_index=card_index,
        )


def labels() -> dict[str, bool | None]:
    return dict(
        HistoricalTransaction.objects.filter(source="live").values_list(
            "transaction_id", "is_fraud"
        )
    )


def test_due_feedback_labels_what_it_answers_decides_and_charges_back(sent, make_staff):
    clock = Clock()
    analyst = make_staff("demo-analyst", FRAUD_ANALYST)
    feedback = LiveFeedback(
        analyst=analyst, delay_seconds=30, answer_rate=1, decide_rate=1, clock=clock
    )
    record_all(feedback, sent)

    clock.now = 129.0
    early = feedback.settle()
    untouched = labels()
    clock.now = 130.0
    stats = feedback.settle()
    again = feedback.settle()

    assert (early.alerts_answered, early.cases_decided, early.chargebacks) == (0, 0, 0)
    assert set(untouched.values()) == {None}
    assert (stats.alerts_answered, stats.cases_decided, stats.chargebacks) == (1, 1, 1)
    assert stats.closed_card_indexes == {1}  # "it was not me" closed that card
    tid = {name: live_transaction_id(a) for name, (a, _, _) in sent.items()}
    assert labels() == {
        tid["high_genuine"]: False,
        tid["medium_fraud"]: True,
        tid["low_fraud"]: True,
    }
    case = ReviewCase.objects.get()
    assert (case.outcome, case.assigned_to) == ("legitimate", analyst)
    assert FraudAlert.objects.get().status == FraudAlert.Status.FRAUD
    assert (again.alerts_answered, again.cases_decided, again.chargebacks) == (0, 0, 0)
    assert feedback.totals.cases_decided == 1


def test_undecided_cases_and_unanswered_alerts_stay_open(sent, make_staff):
    clock = Clock()
    feedback = LiveFeedback(
        analyst=make_staff("demo-analyst", FRAUD_ANALYST),
        delay_seconds=0,
        answer_rate=0,
        decide_rate=0,
        clock=clock,
    )
    record_all(feedback, sent)

    stats = feedback.settle()

    assert (stats.alerts_answered, stats.cases_decided, stats.chargebacks) == (0, 0, 1)
    assert ReviewCase.objects.get().status == ReviewCase.Status.OPEN
    assert FraudAlert.objects.get().status == FraudAlert.Status.PENDING
    assert stats.closed_card_indexes == set()
