"""Spending by category: approved purchases of the last 30 days by MCC group.

Categories follow the ranges of ISO 18245 merchant category codes; a few
codes are placed by name first (groceries, dining, fuel, cash).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import F, Sum

from accounts.models import CreditAccount
from cards.models import Authorization
from issuer.kernel.fields import MCC

SPENDING_DAYS = 30

_BY_CODE = {
    **dict.fromkeys(
        ("5411", "5412", "5422", "5441", "5451", "5462", "5499"), "Groceries"
    ),
    **dict.fromkeys(("5811", "5812", "5813", "5814"), "Dining"),
    **dict.fromkeys(("5541", "5542", "5983"), "Fuel"),
    **dict.fromkeys(("6010", "6011"), "Cash"),
    **dict.fromkeys(("5815", "5816", "5817", "5818"), "Digital"),
    **dict.fromkeys(("4511", "4722", "7011"), "Travel"),
}
_RANGES = (
    (3000, 3999, "Travel"),
    (4000, 4799, "Transport"),
    (4800, 4999, "Bills and utilities"),
    (5000, 5999, "Shopping"),
    (7800, 7999, "Entertainment"),
    (8000, 8099, "Health"),
)
OTHER = "Other"


def mcc_category(mcc: str) -> str:
    """The spending category of a merchant category code."""
    if mcc in _BY_CODE:
        return _BY_CODE[mcc]
    code = int(mcc) if MCC.matches(mcc) else -1
    for low, high, name in _RANGES:
        if low <= code <= high:
            return name
    return OTHER


@dataclass(frozen=True)
class CategorySpend:
    category: str
    amount: int
    percent_of_top: int  # bar length, the largest category being 100


def account_spending_by_category(
    *, account: CreditAccount, now: datetime
) -> list[CategorySpend]:
    """Approved purchases less reversals over the last 30 days, largest first."""
    rows = (
        Authorization.objects.filter(
            account=account,
            status=Authorization.Status.APPROVED,
            currency=account.currency,
            created_at__gt=now - timedelta(days=SPENDING_DAYS),
            created_at__lte=now,
        )
        .values("mcc")
        .annotate(total=Sum(F("amount") - F("reversed_amount")))
    )
    totals: dict[str, int] = {}
    for row in rows:
        category = mcc_category(row["mcc"])
        totals[category] = totals.get(category, 0) + row["total"]
    ordered = sorted(
        ((name, amount) for name, amount in totals.items() if amount > 0),
        key=lambda item: (-item[1], item[0]),
    )
    if not ordered:
        return []
    top = ordered[0][1]
    return [
        CategorySpend(name, amount, round(100 * amount / top))
        for name, amount in ordered
    ]
