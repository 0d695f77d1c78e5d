"""kill -9 Celery workers in the middle of their tasks.

Pool processes are killed while a task is held (see chaos.celery_app) either
before its body ran or after its effects committed but before the
acknowledgement; then a whole node (parent and pool) is killed mid-task.
Proves: acks-late with reject-on-worker-lost hands a dead process's task
back at once, a dead node's tasks come back after the visibility timeout,
and the idempotent consumers turn those redeliveries into exactly one
score each.
"""

import contextlib
import os
import signal
import time
from collections import defaultdict
from pathlib import Path

from accounts.models import Partner
from chaos.cluster import Cluster
from chaos.holds import Held, catch_held
from chaos.processes import CeleryNode, wait_until
from chaos.scenarios.base import Context, Injected, Scenario
from chaos.traffic import Traffic

HOLD_SECONDS = 3.0


def journal(control: Path) -> dict[str, list[float]]:
    """Every start of every task id the workers journaled, in time order."""
    starts: dict[str, list[float]] = defaultdict(list)
    for path in control.glob("journal-*.log"):
        for line in path.read_text().splitlines():
            task_id, _, at = line.split()
            starts[task_id].append(float(at))
    return {task_id: sorted(times) for task_id, times in starts.items()}


def kill_held(
    cluster: Cluster, *, phase: str, prefixes: str, whole_node: bool = False
) -> Held:
    """SIGKILL a pool process holding a task at `phase` (or its whole node),
    then wait until the pool is whole again."""
    killed: list[CeleryNode] = []

    def kill(pid: int) -> None:
        node = _node_of(cluster, pid)
        killed.append(node)
        if whole_node:
            node.kill()
        else:
            os.kill(pid, signal.SIGKILL)

    held = catch_held(
        cluster.control,
        spec="hold",
        marker="held",
        phase=phase,
        prefixes=prefixes,
        seconds=HOLD_SECONDS,
        kill=kill,
    )
    if not whole_node:
        node, size = killed[0], cluster.tuning.celery_concurrency
        wait_until(
            lambda: len(node.pool()) == size and held.pid not in node.pool(),
            timeout=60,
            what="the pool replacing its process",
        )
    return held


def _node_of(cluster: Cluster, pid: int) -> CeleryNode:
    for node in cluster.nodes:
        if pid in node.pool():
            return node
    raise RuntimeError(f"process {pid} is not in a pool this suite started")


def redelivery_breaches(
    control: Path, kills: list[Held]
) -> tuple[list[str], list[float]]:
    """Each killed task must have started again; return the breaches and the
    seconds each took to come back."""
    starts = journal(control)
    breaches, delays = [], []
    for kill in kills:
        again = [at for at in starts.get(kill.ident, []) if at > kill.at]
        if not again:
            breaches.append(
                f"{kill.name} {kill.ident} killed {kill.phase} never ran again"
            )
        else:
            delays.append(round(again[0] - kill.at, 1))
    return breaches, delays


class WorkerKill(Scenario):
    name = "worker_kill"
    proves = (
        "kill -9 of a Celery pool process or a whole node mid-task loses no "
        "event and scores each authorization exactly once"
    )
    prefixes = "fraud.score"

    def inject(self, context: Context, traffic: Traffic) -> Injected:
        cluster, profile = context.cluster, context.profile
        time.sleep(profile.traffic_seconds / 2)
        kills = [
            kill_held(cluster, phase=("before", "after")[n % 2], prefixes=self.prefixes)
            for n in range(profile.worker_kills)
        ]
        node_kill = kill_held(
            cluster, phase="before", prefixes=self.prefixes, whole_node=True
        )
        self._dead = next(n for n in cluster.nodes if not n.is_running())
        self._kills = [*kills, node_kill]
        time.sleep(profile.traffic_seconds / 2)
        figures = {
            "pool_processes_killed": len(kills),
            "killed_before_effects": sum(k.phase == "before" for k in kills),
            "killed_after_effects_before_ack": sum(k.phase == "after" for k in kills),
            "nodes_killed": 1,
            "visibility_timeout_seconds": cluster.tuning.visibility_timeout,
        }
        return Injected(figures, cleared_at=time.monotonic())

    def verify(
        self, context: Context, partner: Partner, traffic: Traffic, injected: Injected
    ) -> list[str]:
        """Every killed task ran again: wait for the node's (after the
        visibility timeout), then report how long each took."""
        control = context.cluster.control
        timeout = context.cluster.tuning.visibility_timeout * 3 + 60
        with contextlib.suppress(TimeoutError):
            wait_until(
                lambda: not redelivery_breaches(control, self._kills)[0],
                timeout=timeout,
                what="redeliveries",
            )
        breaches, delays = redelivery_breaches(control, self._kills)
        injected.figures["redelivered_after_seconds"] = delays
        return breaches

    def finish(self, context: Context) -> None:
        dead = getattr(self, "_dead", None)
        if dead is not None and not dead.is_running():
            dead.start_node()
