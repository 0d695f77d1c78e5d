"""The cardholder's overview: balances, what is due, spending, recent transactions."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from portal.auth import cardholder_required, request_cardholder
from portal.billing_selectors import account_payment_due
from portal.selectors import cardholder_overview
from portal.selectors_activity import cardholder_pending_alerts
from portal.spending import SPENDING_DAYS, account_spending_by_category


@cardholder_required
def dashboard(request: HttpRequest) -> HttpResponse:
    cardholder = request_cardholder(request)
    overview = cardholder_overview(cardholder=cardholder)
    pending_alerts = list(cardholder_pending_alerts(cardholder=cardholder))
    now = timezone.now()
    accounts = [
        (
            item,
            account_payment_due(account=item.account),
            account_spending_by_category(account=item.account, now=now),
        )
        for item in overview.accounts
    ]
    return render(
        request,
        "portal/dashboard.html",
        {
            "overview": overview,
            "accounts": accounts,
            "spending_days": SPENDING_DAYS,
            "pending_alerts": pending_alerts,
        },
    )
