"""The cardholder's credit score: the current one with its reasons, and its
history as a chart and a table."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from portal.auth import cardholder_required, request_cardholder
from portal.credit_score_selectors import cardholder_score_histories


@cardholder_required
def credit_score(request: HttpRequest) -> HttpResponse:
    histories = cardholder_score_histories(cardholder=request_cardholder(request))
    return render(request, "portal/credit_score.html", {"histories": histories})
