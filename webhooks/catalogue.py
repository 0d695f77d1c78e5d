"""The events partners can subscribe to, and what each one tells them.

An outbox event becomes at most one public event: its type (the dispute
lifecycle's events all become `dispute.updated`), its `data` (the object as
the partner API shows it, with the event's own facts laid over it so a late
rendering never reports a later state), the object its deliveries are
ordered by, and the partners it concerns: the program manager whose
cardholder it is about and, for transactions, the partner that sent the
transaction. Issuer-managed cardholders' events go to the sending partner
only. Nothing here ever carries a card number or a CVV.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from accounts.apis import StatementOutputSerializer
from accounts.models import Cardholder, Payment, Statement
from cards.apis import (
    AuthorizationDetailOutputSerializer,
    CaptureOutputSerializer,
    RefundOutputSerializer,
)
from cards.apis_disputes import DisputeOutputSerializer
from cards.apis_program import CardOutputSerializer
from cards.models import Authorization, Capture, Card, Dispute, Refund
from fraud.models import ReviewCase
from issuer.kernel.models import OutboxEvent

PUBLIC_EVENT_TYPES = (
    "authorization.approved",
    "authorization.declined",
    "authorization.reversed",
    "authorization.expired",
    "transaction.cleared",
    "transaction.refunded",
    "card.status_changed",
    "card.replaced",
    "fraud.case_opened",
    "fraud.case_resolved",
    "statement.closed",
    "payment.received",
    "payment.returned",
    "dispute.updated",
)
ALL_EVENTS = "*"  # an endpoint's subscription to every type
SUBSCRIBABLE_EVENT_TYPES = (*PUBLIC_EVENT_TYPES, ALL_EVENTS)


@dataclass(frozen=True)
class PublicEvent:
    type: str
    object_key: str
    data: dict[str, Any]
    partner_ids: frozenset[int]


def _uuid(value: object) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return uuid.UUID(int=0)


def _partners(*ids: int | None) -> frozenset[int]:
    return frozenset(pk for pk in ids if pk is not None)


def _program_partner(cardholder: Cardholder) -> int | None:
    return cardholder.program_partner_id


def _authorization(event: OutboxEvent) -> PublicEvent | None:
    authorization = (
        Authorization.objects.select_related("card__account__cardholder", "account")
        .filter(public_id=_uuid(event.payload.get("authorization_id")))
        .first()
    )
    if authorization is None:
        return None
    account = authorization.account
    program = _program_partner(account.cardholder) if account else None
    return PublicEvent(
        type=event.type,
        object_key=f"authorization:{authorization.public_id}",
        data=dict(AuthorizationDetailOutputSerializer(authorization).data),
        partner_ids=_partners(authorization.partner_id, program),
    )


def _transaction_key(movement: Capture | Refund) -> str:
    if movement.authorization is not None:
        return f"authorization:{movement.authorization.public_id}"
    return f"{type(movement).__name__.lower()}:{movement.public_id}"


def _cleared(event: OutboxEvent) -> PublicEvent | None:
    capture = (
        Capture.objects.select_related("authorization", "card__account__cardholder")
        .filter(public_id=_uuid(event.payload.get("capture_id")))
        .first()
    )
    if capture is None:
        return None
    return PublicEvent(
        type=event.type,
        object_key=_transaction_key(capture),
        data={
            **CaptureOutputSerializer(capture).data,
            "card_id": str(capture.card.public_id),
        },
        partner_ids=_partners(
            capture.partner_id, _program_partner(capture.card.account.cardholder)
        ),
    )


def _refunded(event: OutboxEvent) -> PublicEvent | None:
    refund = (
        Refund.objects.select_related("authorization", "card__account__cardholder")
        .filter(public_id=_uuid(event.payload.get("refund_id")))
        .first()
    )
    if refund is None:
        return None
    return PublicEvent(
        type=event.type,
        object_key=_transaction_key(refund),
        data=dict(RefundOutputSerializer(refund).data),
        partner_ids=_partners(
            refund.partner_id, _program_partner(refund.card.account.cardholder)
        ),
    )


def _card(event: OutboxEvent) -> PublicEvent | None:
    card = (
        Card.objects.select_related("account__cardholder", "replaces")
        .filter(public_id=_uuid(event.payload.get("card_id")))
        .first()
    )
    if card is None:
        return None
    payload = event.payload
    data = dict(CardOutputSerializer(card).data)
    if event.type == "card.status_changed":
        data |= {
            "status": payload.get("to_status", card.status),
            "status_reason": payload.get("reason", card.status_reason),
            "previous_status": payload.get("from_status"),
        }
    else:
        data["replacement_card_id"] = payload.get("replacement_card_id")
    return PublicEvent(
        type=event.type,
        object_key=f"card:{card.public_id}",
        data=data,
        partner_ids=_partners(_program_partner(card.account.cardholder)),
    )


def _case(event: OutboxEvent) -> PublicEvent | None:
    case = (
        ReviewCase.objects.select_related(
            "authorization", "card__account__cardholder", "score"
        )
        .filter(public_id=_uuid(event.payload.get("case_id")))
        .first()
    )
    if case is None:
        return None
    opened = event.type == "fraud.case_opened"
    return PublicEvent(
        type=event.type,
        object_key=f"fraud_case:{case.public_id}",
        data={
            "id": str(case.public_id),
            "status": "open" if opened else case.status,
            "tier": case.tier,
            "score": case.score.score,
            "authorization_id": str(case.authorization.public_id),
            "card_id": str(case.card.public_id),
            "account_id": str(case.card.account.public_id),
            "outcome": "" if opened else event.payload.get("outcome", case.outcome),
            "created": case.created_at.isoformat(),
        },
        partner_ids=_partners(_program_partner(case.card.account.cardholder)),
    )


def _statement(event: OutboxEvent) -> PublicEvent | None:
    statement = (
        Statement.objects.select_related("account__cardholder")
        .filter(public_id=_uuid(event.payload.get("statement_id")))
        .first()
    )
    if statement is None:
        return None
    return PublicEvent(
        type=event.type,
        object_key=f"statement:{statement.public_id}",
        data={
            **StatementOutputSerializer(statement).data,
            "account_id": str(statement.account.public_id),
        },
        partner_ids=_partners(_program_partner(statement.account.cardholder)),
    )


def _payment(event: OutboxEvent) -> PublicEvent | None:
    payment = (
        Payment.objects.select_related("account__cardholder")
        .filter(public_id=_uuid(event.payload.get("payment_id")))
        .first()
    )
    if payment is None:
        return None
    returned = event.type == "payment.returned"
    return PublicEvent(
        type=event.type,
        object_key=f"payment:{payment.public_id}",
        data={
            "id": str(payment.public_id),
            "account_id": str(payment.account.public_id),
            "amount": payment.amount,
            "currency": payment.currency,
            "source": payment.source,
            "status": Payment.Status.RETURNED if returned else Payment.Status.POSTED,
            "received_at": payment.received_at.isoformat(),
        },
        partner_ids=_partners(_program_partner(payment.account.cardholder)),
    )


def _dispute(event: OutboxEvent) -> PublicEvent | None:
    dispute = (
        Dispute.objects.select_related(
            "account__cardholder", "capture__card", "capture__authorization"
        )
        .filter(public_id=_uuid(event.payload.get("dispute_id")))
        .first()
    )
    if dispute is None:
        return None
    return PublicEvent(
        type=public_type_of(event.type),
        object_key=f"dispute:{dispute.public_id}",
        data={
            **DisputeOutputSerializer(dispute).data,
            "status": event.payload.get("status", dispute.status),
        },
        partner_ids=_partners(_program_partner(dispute.account.cardholder)),
    )


RENDERERS: dict[str, Callable[[OutboxEvent], PublicEvent | None]] = {
    "authorization.approved": _authorization,
    "authorization.declined": _authorization,
    "authorization.reversed": _authorization,
    "authorization.expired": _authorization,
    "transaction.cleared": _cleared,
    "transaction.refunded": _refunded,
    "card.status_changed": _card,
    "card.replaced": _card,
    "fraud.case_opened": _case,
    "fraud.case_resolved": _case,
    "statement.closed": _statement,
    "payment.received": _payment,
    "payment.returned": _payment,
    "dispute.filed": _dispute,
    "dispute.submitted": _dispute,
    "dispute.resolved": _dispute,
}
INTERNAL_EVENT_TYPES = tuple(RENDERERS)
DISPUTE_LIFECYCLE = ("dispute.filed", "dispute.submitted", "dispute.resolved")


def public_type_of(internal_type: str) -> str:
    """The type partners see for an outbox event type."""
    return "dispute.updated" if internal_type in DISPUTE_LIFECYCLE else internal_type


def public_event_of(event: OutboxEvent) -> PublicEvent | None:
    """The public event an outbox event makes, or None (not public, or its
    object is gone)."""
    renderer = RENDERERS.get(event.type)
    return renderer(event) if renderer else None
