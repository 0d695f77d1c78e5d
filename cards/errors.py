"""Errors raised by card services."""

from issuer.kernel.errors import Conflict, NotFound


class CardNotFound(NotFound):
    default_code = "card_not_found"


class CardStateConflict(Conflict):
    """The card's status does not allow the requested change."""

    default_code = "card_state_conflict"


class NothingHeld(Conflict):
    default_code = "nothing_held"
