"""The notification kinds beyond purchases: payments received and card
status changes, each with its exact text; every kind together honouring
the cardholder's email switches; and no notification or email ever carrying
a card number or CVV."""

import re
from collections import Counter

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import Notification, Payment
from accounts.roles import CREDIT_OFFICER
from accounts.services.payments import credit_account_payment_post
from cards.models import CardStatusChange
from cards.security import cvv_generate
from cards.security.cvv import expiry_mmyy
from cards.services.lifecycle import (
    card_activate,
    card_block_for_cvv,
    card_fraud_freeze_release,
    card_freeze,
    card_replace,
    card_unfreeze,
)
from cards.services.sandbox import SANDBOX_ACTOR
from cards.tests.conftest import security_staff_actor
from issuer.kernel.models import OutboxEvent
from portal.payment_reminders import payment_due_reminders_send
from portal.tasks import notify_cardholders
from portal.tests.notification_world import (
    EVERY_SWITCH_ON,
    LIMIT,
    world_build,
    world_notifications,
)

pytestmark = pytest.mark.django_db

Reason = CardStatusChange.Reason
# Written out rather than imported from the service: what the settings promise.
SWITCH_OF_KIND = {
    Notification.Kind.DECLINE: "is_decline_email_enabled",
    Notification.Kind.LARGE_TRANSACTION: "is_large_transaction_email_enabled",
    Notification.Kind.FRAUD_ALERT: "is_fraud_alert_email_enabled",
    Notification.Kind.STATEMENT_READY: "is_statement_email_enabled",
    Notification.Kind.DUE_DATE: "is_due_date_email_enabled",
    Notification.Kind.PAYMENT_RECEIVED: "is_payment_received_email_enabled",
    Notification.Kind.CARD_STATUS: "is_card_status_email_enabled",
}


def notify_all() -> int:
    return notify_cardholders(list(OutboxEvent.objects.values_list("pk", flat=True)))


def texts_of(cardholder) -> list[tuple[str, str, str]]:
    return list(
        Notification.objects.filter(cardholder=cardholder)
        .order_by("pk")
        .values_list("title", "body", "link_path")
    )


def today_text() -> str:
    today = timezone.now().date()
    return f"{today:%B} {today.day}, {today.year}"


@pytest.fixture
def officer(make_staff):
    return make_staff("olive", CREDIT_OFFICER)


@pytest.mark.parametrize(
    ("source", "what"),
    [(Payment.Source.API, "payment"), (Payment.Source.AUTOPAY, "autopay payment")],
)
def test_a_payment_received_says_the_amount_and_day(test_card, source, what, settings):
    settings.PAYMENT_CREDIT_BALANCE_ALLOWANCE = 20_000  # nothing owed yet
    account = test_card.issued.card.account
    credit_account_payment_post(
        account=account, amount=12_345, idempotency_key="p-1", source=source
    )

    recorded = notify_cardholders(
        list(
            OutboxEvent.objects.filter(type="payment.received").values_list(
                "pk", flat=True
            )
        )
    )

    assert recorded == 1
    notification = Notification.objects.get()
    assert notification.kind == Notification.Kind.PAYMENT_RECEIVED
    assert texts_of(account.cardholder) == [
        (
            "Payment received: 123.45 USD",
            f"Your {what} of 123.45 USD was received on {today_text()}. Thank you.",
            "/portal/payments/",
        )
    ]
    assert [message.subject for message in mail.outbox] == [notification.title]


def test_card_status_changes_each_tell_the_cardholder(test_card):
    card = test_card.issued.card
    four = card.last_four
    card_freeze(card=card, reason=Reason.SUSPICIOUS_ACTIVITY, actor=SANDBOX_ACTOR)
    card_fraud_freeze_release(card=card, actor=SANDBOX_ACTOR, case_id="case-1")
    card_block_for_cvv(card=card)
    card_unfreeze(card=card, actor=security_staff_actor(), note="Verified.")
    replacement = card_replace(card=card, reason=Reason.STOLEN, actor=SANDBOX_ACTOR)
    new_four = replacement.card.last_four

    recorded = notify_all()

    assert recorded == 6
    assert set(Notification.objects.values_list("kind", flat=True)) == {"card_status"}
    cards = "/portal/cards/"
    assert texts_of(card.account.cardholder) == [
        (
            f"Card •••• {four} frozen",
            f"Card •••• {four} was frozen. Reason: Suspicious activity. New "
            "purchases are declined until it is unfrozen under Cards.",
            cards,
        ),
        (
            f"Card •••• {four} unfrozen",
            f"Card •••• {four} is active again and purchases are approved as "
            "usual. If you did not ask for this, freeze the card under Cards.",
            cards,
        ),
        (
            f"Card •••• {four} blocked",
            f"Card •••• {four} was blocked after too many wrong security codes "
            "(CVV). If those attempts were yours, unblock it under Cards; if "
            "not, report the card there.",
            cards,
        ),
        (
            f"Card •••• {four} unblocked",
            f"Card •••• {four} is active again and purchases are approved as "
            "usual. If you did not ask for this, freeze the card under Cards.",
            cards,
        ),
        (
            f"Card •••• {four} closed",
            f"Card •••• {four} was closed. Reason: Stolen. It can no longer be used.",
            cards,
        ),
        (
            f"New card •••• {new_four} replaces •••• {four}",
            f"A new card •••• {new_four} replaces card •••• {four}. Reason: "
            f"Stolen. Activate it under Cards when it arrives; card •••• {four} "
            "is closed.",
            cards,
        ),
    ]
    assert len(mail.outbox) == 6


def test_a_replaced_card_works_until_the_new_one_is_activated(test_card):
    card = test_card.issued.card
    four = card.last_four
    replacement = card_replace(card=card, reason=Reason.EXPIRED, actor=SANDBOX_ACTOR)
    card_activate(card=replacement.card, actor=SANDBOX_ACTOR)
    new_four = replacement.card.last_four

    notify_all()

    assert [title for title, _, _ in texts_of(card.account.cardholder)] == [
        f"New card •••• {new_four} replaces •••• {four}",
        f"Card •••• {four} closed",
    ]
    replaced, closed = (body for _, body, _ in texts_of(card.account.cardholder))
    assert replaced == (
        f"A new card •••• {new_four} replaces card •••• {four}. Reason: Expired. "
        f"Activate it under Cards when it arrives; card •••• {four} works until "
        "then."
    )
    assert (
        closed == f"Card •••• {four} was closed: the new card replacing it is active."
    )


def test_issuing_and_activating_a_card_notifies_nothing(issue_card):
    """The cardholder is there when a card is issued and first activated."""
    issue_card()
    changes = OutboxEvent.objects.filter(type="card.status_changed")

    recorded = notify_all()

    assert [event.payload["to_status"] for event in changes.order_by("pk")] == [
        "inactive",
        "active",
    ]
    assert recorded == 0
    assert Notification.objects.count() == 0
    assert mail.outbox == []


def test_an_event_about_an_unknown_payment_or_card_notifies_nothing(test_card):
    """A malformed id, an id of no card, a replacement naming no new card."""
    for event_type, payload in [
        ("payment.received", {"payment_id": "not-a-uuid"}),
        ("card.status_changed", {"card_id": "00000000-0000-0000-0000-000000000001"}),
        ("card.replaced", {"card_id": str(test_card.issued.card.public_id)}),
    ]:
        OutboxEvent.objects.create(
            type=event_type, aggregate_type="card", aggregate_id="x", payload=payload
        )

    recorded = notify_cardholders(
        list(OutboxEvent.objects.filter(aggregate_id="x").values_list("pk", flat=True))
    )

    assert recorded == 0
    assert Notification.objects.count() == 0


EXPECTED_KINDS_AND_TITLES = [
    ("due_date", "Payment due {due}"),
    ("large_transaction", "Large purchase on card •••• {four}"),
    ("large_transaction", "Large purchase on card •••• {four}"),
    ("fraud_alert", "Was this you? Card •••• {four}"),
    ("decline", "Purchase declined on card •••• {four}"),
    ("statement_ready", "Statement ready: payment due {due}"),
    ("payment_received", "Payment received: 5.00 USD"),
    ("card_status", "Card •••• {four} frozen"),
    ("card_status", "Card •••• {four} unfrozen"),
    ("card_status", "Card •••• {four} blocked"),
    ("card_status", "Card •••• {four} unblocked"),
    ("card_status", "Card •••• {four} closed"),
    ("card_status", "New card •••• {new_four} replaces •••• {four}"),
    ("credit_limit", "Your credit limit was lowered to 90.00 USD"),
]


def test_every_kind_is_emailed_once_in_text_and_html(active_model, issue_card, officer):
    world = world_build(issue_card(limit=LIMIT), officer)
    due = world.statement.due_date
    names = {
        "due": f"{due:%B} {due.day}, {due.year}",
        "four": world.card.issued.card.last_four,
        "new_four": world.replacement.card.last_four,
    }

    notifications = world_notifications(world)

    assert [(n.kind, n.title) for n in notifications] == [
        (kind, title.format(**names)) for kind, title in EXPECTED_KINDS_AND_TITLES
    ]
    assert {n.kind for n in notifications} == set(Notification.Kind.values)
    assert all(n.emailed_at is not None for n in notifications)
    assert Counter(message.subject for message in mail.outbox) == Counter(
        n.title for n in notifications
    )
    for message in mail.outbox:
        assert message.to == [world.card.issued.card.account.cardholder.email]
        assert message.body.startswith("Hello Test,\n\n")
        assert [mimetype for _, mimetype in message.alternatives] == ["text/html"]
    alert = next(n for n in notifications if n.kind == "fraud_alert")
    (alert_email,) = [m for m in mail.outbox if m.subject == alert.title]
    assert (
        "Was this you? Answer on your Alerts page: http://localhost:8000/portal/alerts/"
    ) in alert_email.body
    assert (
        '<a href="http://localhost:8000/portal/alerts/"'
        in (alert_email.alternatives[0][0])
    )

    emails = len(mail.outbox)
    again = notify_all()  # every event delivered a second time
    reminded_again = payment_due_reminders_send(statement_ids=[world.statement.pk])

    assert again == len(notifications) - 1  # found, not made (the reminder aside)
    assert reminded_again == 0
    assert len(world_notifications(world)) == len(notifications)
    assert len(mail.outbox) == emails


@pytest.mark.parametrize(
    ("kind", "switch"), sorted(SWITCH_OF_KIND.items()), ids=sorted(SWITCH_OF_KIND)
)
def test_a_kind_switched_off_is_in_the_centre_but_not_emailed(
    active_model, issue_card, officer, kind, switch
):
    world = world_build(issue_card(limit=LIMIT), officer, **{switch: False})

    notifications = world_notifications(world)

    quiet = [n for n in notifications if n.kind == kind]
    emailed = [n for n in notifications if n.kind != kind]
    assert quiet
    assert all(n.emailed_at is None for n in quiet)
    assert all(n.emailed_at is not None for n in emailed)
    assert Counter(message.subject for message in mail.outbox) == Counter(
        n.title for n in emailed
    )


def test_with_every_switch_off_only_the_lowered_limit_is_emailed(
    active_model, issue_card, officer
):
    switches = {name: False for name in EVERY_SWITCH_ON if name.startswith("is_")}
    world = world_build(issue_card(limit=LIMIT), officer, **switches)

    notifications = world_notifications(world)

    assert len(notifications) == len(EXPECTED_KINDS_AND_TITLES)
    assert [message.subject for message in mail.outbox] == [
        "Your credit limit was lowered to 90.00 USD"
    ]


def card_data_in(text: str, *, pans: list[str], cvvs: list[str]) -> list[str]:
    """What of the cards' data the text shows: any run of 12 or more digits
    of a PAN (also when spaced or dashed) or a CVV standing as a number."""
    digits = re.sub(r"\D", "", text)
    numbers = re.findall(r"\d+", text)
    found = [
        f"12 digits of PAN {index}"
        for index, pan in enumerate(pans)
        if any(pan[start : start + 12] in digits for start in range(len(pan) - 11))
    ]
    found += [f"CVV {index}" for index, cvv in enumerate(cvvs) if cvv in numbers]
    return found


def test_no_notification_or_email_carries_a_card_number_or_cvv(
    active_model, issue_card, officer
):
    """Every kind is made for a real issued card (and its replacement); no
    title, body, subject, text or HTML part shows either card's PAN or CVV.
    The amounts stay below 100.00, so no figure is a three-digit number."""
    world = world_build(issue_card(limit=LIMIT), officer)
    cards = [world.card.issued, world.replacement]
    pans = [issued.pan for issued in cards]
    cvvs = [
        cvv_generate(
            pan=issued.pan,
            expiry=expiry_mmyy(
                month=issued.card.expiry_month, year=issued.card.expiry_year
            ),
        )
        for issued in cards
    ]
    assert cvvs[0] == world.card.cvv
    pan = pans[0]
    assert card_data_in(
        f"{pan[:4]} {pan[4:8]}-{pan[8:12]} {pan[12:]}", pans=pans, cvvs=cvvs
    ) == ["12 digits of PAN 0"]
    assert card_data_in(f"code {cvvs[1]}.", pans=pans, cvvs=cvvs) == ["CVV 1"]

    notifications = world_notifications(world)
    texts = [text for n in notifications for text in (n.title, n.body)] + [
        text
        for message in mail.outbox
        for text in (message.subject, message.body, message.alternatives[0][0])
    ]

    assert {n.kind for n in notifications} == set(Notification.Kind.values)
    assert len(mail.outbox) == len(notifications)
    assert [
        (text[:60], card_data_in(text, pans=pans, cvvs=cvvs))
        for text in texts
        if card_data_in(text, pans=pans, cvvs=cvvs)
    ] == []
