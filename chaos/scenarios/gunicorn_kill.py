"""kill -9 gunicorn workers mid-request while clients retry.

Each kill catches a POST held by the suite's WSGI hook (chaos.wsgi), in
turn before the application saw it and after its transaction committed but
before a byte of the answer left; every other request the worker was
serving dies with it. Proves: the clients' retries with the same
Idempotency-Key give exactly one effect: a request killed before commit
runs afresh, one killed after commit is answered from the idempotency
record; the master replaces the worker.
"""

import os
import signal
import time
from functools import partial

from accounts.models import Partner
from chaos.holds import Held, catch_held
from chaos.processes import Gunicorn, wait_until
from chaos.scenarios.base import Context, Injected, Scenario
from chaos.traffic import Traffic

HOLD_SECONDS = 3.0
CUT_OFF = frozenset({"RemoteDisconnected", "ConnectionResetError", "BrokenPipeError"})


class GunicornKill(Scenario):
    name = "gunicorn_kill"
    proves = (
        "kill -9 of a web worker mid-request, before or after commit: the "
        "clients' retries with the same Idempotency-Key give exactly one effect"
    )

    def inject(self, context: Context, traffic: Traffic) -> Injected:
        cluster, profile = context.cluster, context.profile
        web = cluster.web
        assert web is not None
        interval = profile.traffic_seconds / (profile.gunicorn_kills + 1)
        self._kills: list[Held] = []
        for n in range(profile.gunicorn_kills):
            time.sleep(interval)
            held = catch_held(
                cluster.control,
                spec="web-hold",
                marker="web-held",
                phase=("before", "after")[n % 2],
                prefixes="/api/v1/authorizations",
                seconds=HOLD_SECONDS,
                kill=partial(_kill_worker, web),
            )
            self._kills.append(held)
            wait_until(
                partial(_replaced, web, held.pid, cluster.tuning.web_workers),
                timeout=60,
                what="gunicorn replacing its worker",
            )
        cleared = time.monotonic()
        time.sleep(interval)
        return Injected({"workers_killed": len(self._kills)}, cleared_at=cleared)

    def verify(
        self, context: Context, partner: Partner, traffic: Traffic, injected: Injected
    ) -> list[str]:
        """Each held request was cut off; one killed after its commit was
        answered from the idempotency record. (One killed before may be too:
        an earlier attempt of it may have died after commit elsewhere.)"""
        by_key = {op.key: op for op in traffic.ops if op.kind != "replay"}
        breaches = []
        for held in self._kills:
            op = by_key.get(held.ident)
            if op is None or not CUT_OFF & set(op.outcome.failures):
                breaches.append(f"held request {held.ident} was not cut off")
            elif held.phase == "after" and not op.outcome.replayed:
                breaches.append(
                    f"request {held.ident} killed after commit was not answered "
                    "from the idempotency record"
                )
        injected.figures["requests_cut_off"] = sum(
            1 for op in traffic.ops if CUT_OFF & set(op.outcome.failures)
        )
        injected.figures["killed_after_commit"] = sum(
            held.phase == "after" for held in self._kills
        )
        return breaches


def _kill_worker(web: Gunicorn, pid: int) -> None:
    if pid not in web.workers():
        raise RuntimeError(f"process {pid} is not a worker of this suite's gunicorn")
    os.kill(pid, signal.SIGKILL)


def _replaced(web: Gunicorn, pid: int, workers: int) -> bool:
    running = web.workers()
    return len(running) == workers and pid not in running
