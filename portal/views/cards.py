"""The cardholder's cards: status, freeze, report lost or stolen, activate,
spending controls. Every card is looked up among the cardholder's own."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cards.models import Card, CardStatusChange
from cards.services.controls import card_controls_update
from cards.services.lifecycle import (
    Actor,
    card_activate,
    card_freeze,
    card_replace,
    card_unfreeze,
    may_lift,
)
from issuer.kernel.errors import DomainError
from portal.auth import cardholder_required, request_cardholder
from portal.forms import (
    CardControlsForm,
    ReportCardForm,
    add_service_errors,
)
from portal.selectors_cards import (
    card_replacement,
    card_spending_windows,
    card_status_changed_by,
    cardholder_cards,
)


def cardholder_card(request: HttpRequest, card_id: object) -> Card:
    """The signed-in cardholder's card, or 404 (another's is not found)."""
    return get_object_or_404(
        cardholder_cards(cardholder=request_cardholder(request)), public_id=card_id
    )


def portal_actor(request: HttpRequest) -> Actor:
    return Actor(channel=CardStatusChange.Channel.PORTAL, user=request.user)  # type: ignore[arg-type]


def _controls_initial(card: Card) -> dict[str, object]:
    initial: dict[str, object] = {
        name: getattr(card, name)
        for name in ("is_ecommerce_enabled", "is_atm_enabled", "is_contactless_enabled")
    }
    for name in ("per_transaction_limit", "daily_limit", "monthly_limit"):
        # Minor units: the money field shows them in major units.
        initial[name] = getattr(card, name)
    return initial


@cardholder_required
def card_list(request: HttpRequest) -> HttpResponse:
    cards = [
        (card, card_status_changed_by(card))
        for card in cardholder_cards(cardholder=request_cardholder(request))
    ]
    return render(request, "portal/cards/list.html", {"cards": cards})


def _detail(
    request: HttpRequest,
    card: Card,
    *,
    controls_form: CardControlsForm | None = None,
    report_form: ReportCardForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "card": card,
        "changed_by": card_status_changed_by(card),
        "may_unfreeze": may_lift(card=card, actor=portal_actor(request)),
        "status_reason": dict(CardStatusChange.Reason.choices).get(
            card.status_reason, card.status_reason
        ),
        "replacement": card_replacement(card),
        "windows": card_spending_windows(card=card, now=timezone.now()),
        "controls_form": controls_form
        or CardControlsForm(
            initial=_controls_initial(card), currency=card.account.currency
        ),
        "report_form": report_form or ReportCardForm(),
        "history": card.history.all()[:10],
    }
    return render(request, "portal/cards/detail.html", context, status=status)


@cardholder_required
def card_detail(request: HttpRequest, card_id: str) -> HttpResponse:
    return _detail(request, cardholder_card(request, card_id))


def _attempt(request: HttpRequest, action, success: str) -> None:  # type: ignore[no-untyped-def]
    try:
        action()
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)


@require_POST
@cardholder_required
def card_freeze_view(request: HttpRequest, card_id: str) -> HttpResponse:
    card = cardholder_card(request, card_id)
    _attempt(
        request,
        lambda: card_freeze(
            card=card,
            reason=CardStatusChange.Reason.CARDHOLDER_REQUEST,
            actor=portal_actor(request),
        ),
        f"Card •••• {card.last_four} is frozen: new purchases are declined.",
    )
    return redirect("portal-card-detail", card_id=card.public_id)


@require_POST
@cardholder_required
def card_unfreeze_view(request: HttpRequest, card_id: str) -> HttpResponse:
    card = cardholder_card(request, card_id)
    _attempt(
        request,
        lambda: card_unfreeze(card=card, actor=portal_actor(request)),
        f"Card •••• {card.last_four} is active again.",
    )
    return redirect("portal-card-detail", card_id=card.public_id)


@require_POST
@cardholder_required
def card_activate_view(request: HttpRequest, card_id: str) -> HttpResponse:
    card = cardholder_card(request, card_id)
    _attempt(
        request,
        lambda: card_activate(card=card, actor=portal_actor(request)),
        f"Card •••• {card.last_four} is active.",
    )
    return redirect("portal-card-detail", card_id=card.public_id)


@require_POST
@cardholder_required
def card_report(request: HttpRequest, card_id: str) -> HttpResponse:
    """Report the card lost or stolen: it closes now and a new one is ordered."""
    card = cardholder_card(request, card_id)
    form = ReportCardForm(request.POST)
    if not form.is_valid():
        return _detail(request, card, report_form=form, status=400)
    try:
        issued = card_replace(
            card=card, reason=form.cleaned_data["reason"], actor=portal_actor(request)
        )
    except DomainError as error:
        add_service_errors(form, error)
        return _detail(request, card, report_form=form, status=409)
    messages.success(
        request,
        f"Card •••• {card.last_four} is closed. Your new card •••• "
        f"{issued.card.last_four} is on its way: activate it when it arrives.",
    )
    return redirect("portal-card-detail", card_id=issued.card.public_id)


@require_POST
@cardholder_required
def card_controls(request: HttpRequest, card_id: str) -> HttpResponse:
    card = cardholder_card(request, card_id)
    form = CardControlsForm(request.POST, currency=card.account.currency)
    if form.is_valid():
        try:
            limits = {
                name: form.cleaned_data[name]
                for name in ("per_transaction_limit", "daily_limit", "monthly_limit")
            }
            card_controls_update(
                card=card,
                **limits,
                is_ecommerce_enabled=form.cleaned_data["is_ecommerce_enabled"],
                is_atm_enabled=form.cleaned_data["is_atm_enabled"],
                is_contactless_enabled=form.cleaned_data["is_contactless_enabled"],
            )
        except DomainError as error:
            add_service_errors(form, error)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, "Spending controls saved.")
            return redirect("portal-card-detail", card_id=card.public_id)
    return _detail(request, card, controls_form=form, status=400)
