"""Ledger errors. Raised before anything is written (or rolled back whole)."""

from issuer.kernel.errors import Conflict, InvalidInput


class UnbalancedEntry(InvalidInput):
    default_code = "unbalanced_entry"


class MixedCurrency(InvalidInput):
    default_code = "mixed_currency"


class BoundExceeded(Conflict):
    """A bounded account would go beyond its limit."""

    default_code = "insufficient_funds"


class HoldNotPending(Conflict):
    default_code = "hold_not_pending"


class AlreadyReversed(Conflict):
    default_code = "already_reversed"


class IdempotencyMismatch(Conflict):
    """An idempotency key was reused for a different operation."""

    default_code = "idempotency_key_reused"
