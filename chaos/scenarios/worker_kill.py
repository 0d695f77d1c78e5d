"""kill -9 Celery workers in the middle of their tasks.

Pool processes are killed while a task is held (see chaos.hold) either
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
from dataclasses import dataclass
from pathlib import Path

from accounts.models import Partner
from chaos.cluster import Cluster
from chaos.processes import CeleryNode, wait_until
from chaos.scenarios.base import Context, Injected, Scenario
from chaos.traffic import Traffic

HOLD_SECONDS = 3.0


@dataclass(frozen=True)
class Kill:
    task_id: str
    task: str
    phase: str
    at: float  # time.time()
    node: str


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
) -> Kill:
    """Hold matching tasks at `phase`, SIGKILL the first pool process seen
    holding one (or its whole node), stop holding, and wait until every
    other held task has moved on and the pool is whole again."""
    control = cluster.control
    hold = control / "hold"
    hold.write_text(f"{phase} {HOLD_SECONDS} {prefixes}\n")
    try:
        pid, task_id, task = _first_held(control, phase)
        node = _node_of(cluster, pid)
        at = time.time()
        if whole_node:
            node.kill()
        else:
            os.kill(pid, signal.SIGKILL)
        (control / f"held-{pid}").unlink(missing_ok=True)  # the dead cannot
    finally:
        hold.unlink(missing_ok=True)
    wait_until(
        lambda: not list(control.glob("held-*")), timeout=60, what="holds released"
    )
    if not whole_node:
        concurrency = cluster.tuning.celery_concurrency
        wait_until(
            lambda: len(node.pool()) == concurrency and pid not in node.pool(),
            timeout=60,
            what="the pool replacing its process",
        )
    return Kill(task_id, task, phase, at, node.node_name)


def _first_held(control: Path, phase: str) -> tuple[int, str, str]:
    """The first pool process seen holding a task at `phase`: its pid, the
    task's id and name."""
    found: list[tuple[int, str, str]] = []

    def held() -> bool:
        for path in sorted(control.glob("held-*")):
            try:
                task_id, task, held_at = path.read_text().split()
            except (OSError, ValueError):
                continue  # just released, or still being written
            if held_at == phase:
                found.append((int(path.name.removeprefix("held-")), task_id, task))
                return True
        return False

    wait_until(held, timeout=120, what=f"a task held {phase}", every=0.05)
    return found[0]


def _node_of(cluster: Cluster, pid: int) -> CeleryNode:
    for node in cluster.nodes:
        if pid in node.pool():
            return node
    raise RuntimeError(f"process {pid} is not in a pool this suite started")


def redelivery_breaches(
    control: Path, kills: list[Kill]
) -> tuple[list[str], list[float]]:
    """Each killed task must have started again; return the breaches and the
    seconds each took to come back."""
    starts = journal(control)
    breaches, delays = [], []
    for kill in kills:
        again = [at for at in starts.get(kill.task_id, []) if at > kill.at]
        if not again:
            breaches.append(
                f"{kill.task} {kill.task_id} killed {kill.phase} never ran again"
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
        self._dead = next(n for n in cluster.nodes if n.node_name == node_kill.node)
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
