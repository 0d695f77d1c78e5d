"""Processes the benchmarks start: gunicorn, Celery workers, wrk (no Django
set-up here).

`start_server` runs the project under gunicorn on a port with the
benchmark's database and broker; `load` drives one or more servers with
wrk and `bench/authorize.lua` (random cards among a file of them, optional
capture of each approval) and sums what they served; `celery_worker` and
`workers_ready` start Celery workers and wait until they answer.
"""

import http.client
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Protocol

ROOT = Path(__file__).resolve().parent.parent
PORT = 8765


def server_environment() -> dict[str, str]:
    """The web processes' environment: the benchmark's database and broker."""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "issuer.settings.local",
        "DEBUG": "off",
        "LOG_LEVEL": "WARNING",
        "CELERY_BROKER_URL": os.environ.get(
            "BENCH_BROKER_URL", "redis://127.0.0.1:6379/12"
        ),
    }


def start_server(
    workers: int, threads: int = 1, *, port: int = PORT
) -> subprocess.Popen[bytes]:
    """gunicorn on 127.0.0.1:`port`, ready (its /healthz answers) on return."""
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "issuer.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--worker-class",
            "gthread" if threads > 1 else "sync",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=server_environment(),
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            probe = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            probe.request("GET", "/healthz")
            if probe.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise RuntimeError(f"gunicorn did not start on port {port}")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=30)


def _wrk(
    cards_file: Path,
    key: str,
    *,
    clients: int,
    seconds: float,
    capture: bool,
    port: int,
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            "wrk",
            f"-t{clients}",
            f"-c{clients}",
            f"-d{int(seconds)}s",
            "--timeout",
            "10s",
            "-s",
            str(Path(__file__).with_name("authorize.lua")),
            f"http://127.0.0.1:{port}",
        ],
        env={
            **os.environ,
            "BENCH_CARDS": str(cards_file),
            "BENCH_KEY": key,
            "BENCH_CAPTURE": "1" if capture else "0",
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _result(process: subprocess.Popen[str]) -> dict[str, float]:
    stdout, stderr = process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"wrk failed: {stderr}")
    line = next(row for row in stdout.splitlines() if row.startswith("JSON "))
    result: dict[str, float] = json.loads(line.removeprefix("JSON "))
    return result


def load(
    cards_file: Path,
    key: str,
    *,
    clients: int,
    seconds: float,
    capture: bool = False,
    ports: tuple[int, ...] = (PORT,),
) -> dict[str, Any]:
    """Drive the servers on `ports` with wrk (C, so the load costs little CPU),
    `clients` connections in all, split evenly; rates are summed. With more
    than one server, latency percentiles are the worst server's (p50 the
    request-weighted mean of theirs) and `per_server` keeps each one's.
    `load_1m_before`: the machine's 1-minute load average at the start."""
    share, extra = divmod(clients, len(ports))
    load_1m = round(os.getloadavg()[0], 2)  # the machine is shared: say how busy
    runs = [
        _wrk(
            cards_file,
            key,
            clients=share + (1 if index < extra else 0),
            seconds=seconds,
            capture=capture,
            port=port,
        )
        for index, port in enumerate(ports)
    ]
    results = [_result(run) for run in runs]
    if len(results) == 1:
        return {**results[0], "load_1m_before": load_1m}
    total_rate = sum(r["requests_per_s"] for r in results) or 1.0
    summed = ("requests_per_s", "approvals_per_s", "approved", "declined", "failed")
    return {
        **{name: round(sum(r[name] for r in results), 1) for name in summed},
        "captured": sum(r["captured"] for r in results),
        "socket_errors": sum(r["socket_errors"] for r in results),
        "p50_ms": round(
            sum(r["p50_ms"] * r["requests_per_s"] for r in results) / total_rate, 2
        ),
        "p99_ms": max(r["p99_ms"] for r in results),
        "p999_ms": max(r["p999_ms"] for r in results),
        "load_1m_before": load_1m,
        "per_server": results,
    }


def write_cards(cards: list[Any], directory: Path, name: str) -> Path:
    """Card data for wrk, in a private temporary file (deleted after the run)."""
    path = directory / name
    with path.open("w") as handle:
        for card in cards:
            handle.write(f"{card.issued.pan},{card.issued.card.expiry},{card.cvv}\n")
    path.chmod(0o600)
    return path


def celery_worker(
    *, queues: str, node: str, env: dict[str, str], concurrency: int = 1
) -> subprocess.Popen[bytes]:
    """A Celery worker on `queues` named `node` (a solo process, or a prefork
    pool above one), its output discarded."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "issuer",
            "worker",
            "-Q",
            queues,
            "-c",
            str(concurrency),
            "-P",
            "solo" if concurrency == 1 else "prefork",
            "-n",
            node,
            "--without-gossip",
            "--without-mingle",
            "-l",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


class _Control(Protocol):
    def ping(self, timeout: float) -> list[dict[str, Any]]: ...


def workers_ready(control: _Control, count: int, *, timeout: float = 60) -> bool:
    """Wait until `count` workers answer a ping (False if they never do)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(control.ping(timeout=0.5)) >= count:
            return True
    return False
