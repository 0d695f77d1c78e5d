"""`python -m chaos`: bring up the private stack, run the scenarios, report.

    python -m chaos [--profile full|short] [--only worker_kill,bank] [--json FILE]

Each scenario prints one line `CHAOS {json}` with its figures, breaches and
the last line of ledger_verify; the exit status is non-zero if any failed.
CHAOS_SECONDS (traffic per fault scenario), CHAOS_BANK_SECONDS and
CHAOS_REDIS_OUTAGE_SECONDS override the profile's durations.
"""

import argparse
import dataclasses
import json
import os
import signal
import sys
import time
import traceback
from pathlib import Path
from types import FrameType
from typing import Any

from chaos.cluster import Cluster, Tuning

OVERRIDES = {
    "CHAOS_SECONDS": "traffic_seconds",
    "CHAOS_BANK_SECONDS": "bank_seconds",
    "CHAOS_REDIS_OUTAGE_SECONDS": "redis_outage_seconds",
}


def _interrupted(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # unwinds into the cleanup below


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m chaos")
    parser.add_argument("--profile", choices=["full", "short"], default="full")
    parser.add_argument("--only", default="", help="comma-separated scenario names")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--keep", action="store_true", help="keep the data directory")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupted)

    cluster = Cluster.create(tuning=Tuning())
    print(f"chaos: stack under {cluster.home}", flush=True)
    results: list[dict[str, Any]] = []
    try:
        deck = []

        def seed() -> None:
            from chaos.seed import seed as seed_stack

            deck.append(seed_stack())

        started = time.monotonic()
        cluster.start(seed=seed)
        print(f"chaos: stack up in {time.monotonic() - started:.0f} s", flush=True)
        results = _run_all(cluster, deck[0], args)
    finally:
        cluster.close(keep=args.keep)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2))
    failed = [r["scenario"] for r in results if not r["passed"]]
    print(
        f"chaos: {len(results) - len(failed)} passed, {len(failed)} failed", flush=True
    )
    sys.exit(1 if failed or not results else 0)


def _run_all(
    cluster: Cluster, deck: Any, args: argparse.Namespace
) -> list[dict[str, Any]]:
    from chaos.scenarios import FULL, SHORT, Context, scenarios_available

    profile = FULL if args.profile == "full" else SHORT
    overrides: dict[str, Any] = {
        field: float(os.environ[name])
        for name, field in OVERRIDES.items()
        if name in os.environ
    }
    profile = dataclasses.replace(profile, **overrides)
    context = Context(cluster=cluster, deck=deck, profile=profile)
    wanted = {name for name in args.only.split(",") if name}
    results = []
    for scenario_class in scenarios_available():
        if wanted and scenario_class.name not in wanted:
            continue
        started = time.monotonic()
        try:
            result = scenario_class().run(context).as_dict()
        except Exception as exc:  # noqa: BLE001 - one scenario's crash is its failure
            result = {
                "scenario": scenario_class.name,
                "passed": False,
                "breaches": [f"crashed: {type(exc).__name__}: {exc}"],
                "traceback": traceback.format_exc(),
            }
        result["wall_seconds"] = round(time.monotonic() - started, 1)
        print(f"CHAOS {json.dumps(result)}", flush=True)
        results.append(result)
    return results
