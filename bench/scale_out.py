"""Scale-out: more web processes and Celery workers on one MariaDB and Redis.

Topologies (`--topologies`, in order):

- `single`: one web process; one Celery worker consuming every queue.
- `scaled`: two web processes; `--default-workers` default workers (queues
  default, credit, webhooks) and `--fraud-workers` fraud workers (queue
  fraud), one of each by default, as in docker-compose.yml and
  docs/production-topology.md.

A web process is a gunicorn instance with `--web-workers` sync workers
(default 1) on its own port, as on its own host behind a load balancer;
wrk splits its connections across them. A Celery worker is one solo
process. Everything shares the machine, MariaDB and Redis.

Each topology runs `--repeat` times, the order alternating (the shared
machine's load drifts); the medians are compared. For each run:

1. Live: wrk drives the web tier (`--clients` connections, `--seconds`)
   while the workers run. Approvals/s and latency over HTTP; fraud scores
   stored per second during the run; how long after the load stopped the
   workers scored the last authorization (lag); and the end-to-end rate,
   authorizations made and scored over the time from the first request
   to the last score.
2. Backlog: the workers stay up but stop taking tasks (Celery's
   cancel_consumer) while wrk drives the web tier for `--backlog-seconds`;
   the events pile up in Redis as relay tasks, exactly as the web processes
   publish them. Then the workers resume (add_consumer): from then to the
   last event relayed and the last authorization scored gives events/s
   through the real relay and consumers. The approvals/s of this phase is
   the web tier alone (no worker busy on the same cores).

A hand-set logistic model is active whose every score is Low (see
fraud_support): each authorization is scored and stored, and no action
freezes a card under the benchmark.
The database (`BENCH_DATABASE_URL`, default `bench_scale_out`) is dropped
and re-created; the broker is `BENCH_BROKER_URL` (Redis db 14 by default),
whose queues are purged first. Prints one JSON object.

    .venv/bin/python bench/scale_out.py [--seconds 20] [--backlog-seconds 20]
"""

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault(
    "BENCH_DATABASE_URL", "mysql://issuer:issuer@127.0.0.1:3306/bench_scale_out"
)
BROKER = os.environ.setdefault("BENCH_BROKER_URL", "redis://127.0.0.1:6379/14")
os.environ["CELERY_BROKER_URL"] = BROKER
os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="scale-out-media-"))

from fraud_support import database_version, tiny_model_activate  # noqa: E402
from processes import (  # noqa: E402
    celery_worker,
    load,
    server_environment,
    start_server,
    stop_server,
    workers_ready,
    write_cards,
)
from setup_django import report, setup  # noqa: E402

setup(fresh=True)

from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.services.partners import partner_create  # noqa: E402
from cards.models import Authorization  # noqa: E402
from cards.services.sandbox import sandbox_cards_issue  # noqa: E402
from fraud.models import FraudScore  # noqa: E402
from issuer.celery import app  # noqa: E402
from issuer.kernel.models import OutboxEvent  # noqa: E402

QUEUES = ("default", "fraud", "credit", "webhooks")
FIRST_PORT = 8771
BIG_LIMIT = 10**11  # within the largest credit limit accounts accept


@dataclass(frozen=True)
class Topology:
    web_processes: int
    workers: tuple[tuple[str, str], ...]  # (name, queues)

    def describe(self, web_workers: int) -> dict[str, Any]:
        return {
            "web_processes": self.web_processes,
            "gunicorn_sync_workers_per_process": web_workers,
            "celery_workers": {name: queues for name, queues in self.workers},
        }


def topologies(default_workers: int, fraud_workers: int) -> dict[str, Topology]:
    return {
        "single": Topology(1, (("all", ",".join(QUEUES)),)),
        "scaled": Topology(
            2,
            (
                *(
                    (f"default{n}", "default,credit,webhooks")
                    for n in range(1, default_workers + 1)
                ),
                *((f"fraud{n}", "fraud") for n in range(1, fraud_workers + 1)),
            ),
        ),
    }


def purge_queues() -> None:
    """Drop messages left on the benchmark broker by earlier runs."""
    with app.connection_for_write() as broker:
        channel = broker.default_channel
        for queue in QUEUES:
            channel.queue_purge(queue)


Processes = list[subprocess.Popen[bytes]]


def start_workers(workers: tuple[tuple[str, str], ...]) -> Processes:
    """Solo Celery workers, ready (each answers a ping) on return."""
    processes = [
        celery_worker(
            queues=queues, node=f"scale-{name}@bench", env=server_environment()
        )
        for name, queues in workers
    ]
    if not workers_ready(app.control, len(processes)):
        stop_workers(processes)
        raise RuntimeError(f"Celery workers did not start: {workers}")
    return processes


def stop_workers(processes: Processes) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)


def wait_until(done: Any, *, timeout: float, poll: float = 0.1) -> float:
    """Poll `done()` until true; the monotonic time it first was (or raise)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if done():
            return time.monotonic()
        time.sleep(poll)
    raise RuntimeError("timed out waiting for the workers")


def drained() -> bool:
    """Every event relayed and every authorization scored by the (single,
    active) model. The fraud consumer scores whatever backlog it finds, so
    scores can be complete while relay tasks still wait."""
    return (
        not OutboxEvent.objects.filter(dispatched_at=None).exists()
        and FraudScore.objects.count() >= Authorization.objects.count()
    )


def consuming(topology: Topology, on: bool) -> None:
    """Have the running workers stop or resume taking tasks (they stay up)."""
    for name, queues in topology.workers:
        node = [f"scale-{name}@bench"]
        for queue in queues.split(","):
            if on:
                app.control.add_consumer(queue, destination=node, reply=True)
            else:
                app.control.cancel_consumer(queue, destination=node, reply=True)


def live(
    ports: tuple[int, ...], cards_file: Path, key: str, args: argparse.Namespace
) -> dict[str, Any]:
    load(cards_file, key, clients=args.clients, seconds=3, ports=ports)  # warm-up
    wait_until(drained, timeout=300)  # the warm-up's events
    authorizations_before = Authorization.objects.count()
    started_wall = timezone.now()
    started = time.monotonic()
    http = load(
        cards_file, key, clients=args.clients, seconds=args.seconds, ports=ports
    )
    stopped = time.monotonic()
    scored_during = FraudScore.objects.filter(
        scored_at__gte=started_wall, scored_at__lt=timezone.now()
    ).count()
    done = wait_until(drained, timeout=600)
    made = Authorization.objects.count() - authorizations_before
    return {
        "http": http,
        "authorizations": made,
        "scored_per_s_during_load": round(scored_during / (stopped - started), 1),
        "lag_after_load_s": round(done - stopped, 2),
        "end_to_end_per_s": round(made / (done - started), 1),
    }


def backlog(
    topology: Topology,
    ports: tuple[int, ...],
    cards_file: Path,
    key: str,
    args: argparse.Namespace,
) -> dict[str, Any]:
    consuming(topology, on=False)
    events_before = OutboxEvent.objects.count()
    http = load(
        cards_file, key, clients=args.clients, seconds=args.backlog_seconds, ports=ports
    )
    time.sleep(1)  # the web processes' last relay batches reach Redis
    events = OutboxEvent.objects.count() - events_before
    waiting = OutboxEvent.objects.filter(dispatched_at=None).count()
    started = time.monotonic()
    consuming(topology, on=True)
    done = wait_until(drained, timeout=600)
    return {
        "approvals_per_s_while_workers_paused": http["approvals_per_s"],
        "events": events,
        "events_waiting_at_resume": waiting,
        "drain_s": round(done - started, 2),
        "events_per_s": round(waiting / (done - started), 1),
    }


def run(
    topology: Topology, cards_file: Path, key: str, args: argparse.Namespace
) -> dict[str, Any]:
    ports = tuple(FIRST_PORT + n for n in range(topology.web_processes))
    workers = start_workers(topology.workers)
    servers = [start_server(args.web_workers, port=port) for port in ports]
    try:
        return {
            **topology.describe(args.web_workers),
            "load_1m_at_start": round(os.getloadavg()[0], 2),
            "live": live(ports, cards_file, key, args),
            "backlog": backlog(topology, ports, cards_file, key, args),
        }
    finally:
        for server in servers:
            stop_server(server)
        stop_workers(workers)


MEASURES = {
    "approvals_per_s": ("live", "http", "approvals_per_s"),
    # The web tier alone: the workers paused, nothing else on the cores.
    "approvals_per_s_workers_paused": (
        "backlog",
        "approvals_per_s_while_workers_paused",
    ),
    "http_p99_ms": ("live", "http", "p99_ms"),
    "end_to_end_per_s": ("live", "end_to_end_per_s"),
    "lag_after_load_s": ("live", "lag_after_load_s"),
    "backlog_events_per_s": ("backlog", "events_per_s"),
}


RATES = (
    "approvals_per_s",
    "approvals_per_s_workers_paused",
    "end_to_end_per_s",
    "backlog_events_per_s",
)


def measure(run: dict[str, Any], path: tuple[str, ...]) -> float:
    value: Any = run
    for key in path:
        value = value[key]
    return float(value)


def summary(runs: list[dict[str, Any]]) -> dict[str, float]:
    """Each measure's median over the repeats."""
    return {
        name: round(statistics.median(measure(run, path) for run in runs), 2)
        for name, path in MEASURES.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--topologies", default="single,scaled")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--cards", type=int, default=1_000)
    parser.add_argument("--web-workers", type=int, default=1)
    parser.add_argument("--default-workers", type=int, default=1)
    parser.add_argument("--fraud-workers", type=int, default=1)
    parser.add_argument("--backlog-seconds", type=float, default=20)
    args = parser.parse_args()

    purge_queues()
    tiny_model_activate(amount_weight=0.0)  # every score Low: no card frozen
    cards = list(sandbox_cards_issue(count=args.cards, limit=BIG_LIMIT))
    _, key = partner_create(name="Bench Acquirer", scopes=["authorizations"])
    chosen = topologies(args.default_workers, args.fraud_workers)
    names = args.topologies.split(",")
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    with tempfile.TemporaryDirectory() as directory:
        cards_file = write_cards(cards, Path(directory), "cards.csv")
        for repeat in range(args.repeat):
            # Alternate the order: the shared machine's load drifts.
            for name in names if repeat % 2 == 0 else names[::-1]:
                runs[name].append(run(chosen[name], cards_file, key, args))
                connection.close()
    medians = {name: summary(runs[name]) for name in names}
    first = medians[names[0]]
    report(
        "scale_out",
        {
            "database": database_version(),
            "broker": BROKER,
            "clients": args.clients,
            "seconds": args.seconds,
            "backlog_seconds": args.backlog_seconds,
            "repeats": args.repeat,
            "medians": medians,
            "rise_vs_first": {
                name: {
                    rate: round(medians[name][rate] / first[rate], 2) for rate in RATES
                }
                for name in names[1:]
            },
            "runs": runs,
            "duplicate_scores": FraudScore.objects.count()
            - FraudScore.objects.values("authorization_id", "model_version_id")
            .distinct()
            .count(),
            "authorizations": Authorization.objects.count(),
            "unscored": Authorization.objects.count() - FraudScore.objects.count(),
        },
    )


if __name__ == "__main__":
    main()
