"""Fraud disputes become training labels (DESIGN.md §6).

- Filed with reason fraud: the cardholder says someone else made the
  transaction; its live history row is labelled fraud, known from the
  filing time.
- Withdrawn, reason fraud: the cardholder takes the claim back; the row is
  labelled genuine, known from the withdrawal.
- Won or lost: no change. The network's decision allocates liability
  (deadlines, chip rules, the merchant's evidence); it does not establish
  who made the transaction, so a lost fraud dispute keeps its fraud label.

Other reasons (not received, duplicate, ...) say nothing about fraud. A
capture without an authorization has no live history row and is skipped.
Labelling again with the same label keeps its first time (idempotent).
"""

import logging

from cards.models import Dispute
from fraud.services.history import historical_transaction_label
from fraud.services.live import live_transaction_record

logger = logging.getLogger(__name__)

DISPUTE_LABEL_EVENTS = ("dispute.filed", "dispute.resolved")


def dispute_label_record(*, dispute: Dispute, event_type: str) -> bool | None:
    """Label the disputed transaction after a dispute event; return the label
    written (True fraud, False genuine) or None when the event says nothing."""
    if dispute.reason != Dispute.Reason.FRAUD:
        return None
    if event_type == "dispute.filed":
        is_fraud, known_at = True, dispute.filed_at
    elif event_type == "dispute.resolved" and (
        dispute.status == Dispute.Status.WITHDRAWN
    ):
        assert dispute.resolved_at is not None
        is_fraud, known_at = False, dispute.resolved_at
    else:
        return None
    authorization = dispute.capture.authorization
    if authorization is None:
        logger.info(
            "dispute %s: capture without authorization, no history row to label",
            dispute.public_id,
        )
        return None
    record = live_transaction_record(authorization=authorization)
    historical_transaction_label(
        transaction_id=record.transaction_id, is_fraud=is_fraud, label_time=known_at
    )
    return is_fraud
