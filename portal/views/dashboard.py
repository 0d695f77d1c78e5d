"""The cardholder's overview: balances, what is due, recent transactions."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from portal.auth import cardholder_required, request_cardholder
from portal.selectors import cardholder_overview


@cardholder_required
def dashboard(request: HttpRequest) -> HttpResponse:
    overview = cardholder_overview(cardholder=request_cardholder(request))
    return render(request, "portal/dashboard.html", {"overview": overview})
