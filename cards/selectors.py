"""Reads for cards, scoped to who asks."""

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet

from accounts.models import Partner
from accounts.selectors import partner_reach
from cards.models import ActivityCounter, Authorization, Card, Dispute
from cards.services.activity import activity_totals, calendar_window


def cards_for_partner(*, partner: Partner) -> QuerySet[Card]:
    """Cards of the partner's reach (`accounts.selectors.partner_reach`)."""
    return Card.objects.select_related(
        "account", "account__cardholder", "account__receivable", "product"
    ).filter(partner_reach(partner=partner, cardholder_path="account__cardholder"))


def authorizations_for_partner(*, partner: Partner) -> QuerySet[Authorization]:
    """Only the authorizations this partner sent."""
    return Authorization.objects.select_related(
        "card", "account", "account__receivable", "hold"
    ).filter(partner=partner)


def disputes_for_partner(*, partner: Partner) -> QuerySet[Dispute]:
    """Disputes on the accounts the partner may see (as `cards_for_partner`)."""
    return Dispute.objects.select_related(
        "account", "capture__card", "capture__authorization"
    ).filter(partner_reach(partner=partner, cardholder_path="account__cardholder"))


@dataclass(frozen=True)
class CardSpent:
    """What a card's approvals hold against its calendar windows (UTC)."""

    day: int
    month: int


def card_spent(*, card: Card, now: datetime.datetime) -> CardSpent:
    """Today's and this month's approved amount net of releases, as the
    authorization decides them (from the activity counters, one query)."""
    day, month = (
        calendar_window(
            scope=ActivityCounter.Scope.CARD,
            owner_id=card.pk,
            granularity=granularity,
            now=now,
        )
        for granularity in (
            ActivityCounter.Granularity.DAY,
            ActivityCounter.Granularity.MONTH,
        )
    )
    totals = activity_totals([day, month])
    return CardSpent(day=totals[day].amount, month=totals[month].amount)
