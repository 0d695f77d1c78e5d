"""Row locks for the ledger, always taken in primary-key order."""

from collections.abc import Iterable

from django.db.models import QuerySet

from ledger.models import LedgerHold


def hold_lock(*, hold_ids: Iterable[int]) -> QuerySet[LedgerHold]:
    """Lock holds (in pk order) before changing their pending amounts."""
    return (
        LedgerHold.objects.filter(pk__in=list(hold_ids))
        .select_related("debit_account", "credit_account")
        .order_by("pk")
        .select_for_update()
    )
