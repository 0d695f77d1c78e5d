"""Holding work mid-flight so the suite can kill the process holding it.

The suite writes a spec file in CHAOS_CONTROL_DIR, "<phase> <seconds>
<prefix>…"; a process reaching `phase` with work whose name starts with a
prefix writes `<marker>-<pid>` ("<id> <name> <phase>") and sleeps, and the
suite SIGKILLs it there. Without the spec file nothing is held.
"""

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from chaos.processes import wait_until


def control_dir() -> Path | None:
    folder = os.environ.get("CHAOS_CONTROL_DIR")
    return Path(folder) if folder else None


def hold_if_asked(*, spec: str, marker: str, phase: str, name: str, ident: str) -> None:
    control = control_dir()
    if control is None:
        return
    try:
        wanted, seconds, *prefixes = (control / spec).read_text().split()
    except (OSError, ValueError):
        return
    if wanted != phase or not name.startswith(tuple(prefixes)):
        return
    held = control / f"{marker}-{os.getpid()}"
    held.write_text(f"{ident} {name} {phase}\n")
    try:
        time.sleep(float(seconds))
    finally:
        held.unlink(missing_ok=True)


@dataclass(frozen=True)
class Held:
    pid: int
    ident: str
    name: str
    phase: str
    at: float  # time.time() of the kill


def catch_held(
    control: Path,
    *,
    spec: str,
    marker: str,
    phase: str,
    prefixes: str,
    seconds: float,
    kill: Callable[[int], None],
) -> Held:
    """Ask for work to be held at `phase`, `kill` the first process seen
    holding some, stop asking, and wait until every other hold is over."""
    (control / spec).write_text(f"{phase} {seconds} {prefixes}\n")
    try:
        pid, ident, name = _first_held(control, marker, phase)
        at = time.time()
        kill(pid)
        (control / f"{marker}-{pid}").unlink(missing_ok=True)  # the dead cannot
    finally:
        (control / spec).unlink(missing_ok=True)
    wait_until(
        lambda: not list(control.glob(f"{marker}-*")),
        timeout=60,
        what="holds released",
    )
    return Held(pid, ident, name, phase, at)


def _first_held(control: Path, marker: str, phase: str) -> tuple[int, str, str]:
    found: list[tuple[int, str, str]] = []

    def held() -> bool:
        for path in sorted(control.glob(f"{marker}-*")):
            try:
                ident, name, held_at = path.read_text().split()
            except (OSError, ValueError):
                continue  # just released, or still being written
            if held_at == phase:
                found.append((int(path.name.rsplit("-", 1)[1]), ident, name))
                return True
        return False

    wait_until(held, timeout=120, what=f"work held {phase}", every=0.05)
    return found[0]
