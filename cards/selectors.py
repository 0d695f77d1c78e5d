"""Reads for cards, scoped to who asks."""

from django.db.models import QuerySet

from accounts.models import Partner
from accounts.selectors import partner_reach
from cards.models import Authorization, Card, Dispute


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
