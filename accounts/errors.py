"""Errors raised by account services."""

from issuer.kernel.errors import Conflict, InvalidInput


class AccountNotActive(Conflict):
    default_code = "account_not_active"


class InsufficientCredit(Conflict):
    default_code = "insufficient_funds"


class BillingDayNotEnded(InvalidInput):
    """Billing was asked to run as of a day that has not ended yet."""

    default_code = "billing_day_not_ended"
