"""A scenario: start traffic, inject a fault, recover, verify.

`Scenario.run` is the whole frame; a scenario says what traffic it sends
(`workload`), what it breaks (`inject`, which returns its figures and when
the fault was cleared), what else must be finished before checking
(`pending`) and what else must hold (`verify`). Every scenario ends with the
common checks and `ledger_verify`.
"""

import time
from dataclasses import dataclass, field
from typing import Any, ClassVar

from accounts.models import Partner, Scope
from accounts.services.partners import partner_create
from chaos import checks
from chaos.cluster import Cluster
from chaos.processes import wait_until
from chaos.traffic import Deck, Session, Traffic, Workload, authorize_and_capture


@dataclass(frozen=True)
class Profile:
    """How long and how hard: `full` for `make chaos`, `short` for CI."""

    name: str
    traffic_seconds: float
    clients: int
    pause: float
    redis_outage_seconds: float
    database_down_seconds: float
    gunicorn_kills: int
    worker_kills: int
    bank_seconds: float
    bank_clients: int
    settle_timeout: float = 300


FULL = Profile(
    "full",
    traffic_seconds=40,
    clients=8,
    pause=0.02,
    redis_outage_seconds=30,
    database_down_seconds=10,
    gunicorn_kills=8,
    worker_kills=4,
    bank_seconds=180,
    bank_clients=16,
)
SHORT = Profile(
    "short",
    traffic_seconds=8,
    clients=4,
    pause=0.05,
    redis_outage_seconds=6,
    database_down_seconds=3,
    gunicorn_kills=3,
    worker_kills=2,
    bank_seconds=20,
    bank_clients=8,
)


@dataclass
class Context:
    cluster: Cluster
    deck: Deck
    profile: Profile

    def traffic(
        self, name: str, api_key: str, workload: Workload, *, clients: int, pause: float
    ) -> Traffic:
        assert self.cluster.web is not None
        return Traffic(
            name,
            port=self.cluster.web.port,
            api_key=api_key,
            deck=self.deck,
            clients=clients,
            workload=workload,
            pause=pause,
        )


@dataclass
class Injected:
    """What a fault did: its figures, and when the system was whole again
    (time.monotonic()). Recovery is measured from then, or from the end of
    the traffic if that is later: the seconds until every event is consumed."""

    figures: dict[str, Any]
    cleared_at: float
    breaches: list[str] = field(default_factory=list)


@dataclass
class Result:
    scenario: str
    proves: str
    passed: bool
    figures: dict[str, Any]
    breaches: list[str]
    ledger_verify: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "passed": self.passed,
            "proves": self.proves,
            **self.figures,
            "breaches": self.breaches,
            "ledger_verify": self.ledger_verify,
        }


class Scenario:
    name: ClassVar[str]
    proves: ClassVar[str]

    def workload(self, session: Session) -> None:
        """One client operation; the fault scenarios authorize and capture."""
        authorize_and_capture(session)

    def clients(self, context: Context) -> tuple[int, float]:
        """Client threads and the mean pause between each one's requests."""
        return context.profile.clients, context.profile.pause

    def prepare(self, context: Context, partner: Partner, api_key: str) -> None:
        """Set up before traffic starts (e.g. a webhook endpoint)."""

    def inject(self, context: Context, traffic: Traffic) -> Injected:
        raise NotImplementedError

    def pending(self, context: Context) -> int:
        """Work of this scenario's own still to finish before checking."""
        return 0

    def verify(
        self, context: Context, partner: Partner, traffic: Traffic, injected: Injected
    ) -> list[str]:
        """Checks of this scenario's own; may add to `injected.figures`."""
        return []

    def finish(self, context: Context) -> None:
        """Put the stack back as the next scenario expects it."""

    def run(self, context: Context) -> Result:
        partner, api_key = partner_create(
            name=f"chaos {self.name} {time.time_ns()}",
            scopes=list(Scope.values),
            serves_issuer_cardholders=True,
        )
        self.prepare(context, partner, api_key)
        clients, pause = self.clients(context)
        traffic = context.traffic(
            self.name, api_key, self.workload, clients=clients, pause=pause
        )
        traffic.start()
        started = time.monotonic()
        try:
            injected = self.inject(context, traffic)
        finally:
            traffic.stop()
        traffic_seconds = time.monotonic() - started
        injected.cleared_at = max(injected.cleared_at, time.monotonic())
        try:
            settled = self._settle(context, partner, injected)
            breaches = [
                *injected.breaches,
                *traffic.errors,
                *checks.effects_match_requests(partner, traffic),
                *checks.failures_clean(traffic),
                *checks.scores_exactly_once(partner),
                *checks.holds_one_per_approval(),
                *checks.captures_one_posting(),
                *checks.debits_equal_credits(),
                *checks.limits_respected(),
                *self.verify(context, partner, traffic, injected),
            ]
            if not settled:
                breaches.append(f"not settled: {checks.backlog(partner)}")
            duplicates = checks.duplicates_found(partner, traffic)
            verified, ledger = checks.ledger_verify()
            if not verified:
                breaches.append("ledger_verify failed")
        finally:
            self.finish(context)
        figures = {
            "traffic_seconds": round(traffic_seconds, 1),
            "requests_per_second": round(len(traffic.ops) / traffic_seconds, 1),
            **_traffic_figures(traffic),
            **injected.figures,
            "recovery_seconds": round(settled, 1) if settled else None,
            "duplicates_found": duplicates,
        }
        return Result(
            self.name,
            self.proves,
            not breaches,
            figures,
            breaches,
            ledger.splitlines()[-1],
        )

    def _settle(self, context: Context, partner: Partner, injected: Injected) -> float:
        """Wait until every event is relayed and consumed; return the seconds
        from the fault's clearing (0.0: not within the timeout)."""
        from django.db import connections

        def done() -> bool:
            connections.close_all()  # each look sees the latest commits
            left = checks.backlog(partner)
            return not any(left.values()) and not self.pending(context)

        try:
            wait_until(
                done, timeout=context.profile.settle_timeout, what="settle", every=0.5
            )
        except TimeoutError:
            return 0.0
        return max(time.monotonic() - injected.cleared_at, 0.01)


def _traffic_figures(traffic: Traffic) -> dict[str, Any]:
    authorizations = [
        op for op in traffic.of_kind("authorize") if op.outcome.status == 201
    ]
    return {
        "requests": len(traffic.ops),
        "attempts": sum(op.outcome.attempts for op in traffic.ops),
        "approvals": sum(
            1 for op in authorizations if op.outcome.body["status"] == "approved"
        ),
        "declines": sum(
            1 for op in authorizations if op.outcome.body["status"] == "declined"
        ),
        "answered_from_idempotency_record": sum(
            1 for op in traffic.ops if op.kind != "replay" and op.outcome.replayed
        ),
        "by_kind_and_status": _by_kind_and_status(traffic),
        "failed_attempts": checks.failure_counts(traffic),
        "unanswered": sum(1 for op in traffic.ops if not op.outcome.converged),
    }


def _by_kind_and_status(traffic: Traffic) -> dict[str, dict[int, int]]:
    kinds: dict[str, dict[int, int]] = {}
    for op in traffic.ops:
        by_status = kinds.setdefault(op.kind, {})
        by_status[op.outcome.status] = by_status.get(op.outcome.status, 0) + 1
    return kinds
