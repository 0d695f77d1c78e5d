"""Card tasks: thin wrappers around services."""

from celery import shared_task

from cards.services.clearing import stale_holds_expire


@shared_task(
    name="cards.expire_stale_holds",
    queue="default",
    soft_time_limit=240,
    time_limit=300,
    acks_late=False,  # scheduled: reruns at the next tick (docs/reliability.md)
)
def expire_stale_holds() -> int:
    """Release holds of authorizations never captured within the hold period."""
    return stale_holds_expire()
