"""Simulated feedback for live traffic (demo only).

The simulator knows which of its transactions are fraud, so it can play the
people who answer the fraud system, some seconds after each authorization
and through the same services they use: the cardholder answering "was this
you?", the analyst deciding a review case, and the chargeback that reports
fraud nothing caught. That gives the live history labels, so the dashboards'
fraud rates, model performance and business impact have something to show.
Not every case is decided, so the queue keeps a backlog and SLA breaches.
"""

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from accounts.models import User
from cards.models import Authorization, Card
from fraud.models import FraudAction, FraudAlert, HistoricalTransaction, ReviewCase
from fraud.services.history import historical_transaction_label
from fraud.services.live import live_transaction_id
from fraud.services.outcomes import fraud_alert_answer, review_case_close
from issuer.kernel.errors import DomainError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Sent:
    authorization_id: str
    is_fraud: bool
    card_index: int
    sent_at: float


@dataclass
class FeedbackStats:
    alerts_answered: int = 0
    cases_decided: int = 0
    chargebacks: int = 0
    closed_card_indexes: set[int] = field(default_factory=set)


class LiveFeedback:
    """Answer alerts, decide cases and file chargebacks for sent traffic."""

    def __init__(
        self,
        *,
        analyst: User | None,
        delay_seconds: float = 30.0,
        answer_rate: float = 0.8,
        decide_rate: float = 0.7,
        seed: int = 0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.analyst = analyst
        self.delay_seconds = delay_seconds
        self.answer_rate = answer_rate
        self.decide_rate = decide_rate
        self.rng = random.Random(seed)
        self.clock = clock
        self.sent: list[_Sent] = []
        self.totals = FeedbackStats()

    def record(self, *, authorization_id: str, is_fraud: bool, card_index: int) -> None:
        """Remember the truth of an authorization just sent."""
        self.sent.append(_Sent(authorization_id, is_fraud, card_index, self.clock()))

    def settle(self) -> FeedbackStats:
        """Give feedback on every authorization sent `delay_seconds` ago or
        more; say which cards (by index) it closed as compromised."""
        due_before = self.clock() - self.delay_seconds
        due = [sent for sent in self.sent if sent.sent_at <= due_before]
        self.sent = [sent for sent in self.sent if sent.sent_at > due_before]
        stats = FeedbackStats()
        for sent in due:
            try:
                self._feedback(sent, stats)
            except DomainError as error:  # answered or decided meanwhile
                logger.info("feedback skipped: %s", error.message)
        for name in ("alerts_answered", "cases_decided", "chargebacks"):
            setattr(
                self.totals, name, getattr(self.totals, name) + getattr(stats, name)
            )
        self.totals.closed_card_indexes |= stats.closed_card_indexes
        return stats

    def _feedback(self, sent: _Sent, stats: FeedbackStats) -> None:
        authorization = (
            Authorization.objects.filter(public_id=sent.authorization_id)
            .select_related("card")
            .first()
        )
        if authorization is None or authorization.card is None:
            return
        alert = FraudAlert.objects.filter(
            authorization=authorization, status=FraudAlert.Status.PENDING
        ).first()
        if alert is not None and self.rng.random() < self.answer_rate:
            fraud_alert_answer(alert=alert, was_cardholder=not sent.is_fraud)
            stats.alerts_answered += 1
        case = (
            ReviewCase.objects.filter(authorization=authorization)
            .exclude(status=ReviewCase.Status.CLOSED)
            .first()
        )
        if (
            case is not None
            and self.analyst is not None
            and self.rng.random() < self.decide_rate
        ):
            review_case_close(
                case=case,
                outcome=ReviewCase.Outcome.CONFIRMED_FRAUD
                if sent.is_fraud
                else ReviewCase.Outcome.LEGITIMATE,
                reason="Simulated analyst: the simulator's truth.",
                analyst=self.analyst,
            )
            stats.cases_decided += 1
        if sent.is_fraud and self._missed(authorization):
            historical_transaction_label(
                transaction_id=live_transaction_id(authorization), is_fraud=True
            )
            stats.chargebacks += 1
        if Card.objects.filter(
            pk=authorization.card.pk, status=Card.Status.CLOSED
        ).exists():
            stats.closed_card_indexes.add(sent.card_index)

    @staticmethod
    def _missed(authorization: Authorization) -> bool:
        """Approved fraud nothing acted on, recorded in the live history and
        not labelled yet: its chargeback arrives."""
        return (
            authorization.status == Authorization.Status.APPROVED
            and not FraudAction.objects.filter(authorization=authorization).exists()
            and HistoricalTransaction.objects.filter(
                transaction_id=live_transaction_id(authorization),
                is_fraud__isnull=True,
            ).exists()
        )
