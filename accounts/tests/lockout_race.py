"""Sign-in failures that race each other, for the lockout tests."""

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from axes.models import AccessAttempt
from django.db import connection
from django.db.models.signals import pre_save


def first_failures_together(attempt: Callable[[int], Any], racers: int) -> Counter:
    """Run `attempt(number)` in `racers` threads whose inserts of the attempt
    row are held until all are about to insert, then released together (the
    first failures of a username); count what the attempts returned."""
    lined_up = threading.Barrier(racers, timeout=60)

    def insert_together(sender, instance, **kwargs):  # type: ignore[no-untyped-def]
        if instance._state.adding:
            lined_up.wait()

    def run(number: int) -> Any:
        try:
            return attempt(number)
        finally:
            connection.close()  # this thread's own connection

    pre_save.connect(insert_together, sender=AccessAttempt, weak=False)
    try:
        with ThreadPoolExecutor(max_workers=racers) as pool:
            return Counter(pool.map(run, range(racers)))
    finally:
        pre_save.disconnect(insert_together, sender=AccessAttempt)
