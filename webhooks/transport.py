"""One signed POST to a partner's endpoint, and what came of it.

No redirects are followed (a redirect is an answer, not a new address to
send card events to); at most the first 500 characters of the response
are read, for the delivery log.
"""

import time
from dataclasses import dataclass

import httpx

SNIPPET_CHARS = 500


@dataclass(frozen=True)
class PostResult:
    status_code: int | None  # None: no response (network error, timeout)
    error: str
    snippet: str
    duration_ms: int


def post_signed(
    *, url: str, body: bytes, headers: dict[str, str], timeout_seconds: float
) -> PostResult:
    started = time.monotonic()

    def elapsed_ms() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        with (
            httpx.Client(timeout=timeout_seconds, follow_redirects=False) as client,
            client.stream("POST", url, content=body, headers=headers) as response,
        ):
            raw = b""
            for chunk in response.iter_bytes():
                raw += chunk
                if len(raw) >= SNIPPET_CHARS:
                    break
            snippet = raw.decode("utf-8", errors="replace")[:SNIPPET_CHARS]
            return PostResult(response.status_code, "", snippet, elapsed_ms())
    except httpx.TimeoutException:
        error = f"timed out after {timeout_seconds:g} s"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"[:200]
    return PostResult(None, error, "", elapsed_ms())
