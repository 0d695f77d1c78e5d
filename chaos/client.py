"""A partner's HTTP client that retries as a careful partner would.

A POST is sent with an Idempotency-Key and retried with the same key and
body after a dropped connection, a timeout or a 5xx, until it gets a
definitive answer (2xx or 4xx) or its deadline passes. Every failure seen on
the way is kept, so the suite can tell how the server failed: a 5xx must
carry the API's JSON error shape and never a traceback.
"""

import http.client
import json
import random
import time
from dataclasses import dataclass, field
from typing import Any

RETRYABLE_STATUSES = frozenset({500, 502, 503, 504})


@dataclass
class Outcome:
    """What one logical request came to, after all its attempts."""

    status: int
    body: Any
    attempts: int
    replayed: bool
    started: float
    finished: float
    failures: list[str] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)

    @property
    def converged(self) -> bool:
        return 0 < self.status < 500


class ApiClient:
    """One keep-alive connection to the partner API."""

    def __init__(self, port: int, api_key: str, *, deadline: float = 180) -> None:
        self.port = port
        self.api_key = api_key
        self.deadline = deadline
        self._connection: http.client.HTTPConnection | None = None

    def post(self, path: str, body: dict[str, Any], *, key: str) -> Outcome:
        started = time.monotonic()
        payload = json.dumps(body).encode()
        outcome = Outcome(0, None, 0, False, time.time(), 0.0)
        while time.monotonic() - started < self.deadline:
            outcome.attempts += 1
            try:
                status, headers, raw = self._send("POST", path, payload, key)
            except (OSError, http.client.HTTPException) as exc:
                self.close()
                outcome.failures.append(type(exc).__name__)
                self._pause(outcome.attempts)
                continue
            if status in RETRYABLE_STATUSES:
                outcome.failures.append(str(status))
                outcome.server_errors.append(raw[:500].decode(errors="replace"))
                self._pause(outcome.attempts)
                continue
            outcome.status = status
            outcome.body = json.loads(raw) if raw else None
            outcome.replayed = headers.get("Idempotent-Replayed") == "true"
            break
        outcome.finished = time.time()
        return outcome

    def get(self, path: str) -> tuple[int, Any]:
        try:
            status, _, raw = self._send("GET", path, None, None)
        except (OSError, http.client.HTTPException):
            self.close()
            return 0, None
        return status, json.loads(raw) if raw else None

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _send(
        self, method: str, path: str, payload: bytes | None, key: str | None
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        if self._connection is None:
            self._connection = http.client.HTTPConnection(
                "127.0.0.1", self.port, timeout=30
            )
        headers = {
            "Authorization": f"Api-Key {self.api_key}",
            "Content-Type": "application/json",
            # Production settings behind a TLS-terminating proxy.
            "X-Forwarded-Proto": "https",
        }
        if key is not None:
            headers["Idempotency-Key"] = key
        self._connection.request(method, path, body=payload, headers=headers)
        response = self._connection.getresponse()
        return response.status, response.headers, response.read()

    @staticmethod
    def _pause(attempt: int) -> None:
        time.sleep(random.uniform(0.05, min(1.0, 0.05 * 2**attempt)))
