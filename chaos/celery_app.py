"""The Celery app of the suite's worker nodes: the project's own app, plus
a hook that holds a task mid-flight (see chaos.holds; spec file `hold`,
markers `held-<pid>`) `before` its body runs (received, nothing done) or
`after` it (effects committed, not yet acknowledged), and journals each
start (`journal-<pid>.log`: task id, name and time), from which the suite
counts redeliveries. Nothing in the product imports this module.
"""

import os
import time
from typing import Any

from celery.signals import task_postrun, task_prerun

from chaos.holds import control_dir, hold_if_asked
from issuer.celery import app

__all__ = ["app"]


def _hold(task_id: str, name: str, phase: str) -> None:
    hold_if_asked(spec="hold", marker="held", phase=phase, name=name, ident=task_id)


@task_prerun.connect
def _before(task_id: str, task: Any, **_: Any) -> None:
    control = control_dir()
    if control is not None:
        with (control / f"journal-{os.getpid()}.log").open("a") as journal:
            journal.write(f"{task_id} {task.name} {time.time():.3f}\n")
    _hold(task_id, task.name, "before")


@task_postrun.connect
def _after(task_id: str, task: Any, **_: Any) -> None:
    _hold(task_id, task.name, "after")
