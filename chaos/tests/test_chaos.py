"""The fault suite in its short form, on its own private MariaDB, Redis,
gunicorn and Celery workers (never the shared services).

One run of `python -m chaos --profile short` serves every test here; each
test reads its scenario's figures. It fails, never skips, when mariadbd or
redis-server is missing.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parent.parent.parent
SCENARIOS = ["worker_kill", "redis_outage", "mariadb_restart", "gunicorn_kill", "bank"]
if apps.is_installed("webhooks"):
    SCENARIOS.insert(1, "webhooks")

pytestmark = [pytest.mark.chaos, pytest.mark.xdist_group("chaos")]


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    for program in ("/usr/sbin/mariadbd", "mariadb-install-db", "redis-server"):
        if not shutil.which(program):
            pytest.fail(f"{program} not found: the fault suite starts its own servers")
    report = tmp_path_factory.mktemp("chaos") / "results.json"
    env = {
        name: os.environ[name]
        for name in ("PATH", "HOME", "LANG", "TMPDIR")
        if name in os.environ
    }
    runner = subprocess.Popen(
        [sys.executable, "-m", "chaos", "--profile", "short", "--json", str(report)],
        cwd=ROOT,
        env={**env, **{k: v for k, v in os.environ.items() if k.startswith("CHAOS_")}},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        output, _ = runner.communicate(timeout=1_200)
    except subprocess.TimeoutExpired:
        runner.terminate()  # it stops every server it started, then exits
        output, _ = runner.communicate(timeout=120)
    if not report.exists():
        pytest.fail(f"the suite did not report:\n{output[-5000:]}")
    return {result["scenario"]: result for result in json.loads(report.read_text())}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scenario_passes_with_exactly_once_effects_and_a_verified_ledger(
    results, scenario
):
    result = results[scenario]

    assert result["breaches"] == []
    assert result["passed"] is True
    assert result["duplicates_found"] == 0
    assert result["unanswered"] == 0
    assert result["ledger_verify"].startswith("OK ")
    assert result["requests"] > 0


def test_killed_workers_tasks_come_back(results):
    result = results["worker_kill"]

    assert result["pool_processes_killed"] == 2
    assert result["nodes_killed"] == 1
    assert len(result["redelivered_after_seconds"]) == 3


def test_authorizations_approve_while_redis_is_down(results):
    result = results["redis_outage"]

    assert result["approvals_during_outage"] > 0
    assert result["failed_requests_during_outage"] == 0
    assert result["events_waiting_when_redis_returned"] > 0


def test_a_database_crash_is_answered_503_never_500(results):
    result = results["mariadb_restart"]

    assert result["requests_that_failed_then_converged"] > 0
    assert "500" not in result["failed_attempts"]


def test_killed_web_workers_cut_requests_that_retries_complete(results):
    result = results["gunicorn_kill"]

    assert result["workers_killed"] == 3
    assert result["killed_after_commit"] == 1
    assert result["answered_from_idempotency_record"] >= 1
    assert result["requests_cut_off"] >= 3


def test_the_bank_moves_every_kind_of_money(results):
    kinds = results["bank"]["by_kind_and_status"]

    assert {"authorize", "capture", "reverse", "refund", "payment", "replay"} <= set(
        kinds
    )
