"""The Celery app of the suite's worker nodes: the project's own app, plus a
hook that holds a task mid-flight so the suite can kill its process there.

The suite writes `<CHAOS_CONTROL_DIR>/hold` as "<phase> <seconds> <prefix>…":
a task whose name starts with a prefix pauses for that long `before` its
body runs (received, nothing done) or `after` it (effects committed, not yet
acknowledged), with a `held-<pid>` file naming it while it waits. Without
that file the hook only journals each start (`journal-<pid>.log`: task id
name and time), from which the suite counts redeliveries. Nothing in the product
imports this module.
"""

import os
import time
from pathlib import Path
from typing import Any

from celery.signals import task_postrun, task_prerun

from issuer.celery import app

__all__ = ["app"]


def _control() -> Path | None:
    folder = os.environ.get("CHAOS_CONTROL_DIR")
    return Path(folder) if folder else None


def _hold(task_id: str, name: str, phase: str) -> None:
    control = _control()
    if control is None:
        return
    try:
        wanted, seconds, *prefixes = (control / "hold").read_text().split()
    except (OSError, ValueError):
        return
    if wanted != phase or not name.startswith(tuple(prefixes)):
        return
    marker = control / f"held-{os.getpid()}"
    marker.write_text(f"{task_id} {name} {phase}\n")
    try:
        time.sleep(float(seconds))
    finally:
        marker.unlink(missing_ok=True)


@task_prerun.connect
def _before(task_id: str, task: Any, **_: Any) -> None:
    control = _control()
    if control is not None:
        with (control / f"journal-{os.getpid()}.log").open("a") as journal:
            journal.write(f"{task_id} {task.name} {time.time():.3f}\n")
    _hold(task_id, task.name, "before")


@task_postrun.connect
def _after(task_id: str, task: Any, **_: Any) -> None:
    _hold(task_id, task.name, "after")
