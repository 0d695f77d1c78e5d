"""kill -9 Celery workers in the middle of webhook deliveries.

A partner registers an endpoint (CONTRACTS.md, Webhooks) pointing at a
local receiver that checks each POST's signature and counts event ids;
authorizations flow while pool processes and a node are killed holding a
`webhooks.` task. Proves: every event reaches the partner (at least once,
each redelivery with the same id), no delivery row is doubled, and the
partner, deduplicating by id, sees each event exactly once. Runs only when
the `webhooks` app is installed.
"""

import hashlib
import hmac
import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from django.apps import apps
from django.db.models import Count

from accounts.models import Partner
from cards.models import Authorization
from chaos.client import ApiClient
from chaos.scenarios.base import Context, Injected
from chaos.scenarios.worker_kill import WorkerKill
from chaos.traffic import Traffic
from issuer.kernel.models import OutboxEvent

EVENTS = ("authorization.approved", "authorization.declined")


class Receiver:
    """A partner's webhook endpoint on 127.0.0.1: every POST's event id and
    whether its signature verified."""

    def __init__(self) -> None:
        self.secret = b""
        self.posts: list[tuple[str, bool]] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                signed = receiver.verify(
                    self.headers.get("Webhook-Signature", ""), body
                )
                try:
                    event_id = str(json.loads(body)["id"])
                except (ValueError, KeyError, TypeError):
                    event_id = "?"
                with receiver._lock:
                    receiver.posts.append((event_id, signed))
                self.send_response(200)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def verify(self, header: str, body: bytes) -> bool:
        parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
        timestamp = parts.get("t", "")
        expected = hmac.new(
            self.secret, f"{timestamp}.".encode() + body, hashlib.sha256
        ).hexdigest()
        return hmac.compare_digest(expected, parts.get("v1", ""))

    def ids(self) -> Counter[str]:
        with self._lock:
            return Counter(event_id for event_id, _ in self.posts)


class WebhookDelivery(WorkerKill):
    name = "webhooks"
    proves = (
        "kill -9 of Celery workers mid-delivery: every event reaches the "
        "partner's endpoint with its id, and no delivery is recorded twice"
    )
    # The at-least-once tasks; the beat sweeper is not acks-late (it reruns
    # at its next tick, under a new task id).
    prefixes = "webhooks.deliver webhooks.fan_out"

    def prepare(self, context: Context, partner: Partner, api_key: str) -> None:
        self.partner = partner
        self.receiver = Receiver()
        self.receiver.thread.start()
        assert context.cluster.web is not None
        api = ApiClient(context.cluster.web.port, api_key)
        outcome = api.post(
            "/api/v1/webhook-endpoints",
            {"url": self.receiver.url, "events": list(EVENTS)},
            key=f"chaos-endpoint-{time.time_ns()}",
        )
        api.close()
        if outcome.status != 201:
            raise RuntimeError(
                f"endpoint not registered: {outcome.status} {outcome.body}"
            )
        self.receiver.secret = outcome.body["secret"].encode()

    def expected(self) -> set[str]:
        public_ids = [
            str(public_id)
            for public_id in Authorization.objects.filter(
                partner=self.partner
            ).values_list("public_id", flat=True)
        ]
        return {
            str(event_id)
            for event_id in OutboxEvent.objects.filter(
                type__in=EVENTS, aggregate_id__in=public_ids
            ).values_list("event_id", flat=True)
        }

    def pending(self, context: Context) -> int:
        return len(self.expected() - set(self.receiver.ids()))

    def verify(
        self, context: Context, partner: Partner, traffic: Traffic, injected: Injected
    ) -> list[str]:
        breaches = super().verify(context, partner, traffic, injected)
        received, expected = self.receiver.ids(), self.expected()
        unsigned = sum(1 for _, signed in self.receiver.posts if not signed)
        unexpected = set(received) - expected
        if expected - set(received):
            breaches.append(f"{len(expected - set(received))} event(s) never delivered")
        if unexpected:
            breaches.append(f"{len(unexpected)} unknown event id(s) received")
        if unsigned:
            breaches.append(f"{unsigned} POST(s) with a bad signature")
        delivery = apps.get_model("webhooks", "WebhookDelivery")
        doubled = (
            delivery.objects.values("endpoint_id", "event_id")
            .annotate(n=Count("pk"))
            .filter(n__gt=1)
            .count()
        )
        if doubled:
            breaches.append(f"{doubled} delivery row(s) recorded twice")
        injected.figures.update(
            events_expected=len(expected),
            posts_received=sum(received.values()),
            distinct_event_ids=len(received),
            redelivered_posts=sum(received.values()) - len(received),
        )
        return breaches

    def finish(self, context: Context) -> None:
        super().finish(context)
        self.receiver.server.shutdown()
