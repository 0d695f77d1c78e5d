"""The cardholder's cards and what each may still spend, scoped to them."""

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet

from accounts.models import Cardholder
from cards.models import Card, CardStatusChange
from cards.selectors import card_spent
from cards.services.authorizations import spending_window_starts

Channel = CardStatusChange.Channel


def cardholder_cards(*, cardholder: Cardholder) -> QuerySet[Card]:
    """Every card on the cardholder's accounts, newest first."""
    return (
        Card.objects.filter(account__cardholder=cardholder)
        .select_related("account__cardholder", "replaces")
        .order_by("-created_at", "-pk")
    )


OWNER_AS_READ = {
    Card.BlockOwner.CARDHOLDER: "you",
    Card.BlockOwner.PARTNER: "your card programme",
    Card.BlockOwner.ISSUER: "the bank",
    Card.BlockOwner.FRAUD: "fraud detection",
    Card.BlockOwner.SECURITY: "card security",
}


def card_status_changed_by(card: Card) -> str:
    """Who froze, blocked or last moved the card, as the cardholder reads it."""
    if card.block_owner:
        return OWNER_AS_READ[Card.BlockOwner(card.block_owner)]
    if card.status_changed_by == Channel.PORTAL:
        return "you"
    if card.status_changed_by == Channel.SYSTEM:
        if card.status_reason == CardStatusChange.Reason.SUSPICIOUS_ACTIVITY:
            return "fraud detection"
        return "the system"
    return "the bank"


def card_replacement(card: Card) -> Card | None:
    return Card.objects.filter(replaces=card).first()


@dataclass(frozen=True)
class SpendingWindow:
    name: str
    limit: int
    spent: int
    resets_at: datetime.datetime

    @property
    def remaining(self) -> int:
        return max(self.limit - self.spent, 0)


def _next_month(month_start: datetime.datetime) -> datetime.datetime:
    if month_start.month == 12:
        return month_start.replace(year=month_start.year + 1, month=1)
    return month_start.replace(month=month_start.month + 1)


def card_spending_windows(
    *, card: Card, now: datetime.datetime
) -> list[SpendingWindow]:
    """The card's daily and monthly limits with what is spent in the current
    calendar UTC windows, counted as authorizations count them (approved,
    net of releases)."""
    if not card.has_amount_windows:
        return []
    day_start, month_start = spending_window_starts(now)
    spent = card_spent(card=card, now=now)
    windows = []
    if card.daily_limit is not None:
        windows.append(
            SpendingWindow(
                name="Daily",
                limit=card.daily_limit,
                spent=spent.day,
                resets_at=day_start + datetime.timedelta(days=1),
            )
        )
    if card.monthly_limit is not None:
        windows.append(
            SpendingWindow(
                name="Monthly",
                limit=card.monthly_limit,
                spent=spent.month,
                resets_at=_next_month(month_start),
            )
        )
    return windows
