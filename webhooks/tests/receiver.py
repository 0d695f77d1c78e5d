"""A real local HTTP server standing in for a partner's webhook endpoint.

It records every POST (arrival time, headers, raw body) and answers each
from a script of behaviours, in order (one script for all requests, or one
per marker found in the body): a status code, ("slow", seconds,
status), ("json", seconds, status, body) (a JSON answer after a delay) or
"hang" (hold the request until the test ends). When the script runs out
it answers 200.
"""

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Behaviour = int | str | tuple[str, float, int] | tuple[str, float, int, Any]


@dataclass(frozen=True)
class Received:
    at: float  # time.monotonic() on arrival
    headers: dict[str, str]
    body: bytes

    @property
    def event(self) -> dict[str, Any]:
        return json.loads(self.body)


class Receiver:
    def __init__(self) -> None:
        self.requests: list[Received] = []
        self._script: list[Behaviour] = []
        self._scripts_for: dict[bytes, list[Behaviour]] = {}
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._release = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver._arrived:
                    receiver.requests.append(
                        Received(time.monotonic(), dict(self.headers), body)
                    )
                    behaviour = receiver._next_behaviour(body)
                    receiver._arrived.notify_all()
                answer = receiver._perform(behaviour)
                if answer is None:
                    return
                status, content_type, payload = answer
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _perform(self, behaviour: Behaviour) -> tuple[int, str, bytes] | None:
        if behaviour == "hang":
            self._release.wait(timeout=60)
            return None
        if isinstance(behaviour, tuple) and behaviour[0] == "json":
            _, seconds, status, body = behaviour  # type: ignore[misc]
            time.sleep(seconds)
            return status, "application/json", json.dumps(body).encode()
        if isinstance(behaviour, tuple):
            _, seconds, status = behaviour  # type: ignore[misc]
            time.sleep(seconds)
        else:
            assert isinstance(behaviour, int)
            status = behaviour
        return status, "text/plain", f"answered {status}".encode()

    def _next_behaviour(self, body: bytes) -> Behaviour:
        for marker, script in self._scripts_for.items():
            if marker in body and script:
                return script.pop(0)
        return self._script.pop(0) if self._script else 200

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/hooks"

    def script(self, *behaviours: Behaviour) -> None:
        with self._lock:
            self._script = list(behaviours)

    def script_for(self, marker: str, *behaviours: Behaviour) -> None:
        """Answer requests whose body contains `marker` (an event id) so."""
        with self._lock:
            self._scripts_for[marker.encode()] = list(behaviours)

    def wait_for(self, count: int, timeout: float = 30) -> list[Received]:
        """Wait until `count` requests arrived; return all of them."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.requests) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(
                        f"{len(self.requests)} of {count} webhook requests arrived"
                    )
                self._arrived.wait(left)
            return list(self.requests)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()
