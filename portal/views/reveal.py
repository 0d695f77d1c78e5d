"""Show a card's full number and CVV after the password, for 60 seconds.

The number travels only in the body of a `no-store` response; never in a
URL, a log line, a message or a cache.
"""

import logging

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.debug import sensitive_post_parameters

from cards.models import Card
from issuer.kernel.audit import audit_record
from issuer.kernel.models import AuditEvent
from portal.auth import cardholder_required
from portal.forms import PasswordForm
from portal.reveal import (
    REVEAL_PASSWORD_THROTTLE,
    REVEAL_SECONDS,
    card_reveal,
    reveal_grant,
    reveal_is_granted,
)
from portal.views.cards import cardholder_card

logger = logging.getLogger(__name__)
LOCKED = (
    "Too many wrong passwords. Card numbers cannot be shown for a while; "
    "try again later or call us."
)


def _no_store(response: HttpResponse) -> HttpResponse:
    add_never_cache_headers(response)
    response["Cache-Control"] = "no-store, no-cache, must-revalidate, private"
    return response


@sensitive_post_parameters("password")
@cardholder_required
def card_reveal_view(request: HttpRequest, card_id: str) -> HttpResponse:
    """Ask for the password (GET), then grant the reveal (POST); a closed
    card's number is not shown."""
    card = cardholder_card(request, card_id)
    if card.status == Card.Status.CLOSED:
        messages.error(request, "A closed card's number is not shown.")
        return redirect("portal-card-detail", card_id=card.public_id)
    form = PasswordForm(request.POST or None)
    status, locked = 200, ""
    subject = f"user:{request.user.pk}"
    if request.method == "POST" and REVEAL_PASSWORD_THROTTLE.is_locked(subject):
        logger.info("Card number reveal refused (locked): card %s", card.public_id)
        audit_record(
            action=AuditEvent.Action.PAN_REVEAL,
            outcome=AuditEvent.Outcome.DENIED,
            request=request,
            target=card,
            details={"why": "locked after wrong passwords"},
        )
        form, locked = PasswordForm(), LOCKED
        status = 429
    elif request.method == "POST":
        if form.is_valid() and request.user.check_password(
            form.cleaned_data["password"]
        ):
            REVEAL_PASSWORD_THROTTLE.reset(subject)
            reveal_grant(request, card=card)
            logger.info(
                "Card number revealed to its cardholder: card %s", card.public_id
            )
            return redirect("portal-card-revealed", card_id=card.public_id)
        logger.info("Card number reveal refused (password): card %s", card.public_id)
        audit_record(
            action=AuditEvent.Action.PAN_REVEAL,
            outcome=AuditEvent.Outcome.FAILED,
            request=request,
            target=card,
            details={"why": "wrong password"},
        )
        if REVEAL_PASSWORD_THROTTLE.failure_count(subject):
            audit_record(
                action=AuditEvent.Action.LOCKED_OUT,
                outcome=AuditEvent.Outcome.DENIED,
                request=request,
                target=card,
                details={
                    "why": "too many wrong passwords at the card-number reveal",
                    "failures": REVEAL_PASSWORD_THROTTLE.limit,
                    "locked_for_seconds": REVEAL_PASSWORD_THROTTLE.lockout_seconds,
                },
            )
        form.add_error("password", "That password is not right.")
        status = 400
    return _no_store(
        render(
            request,
            "portal/cards/reveal.html",
            {
                "card": card,
                "form": form,
                "locked": locked,
                "seconds": REVEAL_SECONDS,
            },
            status=status,
        )
    )


@cardholder_required
def card_revealed(request: HttpRequest, card_id: str) -> HttpResponse:
    """The number and CVV, while the session's grant is younger than 60 s;
    each showing is audited."""
    card = cardholder_card(request, card_id)
    if card.status == Card.Status.CLOSED or not reveal_is_granted(request, card=card):
        return _no_store(redirect("portal-card-reveal", card_id=card.public_id))
    audit_record(
        action=AuditEvent.Action.PAN_REVEAL,
        request=request,
        target=card,
        details={"shown_for_seconds": REVEAL_SECONDS, "channel": "portal"},
    )
    return _no_store(
        render(
            request,
            "portal/cards/revealed.html",
            {
                "card": card,
                "revealed": card_reveal(card=card),
                "seconds": REVEAL_SECONDS,
            },
        )
    )
