"""What a cardholder can do about a declined purchase, by its decline reason.

The reasons are those the authorization engine records
(`cards.services.authorizations.DECLINES`); each has a next step in plain
words. A reason without one (a new reason the portal does not know yet)
gets the generic advice.
"""

from cards.services.authorizations import DECLINES

NEXT_STEPS = {
    "unknown_card": "Check the card number you gave the merchant.",
    "closed": "This card is closed: pay with your replacement card.",
    "frozen": "If you froze the card, unfreeze it under Cards and try again.",
    "blocked": "Call us to unblock the card after the wrong security codes.",
    "inactive": "Activate the card under Cards, then try again.",
    "account_not_active": "Call us about your credit account.",
    "expired": "This card has expired: pay with your new card.",
    "expiry_mismatch": "Check the expiry date you gave the merchant.",
    "cvv": "Check the 3-digit security code on the back of the card.",
    "cvv_missing": "Online, give the merchant the card's 3-digit security code.",
    "currency": "Pay in your card's currency, or with another card.",
    "per_transaction": (
        "Raise the per-purchase limit in the card's spending controls, "
        "or split the purchase."
    ),
    "daily": (
        "Wait for the daily limit to reset at 00:00 UTC, or raise it in the "
        "card's spending controls."
    ),
    "monthly": (
        "Wait for the monthly limit to reset on the 1st, or raise it in the "
        "card's spending controls."
    ),
    "mcc": "Allow this kind of merchant in the card's spending controls.",
    "country": "Allow purchases from this country in the card's spending controls.",
    "ecommerce": "Turn on online purchases in the card's spending controls.",
    "atm": "Turn on ATM withdrawals in the card's spending controls.",
    "contactless": "Turn on contactless payments, or insert the card instead.",
    "velocity": "Wait a few minutes, then try again.",
    "fraud_review": "Answer the fraud alert about this card, or call us.",
    "insufficient_credit": "Make a payment to free up credit, then try again.",
}
GENERIC_NEXT_STEP = "Try again later, or call us if it keeps happening."

_BY_REASON = {
    decline.reason: NEXT_STEPS.get(key, GENERIC_NEXT_STEP)
    for key, decline in DECLINES.items()
}


def decline_next_step(*, reason: str) -> str:
    """The next step for a decline's recorded reason."""
    return _BY_REASON.get(reason, GENERIC_NEXT_STEP)
