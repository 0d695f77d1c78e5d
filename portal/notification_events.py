"""What each outbox event tells the cardholder it concerns.

`notifications_for_events` turns a relay pass's events into the
notifications they make:
a declined purchase (with the reason and next step in plain words), an
approved purchase at or above the cardholder's large-purchase amount, a
fraud alert ("was this you?"), a closed statement (amount and due date), a
payment received, a card's status change (frozen, active again, blocked,
closed) or replacement, and a lowered credit limit. A card's issuing and
first activation make none (the cardholder is there when they happen), nor
do other events and events about unknown cards, accounts or payments.
Texts name a card by its last four digits only.
"""

import datetime
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.urls import reverse

from accounts.models import (
    Cardholder,
    CreditAccount,
    CreditDecision,
    Notification,
    NotificationPreference,
    Payment,
)
from accounts.notification_selectors import notification_preferences_of
from accounts.services.notifications import NotificationContent
from cards.models import Authorization, Card, CardStatusChange
from cards.services.lifecycle import CLOSE_AT_ONCE
from issuer.kernel.models import OutboxEvent
from issuer.kernel.money import format_money
from portal.decline_help import decline_next_step

logger = logging.getLogger(__name__)

AUTHORIZATION_EVENTS = (
    "authorization.declined",
    "authorization.approved",
    "fraud.alert",
)
NOTIFYING_EVENTS = (
    *AUTHORIZATION_EVENTS,
    "statement.closed",
    "credit.limit_decreased",
    "payment.received",
    "card.status_changed",
    "card.replaced",
)
Status = Card.Status
Reason = CardStatusChange.Reason


@dataclass(frozen=True)
class Addressed:
    """One notification for one cardholder."""

    cardholder: Cardholder
    content: NotificationContent


def notifications_for_events(
    *, events: Sequence[OutboxEvent]
) -> list[tuple[OutboxEvent, list[Addressed]]]:
    """Each event, in order, with the notifications it makes (none for
    events it does not know).

    A relay pass is mostly approvals below any large-purchase amount: the
    authorizations the pass names (with card, account and cardholder) and
    those cardholders' preferences are read in one query each for the whole
    pass, so a pass costs the same few queries however many it carries.
    """
    named = {
        _uuid(event.payload.get("authorization_id"))
        for event in events
        if event.type in AUTHORIZATION_EVENTS
    }
    authorizations = (
        {
            authorization.public_id: authorization
            for authorization in Authorization.objects.select_related(
                "card__account__cardholder"
            ).filter(public_id__in=named)
        }
        if named
        else {}
    )
    preferences = notification_preferences_of(
        cardholder_ids={
            authorization.card.account.cardholder_id
            for authorization in authorizations.values()
            if authorization.card is not None
        }
    )
    return [
        (
            event,
            _about_authorization(
                event.type,
                authorizations.get(_uuid(event.payload.get("authorization_id"))),
                preferences,
            )
            if event.type in AUTHORIZATION_EVENTS
            else _about_account_or_card(event),
        )
        for event in events
    ]


def _about_account_or_card(event: OutboxEvent) -> list[Addressed]:
    if event.type == "statement.closed":
        return _statement_closed(event.payload)
    if event.type == "credit.limit_decreased":
        return _limit_decreased(event.payload)
    if event.type == "payment.received":
        return _payment_received(event.payload)
    if event.type == "card.status_changed":
        return _card_status_changed(event.payload)
    if event.type == "card.replaced":
        return _card_replaced(event.payload)
    return []


def _notify(
    cardholder: Cardholder, *, kind: str, title: str, body: str, page: str
) -> list[Addressed]:
    """One notification for the cardholder, linking to the named portal page."""
    return [
        Addressed(
            cardholder,
            NotificationContent(
                kind=kind, title=title, body=body, link_path=reverse(page)
            ),
        )
    ]


def _uuid(value: object) -> uuid.UUID:
    """The id an event names; the nil UUID (matching nothing) when malformed."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return uuid.UUID(int=0)


def money_text(amount: int, currency: str) -> str:
    """An amount as notifications write it: "1,234.56 USD"."""
    return f"{format_money(amount, currency)} {currency}"


def day_text(day: datetime.date) -> str:
    """A date as notifications write it: "October 23, 2026"."""
    return f"{day:%B} {day.day}, {day.year}"


def _about_authorization(
    event_type: str,
    authorization: Authorization | None,
    preferences: dict[int, NotificationPreference],
) -> list[Addressed]:
    if authorization is None or authorization.card is None:
        return []
    card = authorization.card
    cardholder = card.account.cardholder
    where = authorization.merchant_name or authorization.merchant_id
    amount = money_text(authorization.amount, authorization.currency)
    if event_type == "authorization.declined":
        return _notify(
            cardholder,
            kind=Notification.Kind.DECLINE,
            title=f"Purchase declined on card •••• {card.last_four}",
            body=(
                f"A purchase of {amount} at {where} was declined. "
                f"{authorization.reason} "
                f"{decline_next_step(reason=authorization.reason)}"
            ),
            page="portal-transactions",
        )
    if event_type == "authorization.approved":
        preference = preferences[cardholder.pk]
        if authorization.amount < preference.large_transaction_threshold:
            return []
        return _notify(
            cardholder,
            kind=Notification.Kind.LARGE_TRANSACTION,
            title=f"Large purchase on card •••• {card.last_four}",
            body=(
                f"A purchase of {amount} at {where} was approved. "
                "If it was not you, freeze the card under Cards."
            ),
            page="portal-transactions",
        )
    return _notify(
        cardholder,
        kind=Notification.Kind.FRAUD_ALERT,
        title=f"Was this you? Card •••• {card.last_four}",
        body=(
            f"A purchase of {amount} at {where} looks unusual. "
            "Tell us whether it was you on your Alerts page."
        ),
        page="portal-alerts",
    )


def _statement_closed(payload: dict) -> list[Addressed]:
    account = (
        CreditAccount.objects.select_related("cardholder")
        .filter(public_id=_uuid(payload.get("account_id")))
        .first()
    )
    try:
        balance = int(payload["new_balance"])
        minimum = int(payload["minimum_payment"])
        due = datetime.date.fromisoformat(payload["due_date"])
    except (KeyError, TypeError, ValueError):
        logger.warning(
            "statement event of account %s lacks its figures; skipped",
            payload.get("account_id"),
        )
        return []
    if account is None:
        return []
    due_text = day_text(due)
    currency = account.currency
    if balance > 0:
        body = (
            f"Your statement is ready. New balance {money_text(balance, currency)}; "
            f"minimum payment {money_text(minimum, currency)} due by {due_text}."
        )
    else:
        body = "Your statement is ready. Nothing is due this month."
    return _notify(
        account.cardholder,
        kind=Notification.Kind.STATEMENT_READY,
        title=f"Statement ready: payment due {due_text}"
        if balance > 0
        else "Statement ready: nothing due",
        body=body,
        page="portal-statements",
    )


def _limit_decreased(payload: dict) -> list[Addressed]:
    """The credit decision's notice to the cardholder, as the officer recorded it."""
    decision = (
        CreditDecision.objects.select_related("account__cardholder")
        .filter(public_id=_uuid(payload.get("decision_id")))
        .first()
    )
    if decision is None or not decision.cardholder_notice:
        return []
    account = decision.account
    return _notify(
        account.cardholder,
        kind=Notification.Kind.CREDIT_LIMIT,
        title="Your credit limit was lowered to "
        f"{money_text(decision.new_limit, account.currency)}",
        body=decision.cardholder_notice,
        page="portal-dashboard",
    )


def _payment_received(payload: dict) -> list[Addressed]:
    payment = (
        Payment.objects.select_related("account__cardholder")
        .filter(public_id=_uuid(payload.get("payment_id")))
        .first()
    )
    if payment is None:
        return []
    amount = money_text(payment.amount, payment.currency)
    what = "autopay payment" if payment.source == Payment.Source.AUTOPAY else "payment"
    received = payment.received_at.astimezone(datetime.UTC).date()
    return _notify(
        payment.account.cardholder,
        kind=Notification.Kind.PAYMENT_RECEIVED,
        title=f"Payment received: {amount}",
        body=f"Your {what} of {amount} was received on "
        f"{day_text(received)}. Thank you.",
        page="portal-payments",
    )


def _card_of(card_id: object) -> Card | None:
    return (
        Card.objects.select_related("account__cardholder")
        .filter(public_id=_uuid(card_id))
        .first()
    )


def _reason_text(reason: object) -> str:
    """The reason's label ("Suspicious activity"); the raw value if unknown."""
    text = str(reason)
    return str(Reason(text).label) if text in Reason.values else text


def _status_change_text(
    card: Card, from_status: object, to_status: object, reason: object
) -> tuple[str, str] | None:
    """Title and body of a status change; None for one that tells nothing."""
    named = f"Card •••• {card.last_four}"
    if to_status == Status.FROZEN:
        return (
            f"{named} frozen",
            f"{named} was frozen. Reason: {_reason_text(reason)}. New purchases "
            "are declined until it is unfrozen under Cards.",
        )
    if to_status == Status.ACTIVE and from_status in (Status.FROZEN, Status.BLOCKED):
        verb = "unfrozen" if from_status == Status.FROZEN else "unblocked"
        return (
            f"{named} {verb}",
            f"{named} is active again and purchases are approved as usual. "
            "If you did not ask for this, freeze the card under Cards.",
        )
    if to_status == Status.BLOCKED:
        return (
            f"{named} blocked",
            f"{named} was blocked after too many wrong security codes (CVV). "
            "If those attempts were yours, unblock it under Cards; if not, "
            "report the card there."
            if reason == Reason.CVV_FAILURES
            else f"{named} was blocked. Reason: {_reason_text(reason)}.",
        )
    if to_status == Status.CLOSED:
        return (
            f"{named} closed",
            f"{named} was closed: the new card replacing it is active."
            if reason == Reason.REPLACED
            else f"{named} was closed. Reason: {_reason_text(reason)}. "
            "It can no longer be used.",
        )
    return None  # issued (inactive) or first activated: the cardholder knows


def _card_status_changed(payload: dict) -> list[Addressed]:
    card = _card_of(payload.get("card_id"))
    if card is None:
        return []
    text = _status_change_text(
        card,
        payload.get("from_status"),
        payload.get("to_status"),
        payload.get("reason"),
    )
    if text is None:
        return []
    title, body = text
    return _notify(
        card.account.cardholder,
        kind=Notification.Kind.CARD_STATUS,
        title=title,
        body=body,
        page="portal-cards",
    )


def _card_replaced(payload: dict) -> list[Addressed]:
    old = _card_of(payload.get("card_id"))
    new = _card_of(payload.get("replacement_card_id"))
    if old is None or new is None:
        return []
    old_named = f"card •••• {old.last_four}"
    reason = payload.get("reason")
    until = (
        f"{old_named} is closed."
        if reason in CLOSE_AT_ONCE
        else f"{old_named} works until then."
    )
    return _notify(
        old.account.cardholder,
        kind=Notification.Kind.CARD_STATUS,
        title=f"New card •••• {new.last_four} replaces •••• {old.last_four}",
        body=f"A new card •••• {new.last_four} replaces {old_named}. "
        f"Reason: {_reason_text(reason)}. Activate it under "
        f"Cards when it arrives; {until}",
        page="portal-cards",
    )
