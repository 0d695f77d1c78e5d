"""When a failed delivery is tried again, and which failures are worth it.

Exponential backoff with jitter: the n-th retry waits
`min(cap, base * 2 ** (n - 1))` seconds, scaled by a random factor in
[1 - jitter, 1 + jitter] so endpoints that failed together do not get their
retries together. Retries stop once the next one would fall after the
delivery's window (a day by default).

Network errors, timeouts, 5xx, 408 and 429 are retried; any other 4xx means
the endpoint refused the event, and resending the same bytes cannot change
that. 2xx is success; 1xx and 3xx (redirects are not followed) are failures
worth retrying, as the endpoint may be mid-deployment.
"""

import random
from dataclasses import dataclass

RETRYABLE_4XX = frozenset({408, 429})


@dataclass(frozen=True)
class RetryPolicy:
    base_seconds: float
    max_delay_seconds: float
    jitter: float  # 0.2: each delay varies by up to ±20 %

    def nominal_delay(self, retry_number: int) -> float:
        """The delay before the `retry_number`-th retry (1-based), without jitter."""
        return min(self.max_delay_seconds, self.base_seconds * 2 ** (retry_number - 1))

    def delay(self, retry_number: int, *, rng: random.Random | None = None) -> float:
        factor = (rng or random).uniform(1 - self.jitter, 1 + self.jitter)
        return self.nominal_delay(retry_number) * factor


def is_success(status_code: int) -> bool:
    return 200 <= status_code < 300


def is_retryable(status_code: int | None) -> bool:
    """Whether a failed attempt (None: no response at all) is worth retrying."""
    if status_code is None:
        return True
    return not (400 <= status_code < 500) or status_code in RETRYABLE_4XX
