"""Card tasks: thin wrappers around services."""

from celery import shared_task

from cards.services.activity import activity_counters_prune
from cards.services.clearing import stale_holds_expire
from cards.services.realtime_decisions import realtime_decisions_resolve_stale


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


@shared_task(
    name="cards.prune_activity_counters",
    queue="default",
    soft_time_limit=240,
    time_limit=300,
    acks_late=False,  # scheduled: reruns at the next tick (docs/reliability.md)
)
def prune_activity_counters() -> int:
    """Delete activity buckets older than any window reads
    (docs/spending-controls.md)."""
    return activity_counters_prune()


@shared_task(
    name="cards.resolve_stale_program_decisions",
    queue="default",
    soft_time_limit=50,
    time_limit=60,
    acks_late=False,  # scheduled: reruns at the next tick (docs/reliability.md)
)
def resolve_stale_program_decisions() -> int:
    """Finalize by the program's default the authorizations whose real-time
    decision was never applied (docs/realtime-decisions.md)."""
    return realtime_decisions_resolve_stale()
