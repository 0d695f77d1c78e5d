"""Errors raised by account services."""

from issuer.kernel.errors import Conflict


class AccountNotActive(Conflict):
    default_code = "account_not_active"


class InsufficientCredit(Conflict):
    default_code = "insufficient_funds"
