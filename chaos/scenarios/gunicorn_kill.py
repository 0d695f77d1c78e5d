"""kill -9 gunicorn workers mid-request while clients retry.

Proves: a request cut off with its worker (before or after its transaction
committed) is retried with the same Idempotency-Key and has exactly one
effect; the master replaces the worker.
"""

import os
import random
import signal
import time
from functools import partial

from chaos.processes import Gunicorn, wait_until
from chaos.scenarios.base import Context, Injected, Scenario
from chaos.traffic import Traffic


class GunicornKill(Scenario):
    name = "gunicorn_kill"
    proves = (
        "kill -9 of a web worker mid-request: the clients' retries with the "
        "same Idempotency-Key give exactly one effect"
    )

    def inject(self, context: Context, traffic: Traffic) -> Injected:
        web, profile = context.cluster.web, context.profile
        assert web is not None
        rng = random.Random(self.name)
        interval = profile.traffic_seconds / (profile.gunicorn_kills + 1)
        killed = []
        for _ in range(profile.gunicorn_kills):
            time.sleep(interval)
            pid = rng.choice(web.workers())  # children of the master started here
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
            wait_until(
                partial(_replaced, web, pid, context.cluster.tuning.web_workers),
                timeout=60,
                what="gunicorn replacing its worker",
            )
        cleared = time.monotonic()
        time.sleep(interval)
        cut = [
            op
            for op in traffic.ops
            if any(
                f in {"RemoteDisconnected", "ConnectionResetError", "BrokenPipeError"}
                for f in op.outcome.failures
            )
        ]
        figures = {
            "workers_killed": len(killed),
            "requests_cut_off": len(cut),
        }
        breaches = [] if cut else ["no request was cut off by a worker kill"]
        return Injected(figures, cleared_at=cleared, breaches=breaches)


def _replaced(web: Gunicorn, pid: int, workers: int) -> bool:
    running = web.workers()
    return len(running) == workers and pid not in running
