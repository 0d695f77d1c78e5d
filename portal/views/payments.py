"""Payments: pay the minimum, the statement balance or another amount; the
payment history; the autopay setting."""

import uuid
from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.models import Payment
from accounts.services.payments import (
    credit_account_autopay_set,
    credit_account_payment_post,
)
from issuer.kernel.errors import DomainError
from issuer.kernel.money import format_money
from portal.auth import cardholder_required, request_cardholder
from portal.billing_selectors import (
    account_payment_due,
    cardholder_account,
    cardholder_payments,
)
from portal.payment_forms import OTHER, AutopayForm, PaymentForm
from portal.selectors import cardholder_accounts


@cardholder_required
def payment_list(request: HttpRequest) -> HttpResponse:
    cardholder = request_cardholder(request)
    accounts = [
        (account, account_payment_due(account=account))
        for account in cardholder_accounts(cardholder=cardholder)
    ]
    return render(
        request,
        "portal/payments/list.html",
        {"accounts": accounts, "payments": cardholder_payments(cardholder=cardholder)},
    )


@cardholder_required
def payment_make(request: HttpRequest, account_id: UUID) -> HttpResponse:
    account = cardholder_account(
        cardholder=request_cardholder(request), account_id=account_id
    )
    due = account_payment_due(account=account)
    status = 200
    if request.method == "POST":
        form = PaymentForm(request.POST, account=account, due=due)
        if form.is_valid():
            try:
                payment = credit_account_payment_post(
                    account=account,
                    amount=form.cleaned_data["amount"],
                    # Scoped to the account: a token is only ever this page's.
                    idempotency_key=(
                        f"portal-payment:{account.public_id}:{form.cleaned_data['token']}"
                    ),
                    source=Payment.Source.PORTAL,
                )
            except DomainError as error:
                _form_error(form, error)
                status = 400
            else:
                settles = (
                    f" It becomes available credit on "
                    f"{payment.settles_at:%b %-d, %Y} once your bank settles it."
                    if payment.is_pending_settlement and payment.settles_at
                    else ""
                )
                messages.success(
                    request,
                    f"Thank you: your payment of "
                    f"{format_money(payment.amount, payment.currency)} "
                    f"{payment.currency} was received.{settles}",
                )
                return redirect("portal-payments")
    else:
        form = PaymentForm(account=account, due=due, initial={"token": uuid.uuid4()})
    return render(
        request,
        "portal/payments/pay.html",
        {"account": account, "due": due, "form": form},
        status=status,
    )


def _form_error(form: PaymentForm, error: DomainError) -> None:
    """Show a refusal beside the field it names (the amount typed in)."""
    if "amount" in error.fields and form.cleaned_data.get("choice") == OTHER:
        form.add_error("other_amount", error.message)
    else:
        form.add_error(None, error.message)


@cardholder_required
def autopay_edit(request: HttpRequest, account_id: UUID) -> HttpResponse:
    account = cardholder_account(
        cardholder=request_cardholder(request), account_id=account_id
    )
    if request.method == "POST":
        form = AutopayForm(request.POST)
        if form.is_valid():
            account = credit_account_autopay_set(
                account=account, autopay=form.cleaned_data["autopay"]
            )
            messages.success(
                request, f"Autopay is now: {account.get_autopay_display()}."
            )
            return redirect("portal-payments")
    else:
        form = AutopayForm(initial={"autopay": account.autopay})
    return render(
        request, "portal/payments/autopay.html", {"account": account, "form": form}
    )
