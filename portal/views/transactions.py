"""Transactions: search and filter, detail with its status timeline, and
disputes (file from a captured transaction, then follow)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from cards.services.disputes import dispute_file
from issuer.kernel.errors import DomainError
from portal.auth import cardholder_required, request_cardholder
from portal.forms import (
    DisputeForm,
    TransactionFilterForm,
    add_service_errors,
)
from portal.selectors import cardholder_authorizations
from portal.selectors_activity import (
    DECLINE_NEXT_STEPS,
    TransactionFilter,
    authorization_timeline,
    cardholder_captures,
    cardholder_disputes,
    cardholder_transactions,
)
from portal.selectors_cards import cardholder_cards

PAGE_SIZE = 25


@cardholder_required
def transaction_list(request: HttpRequest) -> HttpResponse:
    cardholder = request_cardholder(request)
    form = TransactionFilterForm(request.GET or None)
    cards = list(cardholder_cards(cardholder=cardholder))
    form.fields["card"].choices = [("", "Any")] + [  # type: ignore[attr-defined]
        (str(card.public_id), f"•••• {card.last_four}") for card in cards
    ]
    filters = TransactionFilter()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = TransactionFilter(
            merchant=data["q"].strip(),
            status=data["status"],
            card_id=data["card"],
            date_from=data["date_from"],
            date_to=data["date_to"],
        )
    found = cardholder_transactions(cardholder=cardholder, filters=filters)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "portal/transactions/list.html", {"form": form, "page": page}
    )


@cardholder_required
def transaction_detail(request: HttpRequest, authorization_id: str) -> HttpResponse:
    cardholder = request_cardholder(request)
    authorization = get_object_or_404(
        cardholder_authorizations(cardholder=cardholder).select_related("hold"),
        public_id=authorization_id,
    )
    captures = cardholder_captures(cardholder=cardholder).filter(
        authorization=authorization
    )
    context = {
        "authorization": authorization,
        "timeline": authorization_timeline(authorization=authorization),
        "next_step": DECLINE_NEXT_STEPS.get(authorization.response_code, ""),
        "captures": captures,
        "disputes": cardholder_disputes(cardholder=cardholder).filter(
            capture__authorization=authorization
        ),
    }
    return render(request, "portal/transactions/detail.html", context)


@cardholder_required
def dispute_create(request: HttpRequest, capture_id: str) -> HttpResponse:
    """File a dispute of one cleared transaction (a capture)."""
    capture = get_object_or_404(
        cardholder_captures(cardholder=request_cardholder(request)),
        public_id=capture_id,
    )
    form = DisputeForm(
        request.POST or None,
        request.FILES or None,
        initial={"amount": capture.amount},
        currency=capture.currency,
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                dispute = dispute_file(
                    capture=capture,
                    amount=form.cleaned_data["amount"],
                    reason=form.cleaned_data["reason"],
                    description=form.cleaned_data["description"],
                    evidence=form.cleaned_data["evidence"],
                    cardholder_user=request.user,  # type: ignore[arg-type]
                )
            except DomainError as error:
                add_service_errors(form, error)
            except ValidationError as error:
                form.add_error("amount", error)
            else:
                messages.success(
                    request,
                    "Dispute filed. The amount is credited to your account "
                    "while it is looked into.",
                )
                return redirect("portal-dispute-detail", dispute_id=dispute.public_id)
    return render(
        request,
        "portal/disputes/create.html",
        {"capture": capture, "form": form},
        status=status,
    )


@cardholder_required
def dispute_list(request: HttpRequest) -> HttpResponse:
    disputes = cardholder_disputes(cardholder=request_cardholder(request))
    return render(
        request,
        "portal/disputes/list.html",
        {"disputes": disputes, "now": timezone.now()},
    )


@cardholder_required
def dispute_detail(request: HttpRequest, dispute_id: str) -> HttpResponse:
    dispute = get_object_or_404(
        cardholder_disputes(cardholder=request_cardholder(request)),
        public_id=dispute_id,
    )
    return render(request, "portal/disputes/detail.html", {"dispute": dispute})
