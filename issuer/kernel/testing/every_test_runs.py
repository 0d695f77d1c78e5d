"""Pytest plugin: with `--every-test-runs`, a run fails unless every collected
test ran exactly once, and lists every skip with its reason.

Two items with one node id are one test to pytest-xdist's scheduler (the
second is never sent), and a worker that dies takes its tests with it: both
end a run green with tests lost. This counts the collected node ids (one
list per worker under xdist, the same in each) and the ids that reported,
and fails the run on any difference, naming the ids.
"""

from collections import Counter
from typing import Any

import pytest

OPTION = "--every-test-runs"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        OPTION,
        action="store_true",
        default=False,
        help="fail the run unless every collected test ran exactly once",
    )


def pytest_configure(config: pytest.Config) -> None:
    is_xdist_worker = hasattr(config, "workerinput")
    if config.getoption(OPTION) and not is_xdist_worker:
        config.pluginmanager.register(EveryTestRuns(), "every-test-runs")


class EveryTestRuns:
    """Collected against reported node ids, on the process that reports."""

    def __init__(self) -> None:
        self.collected: list[str] | None = None
        self.reported: set[str] = set()
        self.skips: dict[str, str] = {}

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        if self.collected is None and session.items:
            self.collected = [item.nodeid for item in session.items]

    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        if self.collected is None:
            self.collected = list(ids)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.reported.add(report.nodeid)
        if report.skipped and isinstance(report.longrepr, tuple):
            self.skips[report.nodeid] = str(report.longrepr[2])

    def lost(self) -> tuple[list[str], list[str]]:
        """Ids collected more than once, and ids that never reported."""
        counts = Counter(self.collected or [])
        shared = sorted(node_id for node_id, count in counts.items() if count > 1)
        never = sorted(node_id for node_id in counts if node_id not in self.reported)
        return shared, never

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        collected = len(self.collected or [])
        ran = len(self.reported & set(self.collected or []))
        shared, never = self.lost()
        lines = [f"every test runs: {collected} collected, {ran} ran"]
        lines += [f"  skipped {node_id}: {why}" for node_id, why in self.skips.items()]
        if shared or never:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
            lines += [f"  one node id, several tests: {node_id}" for node_id in shared]
            lines += [f"  never ran: {node_id}" for node_id in never]
            lines.append(f"every test runs: {collected - ran} test(s) lost: failing.")
        if reporter is not None:
            reporter.write("\n")
            for line in lines:
                reporter.write_line(line)
