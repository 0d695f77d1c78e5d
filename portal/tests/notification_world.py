"""One sandbox card whose history makes every kind of cardholder
notification, for the tests that look at all of them together.

The card has a 99.00 USD limit and a large-purchase amount of 10.00; every
figure the texts quote stays below 100.00, so no amount or date in them is a
three-digit number that a CVV could be mistaken for (or hide behind).
"""

import datetime
from dataclasses import dataclass

from accounts.models import CreditAccount, Notification, Statement
from accounts.services.billing import billing_run
from accounts.services.credit_decisions import (
    credit_limit_proposal_create,
    credit_limit_proposal_decide,
)
from accounts.services.notifications import notification_preference_update
from accounts.services.payments import credit_account_payment_post
from accounts.tests.factories import purchase_post
from cards.models import CardStatusChange
from cards.services.authorizations import authorization_create
from cards.services.lifecycle import (
    IssuedCard,
    card_block_for_cvv,
    card_fraud_freeze_release,
    card_freeze,
    card_replace,
    card_unfreeze,
)
from cards.services.sandbox import SANDBOX_ACTOR, SandboxCard
from cards.tests.conftest import authorization_request, security_staff_actor
from fraud.services.live import authorization_score
from issuer.kernel.models import OutboxEvent
from ledger.statement_math import next_close_after
from portal.payment_reminders import payment_due_reminders_send
from portal.tasks import notify_cardholders

LIMIT = 9_900
OPENED = datetime.date(2026, 9, 1)
EVERY_SWITCH_ON = {
    "is_decline_email_enabled": True,
    "is_large_transaction_email_enabled": True,
    "large_transaction_threshold": 1_000,
    "is_fraud_alert_email_enabled": True,
    "is_statement_email_enabled": True,
    "is_due_date_email_enabled": True,
    "is_payment_received_email_enabled": True,
    "is_card_status_email_enabled": True,
}


@dataclass(frozen=True)
class World:
    card: SandboxCard
    replacement: IssuedCard
    statement: Statement


def _authorize(card: SandboxCard, amount: int):  # type: ignore[no-untyped-def]
    return authorization_create(
        request=authorization_request(card, amount=amount), partner=None
    )


def world_build(card: SandboxCard, officer, **switches: bool) -> World:  # type: ignore[no-untyped-def]
    """Give the card's cardholder a notification of every kind (with the
    given email switches), through the events and the reminder service."""
    account = card.issued.card.account
    notification_preference_update(
        cardholder=account.cardholder, **{**EVERY_SWITCH_ON, **switches}
    )
    CreditAccount.objects.filter(pk=account.pk).update(
        opened_at=datetime.datetime.combine(
            OPENED, datetime.time(9), tzinfo=datetime.UTC
        )
    )
    account.refresh_from_db()
    _authorize(card, 1_500)  # large
    authorization_score(authorization=_authorize(card, 3_500))  # was this you?
    _authorize(card, 9_500)  # declined: not enough available credit
    purchase_post(
        account, 2_000, datetime.datetime(2026, 9, 10, 12, tzinfo=datetime.UTC)
    )
    billing_run(
        account=account,
        as_of=next_close_after(day=OPENED, cycle_day=account.billing_cycle_day),
    )
    statement = Statement.objects.get(account=account)
    payment_due_reminders_send(statement_ids=[statement.pk])
    credit_account_payment_post(account=account, amount=500, idempotency_key="world")
    active = card.issued.card
    card_freeze(
        card=active,
        reason=CardStatusChange.Reason.CARDHOLDER_REQUEST,
        actor=SANDBOX_ACTOR,
    )
    card_fraud_freeze_release(card=active, actor=SANDBOX_ACTOR, case_id="world")
    card_block_for_cvv(card=active)
    card_unfreeze(card=active, actor=security_staff_actor(), note="Verified.")
    replacement = card_replace(
        card=active, reason=CardStatusChange.Reason.LOST, actor=SANDBOX_ACTOR
    )
    credit_limit_proposal_decide(
        proposal=credit_limit_proposal_create(
            account=account,
            proposed_limit=9_000,
            reasons=["A payment was late"],
        ),
        approve=True,
        reason="Rising risk",
        officer=officer,
    )
    notify_cardholders(list(OutboxEvent.objects.values_list("pk", flat=True)))
    return World(card=card, replacement=replacement, statement=statement)


def world_notifications(world: World) -> list[Notification]:
    return list(
        Notification.objects.filter(
            cardholder=world.card.issued.card.account.cardholder
        ).order_by("pk")
    )
