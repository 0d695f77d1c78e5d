"""One signed POST to a partner's endpoint, and what came of it.

The POST goes to the address the URL policy checked (`CheckedUrl`), never
to a fresh resolution of the name: the URL is rewritten to that IP while
the Host header, the TLS SNI and the certificate check keep the name, so
DNS rebinding between check and connect cannot redirect it. Proxies from
the environment are not used (a proxy would resolve the name itself).

No redirects are followed (a redirect is an answer, not a new address to
send card events to); at most the first 500 characters of the response
are read, for the delivery log.
"""

import time
from dataclasses import dataclass
from typing import Any

import httpx

from webhooks.url_policy import CheckedUrl

SNIPPET_CHARS = 500


@dataclass(frozen=True)
class PostResult:
    status_code: int | None  # None: no response (network error, timeout)
    error: str
    snippet: str
    duration_ms: int


def pinned_request(
    target: CheckedUrl, headers: dict[str, str]
) -> tuple[httpx.URL, dict[str, str], dict[str, Any]]:
    """The URL to connect to, the headers and the request extensions that
    send `target` to its first checked address (unchanged when none)."""
    url = httpx.URL(target.url)
    if not target.addresses:
        return url, headers, {}
    address = target.addresses[0]
    pinned = url.copy_with(host=address, port=target.port)
    headers = {**headers, "Host": url.netloc.decode("ascii")}
    extensions: dict[str, Any] = {}
    if url.scheme == "https":
        # SNI and certificate verification for the name, not the IP.
        extensions["sni_hostname"] = target.hostname
    return pinned, headers, extensions


def post_signed(
    *, target: CheckedUrl, body: bytes, headers: dict[str, str], timeout_seconds: float
) -> PostResult:
    started = time.monotonic()

    def elapsed_ms() -> int:
        return int((time.monotonic() - started) * 1000)

    url, headers, extensions = pinned_request(target, headers)
    try:
        with (
            httpx.Client(
                timeout=timeout_seconds, follow_redirects=False, trust_env=False
            ) as client,
            client.stream(
                "POST", url, content=body, headers=headers, extensions=extensions
            ) as response,
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
