"""Project-wide fixtures: API clients, partners, staff sign-in, a real Celery
worker and Debian's Chromium driven by Playwright."""

import contextlib
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import pytest
from celery.result import allow_join_result
from django.conf import settings
from django.db import connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from accounts.models import Partner, Scope
from accounts.services.partners import partner_create
from accounts.tests.staff_auth import staff_login as _staff_login
from issuer.celery import app as celery_app

# --every-test-runs: `make test` (so CI) fails when a collected test never ran.
pytest_plugins = ["issuer.kernel.testing.every_test_runs"]

ROOT = Path(__file__).resolve().parent
# The machine's recommended flags: no sandbox as root, and no background
# connections (this closed network refuses them, many at a time).
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PORTAL_TEST_PASSWORD = "correct-horse-battery-staple"
SCREENSHOTS = ROOT / "var" / "artifacts" / "screenshots"
_STARTED = pytest.StashKey[float]()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None) -> None:
    """The read replica (a test mirror of the primary) on the test database
    in every thread, not only this one.

    Django points only this thread's replica connection at the test
    database; threads that open their own (the live server's) read the
    settings, which still name the development database.
    """
    if "replica" in settings.DATABASES:
        settings.DATABASES["replica"]["NAME"] = settings.DATABASES["default"]["NAME"]


@contextmanager
def _queries_by_alias() -> Iterator[dict[str, list[str]]]:
    captured: dict[str, list[str]] = {}
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica"]) as replica,
    ):
        yield captured
    captured["default"] = [query["sql"] for query in primary.captured_queries]
    captured["replica"] = [query["sql"] for query in replica.captured_queries]


@pytest.fixture
def queries_by_alias() -> Callable[[], AbstractContextManager[dict[str, list[str]]]]:
    """`with queries_by_alias() as sql:` the SQL the primary (`sql["default"]`)
    and the read replica (`sql["replica"]`) ran in the block. The test must
    allow both databases."""
    return _queries_by_alias


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def staff_login() -> Callable[..., object]:
    """`staff_login(client, user)`: log in with a verified TOTP second factor."""
    return _staff_login


@pytest.fixture
def admin_client(client, admin_user):  # type: ignore[no-untyped-def]
    """pytest-django's admin client, past the admin's second factor too."""
    _staff_login(client, admin_user)
    return client


@pytest.fixture
def make_staff(db):  # type: ignore[no-untyped-def]
    """Create a staff user in one of accounts.roles' role groups."""
    from django.apps import apps
    from django.contrib.auth.models import Group

    from accounts.models import User
    from accounts.roles import roles_sync

    def make(username: str, role: str):  # type: ignore[no-untyped-def]
        if not Group.objects.filter(name=role).exists():
            roles_sync(apps)  # a transactional test flushed the migration's groups
        user = User.objects.create_user(username=username, is_staff=True)
        user.groups.add(Group.objects.get(name=role))
        return user

    return make


@pytest.fixture
def staff_client(db: None) -> Callable[..., Client]:
    """A browser-like client signed in to the admin as the given staff user
    (second factor verified)."""

    def login(user: Any) -> Client:
        client = Client()
        _staff_login(client, user)
        return client

    return login


@pytest.fixture
def cardholder_user(db: None) -> Callable[..., Any]:
    """Give a sandbox card's cardholder a portal login; returns the user."""
    from accounts.models import Cardholder, User

    def make(sandbox_card: Any, username: str | None = None) -> Any:
        cardholder = Cardholder.objects.get(
            pk=sandbox_card.issued.card.account.cardholder_id
        )
        user = User.objects.create_user(
            username=username or f"holder-{cardholder.pk}",
            password=PORTAL_TEST_PASSWORD,
            email=cardholder.email,
        )
        Cardholder.objects.filter(pk=cardholder.pk).update(user=user)
        return user

    return make


@pytest.fixture
def cardholder_client(db: None) -> Callable[..., Client]:
    """A client signed in to the portal as the given cardholder's user."""

    def login(user: Any) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return login


@pytest.fixture
def make_partner(db: None) -> Callable[..., tuple[Partner, str]]:
    """A partner that serves the issuer's own cardholders (the sandbox cards'
    `issue_card` makes), unless `serves_issuer_cardholders=False`: the
    program-boundary tests make theirs without it."""

    def make(  # type: ignore[no-untyped-def]
        scopes: list[str] | None = None,
        name: str | None = None,
        serves_issuer_cardholders: bool = True,
    ):
        return partner_create(
            name=name or f"partner-{uuid.uuid4().hex[:8]}",
            scopes=scopes or list(Scope.values),
            serves_issuer_cardholders=serves_issuer_cardholders,
        )

    return make


@pytest.fixture
def partner_client(make_partner: Callable[..., tuple[Partner, str]]) -> APIClient:
    """An API client authenticated as a partner holding every scope."""
    partner, key = make_partner()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {key}")
    client.partner = partner  # type: ignore[attr-defined]
    return client


@pytest.fixture
def issue_card(db: None):  # type: ignore[no-untyped-def]
    """Issue a sandbox cardholder with an active card; returns a SandboxCard."""
    from cards.services.sandbox import sandbox_cards_issue

    def issue(limit: int = 100_000, currency: str = "USD"):
        return next(sandbox_cards_issue(count=1, limit=limit, currency=currency))

    return issue


@pytest.fixture
def test_card(issue_card):  # type: ignore[no-untyped-def]
    return issue_card()


def _database_url_for_worker() -> str:
    """The URL of the test database this process is using."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    password = settings["PASSWORD"]
    credentials = f"{settings['USER']}:{password}" if password else settings["USER"]
    return (
        f"mysql://{credentials}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 3306}/{settings['NAME']}"
    )


@contextlib.contextmanager
def running_celery_worker(
    **env_overrides: str,
) -> Iterator[subprocess.Popen[bytes]]:
    """Run a real Celery worker process on Redis against the test database
    while the block runs; `env_overrides` reach its settings (e.g. shorter
    webhook timeouts). A test may kill it; the block's end stops what is left.
    """
    queue_suffix = uuid.uuid4().hex[:8]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "issuer.settings.test",
        "TEST_CELERY_EAGER": "0",
        "DATABASE_URL": _database_url_for_worker(),
        **env_overrides,
    }
    log_path = ROOT / "var" / f"celery-worker-{queue_suffix}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = log_path.open("wb")
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "issuer",
            "worker",
            "-Q",
            "default,fraud,webhooks,credit",
            "-c",
            "1",
            "-P",
            "solo",
            "-n",
            f"test-{queue_suffix}@%h",
            "--without-gossip",
            "--without-mingle",
            "-l",
            "INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for_worker(worker, name=f"test-{queue_suffix}@", log_path=log_path)
        yield worker
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
        log.close()


@contextlib.contextmanager
def tasks_through_broker() -> Iterator[None]:
    """Send tasks to the broker (not in-process) and let the test wait on
    their results: it is not a task, whatever an earlier in-process task
    left in Celery's "inside a task" flag."""
    previous_eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        with allow_join_result():
            yield
    finally:
        celery_app.conf.task_always_eager = previous_eager


@pytest.fixture
def celery_worker(transactional_db: None) -> Iterator[subprocess.Popen[bytes]]:
    """Start a real Celery worker process on Redis against the test database.

    Tasks sent during the test go through the broker to this process.
    """
    with tasks_through_broker(), running_celery_worker() as worker:
        yield worker


def _wait_for_worker(
    worker: subprocess.Popen[bytes], *, name: str, log_path: Path
) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise RuntimeError(f"Celery worker exited: {log_path.read_text()[-2000:]}")
        replies = celery_app.control.ping(timeout=0.5)
        if any(key.startswith(name) for reply in replies for key in reply):
            return
    raise RuntimeError(f"Celery worker did not start: {log_path.read_text()[-2000:]}")


@pytest.fixture
def browser(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright, for one test; fails
    (never skips) when it is missing. CHROMIUM_PATH overrides /usr/bin/chromium.

    Playwright's sync API keeps an event loop running in this thread while it
    lives, which Django takes for async code and refuses the ORM. The tests
    stay synchronous, so Django's check is off for the test, and only for it:
    a browser kept for the session would leave it off for every later test
    of the process and the subprocesses they start (`check --deploy` then
    fails), and turning it back on would break them. Launching takes about
    a second.
    """
    from playwright.sync_api import sync_playwright

    executable = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
    if not executable.is_file():
        pytest.fail(
            f"Chromium not found at {executable}: apt-get install chromium "
            "(or set CHROMIUM_PATH)."
        )
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(executable), headless=True, args=CHROMIUM_FLAGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def browser_context(browser: Any) -> Iterator[Any]:
    """A fresh browser profile (cookies, storage) for one test."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    yield context
    context.close()


@pytest.fixture
def staff_browser_login(
    live_server: Any, staff_client: Callable[..., Client]
) -> Callable[[Any, Any], None]:
    """Sign a staff user in to a browser context on the live server: the
    session of `staff_client`'s sign-in, copied into the browser."""

    def login(context: Any, user: Any) -> None:
        cookie = staff_client(user).cookies[settings.SESSION_COOKIE_NAME]
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": cookie.value,
                    "url": live_server.url,
                }
            ]
        )

    return login


@pytest.fixture
def screenshot(request: pytest.FixtureRequest) -> Callable[..., Path]:
    """Save a full-page screenshot as var/artifacts/screenshots/<test>.png
    (kept by CI); `suffix` names a second one of the same test."""

    def take(page: Any, suffix: str = "") -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name + suffix)
        path = SCREENSHOTS / f"{name.strip('-')}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture(autouse=True)
def _forget_cached_program_accounts() -> Iterator[None]:
    """Each test's database starts empty; per-process caches of its rows
    (ledger program accounts, whether any program decides in real time)
    would be stale."""
    from accounts.chart import program_accounts_cache_clear
    from webhooks.services.decisions import decision_endpoints_forget

    program_accounts_cache_clear()
    decision_endpoints_forget()
    yield
    program_accounts_cache_clear()
    decision_endpoints_forget()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "mysql_only: needs MariaDB/MySQL row locks (CI always has them)"
    )
    config.stash[_STARTED] = time.time()


def _one_node_id_per_operation(items: list) -> None:
    """Give each schemathesis item (one per API operation) its own node id.

    schemathesis names each item `test_x[GET /api/v1/...]` but leaves every
    one the function's node id; pytest-xdist schedules by node id, so it ran
    one operation per test and dropped the rest without a word.
    """
    for item in items:
        label = getattr(item, "operation_label", None)
        if label and item.id.params is None:
            item._id = item.id.with_params(label)


def pytest_collection_modifyitems(config: pytest.Config, items: list) -> None:
    _one_node_id_per_operation(items)
    if connection.vendor == "mysql":
        return
    skip = pytest.mark.skip(reason="needs MariaDB/MySQL row locks; CI runs it")
    for item in items:
        if "mysql_only" in item.keywords:
            item.add_marker(skip)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Where CI demands a database (REQUIRE_DB_VENDOR), a skip is a failure."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if os.environ.get("REQUIRE_DB_VENDOR") and skipped:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        if reporter:
            reporter.write_line(f"{len(skipped)} test(s) skipped in CI: failing.")


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Say where this run's browser screenshots are (CI keeps the folder)."""
    started = config.stash.get(_STARTED, 0.0)
    taken = sorted(
        path.name
        for path in SCREENSHOTS.glob("*.png")
        if path.stat().st_mtime >= started
    )
    if taken:
        terminalreporter.write_line(
            f"Browser screenshots ({len(taken)}) in {SCREENSHOTS}: {', '.join(taken)}"
        )
