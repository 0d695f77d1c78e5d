"""Fraud alerts: "was this you?" questions and the cardholder's answers."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from cards.models import Card
from fraud.services.outcomes import fraud_alert_answer
from issuer.kernel.errors import DomainError
from portal.auth import cardholder_required, request_cardholder
from portal.selectors_activity import cardholder_pending_alerts

ANSWERS = {"yes": True, "no": False}


@cardholder_required
def alert_list(request: HttpRequest) -> HttpResponse:
    alerts = cardholder_pending_alerts(cardholder=request_cardholder(request))
    return render(request, "portal/alerts/list.html", {"alerts": alerts})


@require_POST
@cardholder_required
def alert_answer(request: HttpRequest, authorization_id: str) -> HttpResponse:
    """Answer the alert about one authorization: yes (it was me) or no."""
    alert = get_object_or_404(
        cardholder_pending_alerts(cardholder=request_cardholder(request)),
        authorization__public_id=authorization_id,
    )
    answer = request.POST.get("answer", "")
    if answer not in ANSWERS:
        messages.error(request, "Choose whether it was you.")
        return redirect("portal-alerts")
    try:
        fraud_alert_answer(
            alert=alert,
            was_cardholder=ANSWERS[answer],
            actor_user=request.user,  # type: ignore[arg-type]
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("portal-alerts")
    if ANSWERS[answer]:
        card = Card.objects.get(pk=alert.card_id)
        works_again = (
            f"card •••• {card.last_four} works again."
            if card.status == Card.Status.ACTIVE
            else f"our fraud team will review card •••• {card.last_four} "
            "and lift the freeze."
        )
        messages.success(
            request, f"Thanks: the purchase is confirmed and {works_again}"
        )
        return redirect("portal-alerts")
    replacement = Card.objects.filter(replaces=alert.card).first()
    messages.success(
        request,
        f"Card •••• {alert.card.last_four} is closed and a new card is on its "
        "way. You are not liable for the purchase.",
    )
    if replacement is None:
        return redirect("portal-cards")
    return redirect("portal-card-detail", card_id=replacement.public_id)
