"""Accounts' Celery tasks: thin, they call services."""

from celery import shared_task
from django.utils import timezone

from accounts.services.billing import billing_batch_run


@shared_task(
    name="accounts.run_billing",
    queue="default",
    soft_time_limit=50 * 60,
    time_limit=55 * 60,
)
def run_billing() -> int:
    """Bring every account's billing up to today (UTC); idempotent."""
    return billing_batch_run(as_of=timezone.now().date()).statements
