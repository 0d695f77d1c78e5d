"""`--every-test-runs` (what `make test` and CI pass) fails a run in which a
collected test never ran, and the API fuzz tests have one node id per
operation, so pytest-xdist runs every one."""

import subprocess
import sys
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[3]
PLUGIN = "issuer.kernel.testing.every_test_runs"
# What schemathesis did: three items, one node id.
SHARED_NODE_ID = """
import pytest

def pytest_collection_modifyitems(items):
    for item in items:
        item._id = item.parent.id.child(item.originalname)
"""
THREE_TESTS = """
import pytest

@pytest.mark.parametrize("n", [1, 2, 3])
def test_case(n):
    assert n
"""


@pytest.fixture
def inner(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)

    def run(*args: str) -> pytest.RunResult:
        return pytester.runpytest_subprocess(
            "-p", "no:django", "-p", "no:cacheprovider", "-p", PLUGIN, *args
        )

    return run


def test_tests_sharing_a_node_id_under_xdist_fail_the_run(
    pytester: pytest.Pytester, inner
) -> None:
    """Given three tests with one node id, when xdist runs them as CI does,
    then without the option the run passes having run one, and with it the
    run fails naming the id."""
    pytester.makeconftest(SHARED_NODE_ID)
    pytester.makepyfile(test_shared=THREE_TESTS)

    silent = inner("-n", "2", "--dist", "loadgroup")
    strict = inner("-n", "2", "--dist", "loadgroup", "--every-test-runs")

    assert silent.ret == 0
    silent.stdout.fnmatch_lines(["*1 passed*"])
    assert strict.ret == 1
    strict.stdout.fnmatch_lines(
        [
            "every test runs: 3 collected, 1 ran",
            "  one node id, several tests: test_shared.py::test_case",
            "every test runs: 2 test(s) lost: failing.",
        ]
    )


def test_a_run_of_every_test_passes_and_lists_its_skips(
    pytester: pytest.Pytester, inner
) -> None:
    """Given two tests and a skipped one, when run with the option, then the
    run passes and names the skip with its reason."""
    pytester.makepyfile(
        test_some="""
import pytest

def test_one():
    pass

def test_two():
    pass

@pytest.mark.skip(reason="needs a printer")
def test_three():
    pass
"""
    )

    result = inner("-n", "2", "--every-test-runs")

    assert result.ret == 0
    result.stdout.fnmatch_lines(
        [
            "every test runs: 3 collected, 3 ran",
            "  skipped test_some.py::test_three: Skipped: needs a printer",
        ]
    )


def test_each_fuzzed_operation_has_its_own_node_id() -> None:
    """Given the fuzz module, when collected, then its node ids are unique,
    one per test and operation."""
    collected = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--collect-only",
            "-q",
            "-p",
            "no:cacheprovider",
            "issuer/kernel/tests/test_api_fuzz.py",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    node_ids = [line for line in collected if "::" in line]

    assert len(node_ids) == len(set(node_ids))
    assert all(node_id.endswith("]") for node_id in node_ids), node_ids
    assert (
        "issuer/kernel/tests/test_api_fuzz.py::"
        "test_a_partner_with_every_scope[POST /api/v1/authorizations]" in node_ids
    )
