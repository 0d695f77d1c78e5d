"""What each outbox event tells the cardholder it concerns.

`notifications_for_events` turns events into the notifications they make:
a declined purchase (with the reason and next step in plain words), an
approved purchase at or above the cardholder's large-purchase amount, a
fraud alert ("was this you?") and a closed statement (amount and due date).
Other events, and events about unknown cards or accounts, make none. Texts
name a card by its last four digits only.

The relay hands the consumer a pass's events at once, mostly approvals
below any cardholder's large-purchase amount: the authorizations they
name (with card, account and cardholder) and those cardholders'
preferences are read in one query each for the whole pass, so a pass
costs the same few queries however many approvals it carries.
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
)
from accounts.notification_selectors import notification_preferences_of
from accounts.services.notifications import NotificationContent
from cards.models import Authorization
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
)


@dataclass(frozen=True)
class Addressed:
    """One notification for one cardholder."""

    cardholder: Cardholder
    content: NotificationContent


def notifications_for_events(
    *, events: Sequence[OutboxEvent]
) -> list[tuple[OutboxEvent, list[Addressed]]]:
    """Each event, in order, with the notifications it makes (none for
    events it does not know)."""
    named = {
        _uuid(event.payload.get("authorization_id"))
        for event in events
        if event.type in AUTHORIZATION_EVENTS
    }
    authorizations = {
        authorization.public_id: authorization
        for authorization in Authorization.objects.select_related(
            "card__account__cardholder"
        ).filter(public_id__in=named)
    }
    preferences = notification_preferences_of(
        cardholder_ids={
            authorization.card.account.cardholder_id
            for authorization in authorizations.values()
            if authorization.card is not None
        }
    )
    made = []
    for event in events:
        if event.type in AUTHORIZATION_EVENTS:
            authorization = authorizations.get(
                _uuid(event.payload.get("authorization_id"))
            )
            addressed = _about_authorization(event.type, authorization, preferences)
        elif event.type == "statement.closed":
            addressed = _statement_closed(event.payload)
        elif event.type == "credit.limit_decreased":
            addressed = _limit_decreased(event.payload)
        else:
            addressed = []
        made.append((event, addressed))
    return made


def _uuid(value: object) -> uuid.UUID:
    """The id an event names; the nil UUID (matching nothing) when malformed."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return uuid.UUID(int=0)


def _money(amount: int, currency: str) -> str:
    return f"{format_money(amount, currency)} {currency}"


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
    amount = _money(authorization.amount, authorization.currency)
    if event_type == "authorization.declined":
        return [
            Addressed(
                cardholder,
                NotificationContent(
                    kind=Notification.Kind.DECLINE,
                    title=f"Purchase declined on card •••• {card.last_four}",
                    body=(
                        f"A purchase of {amount} at {where} was declined. "
                        f"{authorization.reason} "
                        f"{decline_next_step(reason=authorization.reason)}"
                    ),
                    link_path=reverse("portal-transactions"),
                ),
            )
        ]
    if event_type == "authorization.approved":
        preference = preferences[cardholder.pk]
        if authorization.amount < preference.large_transaction_threshold:
            return []
        return [
            Addressed(
                cardholder,
                NotificationContent(
                    kind=Notification.Kind.LARGE_TRANSACTION,
                    title=f"Large purchase on card •••• {card.last_four}",
                    body=(
                        f"A purchase of {amount} at {where} was approved. "
                        "If it was not you, freeze the card under Cards."
                    ),
                    link_path=reverse("portal-transactions"),
                ),
            )
        ]
    return [
        Addressed(
            cardholder,
            NotificationContent(
                kind=Notification.Kind.FRAUD_ALERT,
                title=f"Was this you? Card •••• {card.last_four}",
                body=(
                    f"A purchase of {amount} at {where} looks unusual. "
                    "Tell us whether it was you on your Alerts page."
                ),
                link_path=reverse("portal-alerts"),
            ),
        )
    ]


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
    due_text = f"{due:%B} {due.day}, {due.year}"
    currency = account.currency
    if balance > 0:
        body = (
            f"Your statement is ready. New balance {_money(balance, currency)}; "
            f"minimum payment {_money(minimum, currency)} due by {due_text}."
        )
    else:
        body = "Your statement is ready. Nothing is due this month."
    return [
        Addressed(
            account.cardholder,
            NotificationContent(
                kind=Notification.Kind.DUE_DATE,
                title=f"Statement ready: payment due {due_text}"
                if balance > 0
                else "Statement ready: nothing due",
                body=body,
                link_path=reverse("portal-statements"),
            ),
        )
    ]


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
    return [
        Addressed(
            account.cardholder,
            NotificationContent(
                kind=Notification.Kind.CREDIT_LIMIT,
                title="Your credit limit was lowered to "
                f"{_money(decision.new_limit, account.currency)}",
                body=decision.cardholder_notice,
                link_path=reverse("portal-dashboard"),
            ),
        )
    ]
