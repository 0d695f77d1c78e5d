"""Cleared transactions the issuer will dispute with the merchant's acquirer."""

from collections.abc import Collection

from django.utils import timezone

from cards.models import Capture


def captures_fraud_dispute_mark(*, authorization_ids: Collection[int]) -> int:
    """Mark the captures of these authorizations as confirmed fraud to dispute.

    Marks each capture once (the first verdict's time stays); returns how
    many were newly marked.
    """
    return Capture.objects.filter(
        authorization_id__in=list(authorization_ids),
        fraud_dispute_marked_at__isnull=True,
    ).update(fraud_dispute_marked_at=timezone.now())
