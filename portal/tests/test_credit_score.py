"""The credit score page: the newest score with its reasons, its history as
a chart and a table, only the cardholder's own."""

import datetime
import re

import pytest

from accounts.models import CreditScore
from portal.credit_score_selectors import cardholder_score_histories
from portal.tests.billing_world import billed_holder

pytestmark = pytest.mark.django_db


def score_on(account, day: int, score: int, reasons: list[str]) -> CreditScore:
    created = CreditScore.objects.create(account=account, score=score, reasons=reasons)
    at = datetime.datetime(2026, 10, day, 9, tzinfo=datetime.UTC)
    CreditScore.objects.filter(pk=created.pk).update(computed_at=at)
    return created


def test_the_newest_score_is_current_with_its_reasons(cardholder_client):
    holder = billed_holder("ann")
    score_on(holder.account, 1, 640, ["Late payment in the last 6 months"])
    score_on(holder.account, 20, 705, ["Low use of credit", "On-time payments"])

    html = cardholder_client(holder.user).get("/portal/credit-score/").content.decode()

    assert 'data-figure="score">705<' in html
    assert "<li>Low use of credit</li><li>On-time payments</li>" in html
    assert "Late payment in the last 6 months" not in html
    assert "<title>640 on Oct 1, 2026</title>" in html
    assert "<title>705 on Oct 20, 2026</title>" in html


def test_the_chart_runs_oldest_to_newest_300_at_the_bottom():
    holder = billed_holder("ann")
    score_on(holder.account, 1, 300, [])
    score_on(holder.account, 2, 850, [])
    score_on(holder.account, 3, 575, [])

    (history,) = cardholder_score_histories(cardholder=holder.account.cardholder)

    assert history.polyline == "0,200 300,0 600,100"


def test_without_a_score_the_page_says_so(cardholder_client):
    holder = billed_holder("ann")

    html = cardholder_client(holder.user).get("/portal/credit-score/").content.decode()

    assert "No score yet" in html


def test_another_cardholders_score_is_not_shown(cardholder_client):
    ann, bob = billed_holder("ann"), billed_holder("bob")
    score_on(bob.account, 5, 812, ["Bob's reason"])

    html = cardholder_client(ann.user).get("/portal/credit-score/").content.decode()

    # As a number of its own: a random id on the page may hold the digits.
    assert re.search(r"(?<![0-9A-Za-z-])812(?![0-9A-Za-z-])", html) is None
    assert "Bob&#x27;s reason" not in html
    assert "No score yet" in html
