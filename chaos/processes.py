"""The processes the suite starts, and the only ones it ever signals.

Each runs in its own session (process group), so stopping or killing one
reaches exactly it and its children: a MariaDB server with its own data
directory, a Redis server, gunicorn, a Celery worker node, beat.
"""

import contextlib
import http.client
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def wait_until(
    condition: Callable[[], bool], *, timeout: float, what: str, every: float = 0.2
) -> float:
    """Poll `condition` until it holds; return the seconds it took."""
    started = time.monotonic()
    while True:
        if condition():
            return time.monotonic() - started
        if time.monotonic() - started > timeout:
            raise TimeoutError(f"{what}: not within {timeout:.0f} s")
        time.sleep(every)


def children_of(pid: int) -> list[int]:
    """The direct children of a process (Linux /proc)."""
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]


class Managed:
    """One long-running process in its own process group, logging to a file."""

    def __init__(
        self, name: str, argv: Sequence[str], *, env: dict[str, str], log: Path
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.env = env
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.process is not None, f"{self.name} is not started"
        return self.process.pid

    def start(self) -> None:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                self.argv,
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def is_running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def children(self) -> list[int]:
        return children_of(self.pid) if self.is_running() else []

    def kill(self) -> None:
        """SIGKILL the whole group: a crash, nothing gets to clean up."""
        self._signal_group(signal.SIGKILL)
        self._reap(timeout=10)

    def stop(self, timeout: float = 30) -> None:
        """SIGTERM the group and wait; SIGKILL what is left after `timeout`."""
        if not self.is_running():
            return
        self._signal_group(signal.SIGTERM)
        if not self._reap(timeout=timeout):
            self.kill()

    def _signal_group(self, sig: signal.Signals) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)

    def _reap(self, *, timeout: float) -> bool:
        assert self.process is not None
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return False
        return True

    def log_tail(self, size: int = 2_000) -> str:
        try:
            return self.log.read_bytes()[-size:].decode(errors="replace")
        except OSError:
            return ""


class MariaDB(Managed):
    """A private MariaDB server: its own data directory, port and socket."""

    def __init__(self, home: Path, port: int, *, env: dict[str, str]) -> None:
        self.home = home
        self.port = port
        self.datadir = home / "data"
        super().__init__("mariadb", [], env=env, log=home / "mariadb.log")

    def install(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                "mariadb-install-db",
                "--no-defaults",
                f"--datadir={self.datadir}",
                *self._user(),
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
            ],
            check=True,
            capture_output=True,
            env=self.env,
        )

    def start_server(self, *, durable: bool = True) -> None:
        """Start and wait until it answers. Not durable: no fsyncs (migrating
        a fresh schema twice as fast); durable: production's settings."""
        flush = [] if durable else [
            "--innodb-flush-log-at-trx-commit=0",
            "--innodb-doublewrite=0",
            "--innodb-flush-method=nosync",
        ]  # fmt: skip
        self.argv = [
            "/usr/sbin/mariadbd",
            "--no-defaults",
            f"--datadir={self.datadir}",
            *self._user(),
            f"--port={self.port}",
            "--bind-address=127.0.0.1",
            f"--socket={self.home / 'mariadb.sock'}",
            f"--pid-file={self.home / 'mariadb.pid'}",
            "--skip-log-bin",
            "--innodb-buffer-pool-size=256M",
            "--max-connections=300",
            "--transaction-isolation=READ-COMMITTED",
            *flush,
        ]
        self.start()
        wait_until(self.answers, timeout=60, what="MariaDB start")

    def answers(self) -> bool:
        import MySQLdb

        if not self.is_running():
            raise RuntimeError(f"MariaDB exited: {self.log_tail()}")
        try:
            MySQLdb.connect(
                host="127.0.0.1", port=self.port, user="root", connect_timeout=2
            ).close()
        except MySQLdb.Error:
            return False
        return True

    def execute(self, sql: str) -> None:
        import MySQLdb

        connection = MySQLdb.connect(host="127.0.0.1", port=self.port, user="root")
        try:
            connection.cursor().execute(sql)
        finally:
            connection.close()

    def url(self, database: str) -> str:
        return f"mysql://root@127.0.0.1:{self.port}/{database}"

    @staticmethod
    def _user() -> list[str]:
        return ["--user=root"] if os.geteuid() == 0 else []


class Redis(Managed):
    """A private Redis: the broker. Its append-only file keeps the queues
    over a restart, as a production broker must (no RDB snapshots)."""

    def __init__(self, home: Path, port: int, *, env: dict[str, str]) -> None:
        home.mkdir(parents=True, exist_ok=True)
        argv = [
            "redis-server",
            "--port", str(port),
            "--bind", "127.0.0.1",
            "--save", "",
            "--appendonly", "yes",
            "--appendfsync", "everysec",
            "--dir", str(home),
        ]  # fmt: skip
        self.port = port
        super().__init__("redis", argv, env=env, log=home / "redis.log")

    def start_server(self) -> None:
        self.start()
        wait_until(self.answers, timeout=30, what="Redis start")

    def answers(self) -> bool:
        import redis

        try:
            return bool(redis.Redis(port=self.port, socket_timeout=1).ping())
        except redis.RedisError:
            return False

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"


class Gunicorn(Managed):
    """The web tier: a gunicorn master and its workers (threads each)."""

    def __init__(
        self, home: Path, port: int, *, env: dict[str, str], workers: int, threads: int
    ) -> None:
        argv = [
            sys.executable, "-m", "gunicorn", "chaos.wsgi:application",
            "--bind", f"127.0.0.1:{port}",
            "--workers", str(workers),
            "--threads", str(threads),
            "--worker-class", "gthread",
            "--timeout", "60",
            "--graceful-timeout", "10",
            "--log-level", "warning",
        ]  # fmt: skip
        self.port = port
        super().__init__("gunicorn", argv, env=env, log=home / "gunicorn.log")

    def start_server(self) -> None:
        self.start()
        wait_until(self.healthy, timeout=90, what="gunicorn start")

    def healthy(self) -> bool:
        if not self.is_running():
            raise RuntimeError(f"gunicorn exited: {self.log_tail()}")
        try:
            probe = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            probe.request("GET", "/healthz", headers={"X-Forwarded-Proto": "https"})
            return probe.getresponse().status == 200
        except OSError:
            return False

    def workers(self) -> list[int]:
        return self.children()


class CeleryNode(Managed):
    """One Celery worker node (prefork): a parent and its pool processes,
    consuming every queue, with the suite's hold hook loaded."""

    def __init__(
        self, home: Path, name: str, *, env: dict[str, str], concurrency: int
    ) -> None:
        self.node_name = f"{name}@chaos"
        argv = [
            sys.executable, "-m", "celery", "-A", "chaos.celery_app", "worker",
            "-Q", "default,fraud,webhooks,credit",
            "-c", str(concurrency),
            "-P", "prefork",
            "-O", "fair",
            "-n", self.node_name,
            "--without-gossip", "--without-mingle", "--without-heartbeat",
            "-l", "WARNING",
        ]  # fmt: skip
        super().__init__(name, argv, env=env, log=home / f"celery-{name}.log")

    def start_node(self) -> None:
        self.start()
        wait_until(self.answers, timeout=120, what=f"Celery node {self.node_name}")

    def answers(self) -> bool:
        from issuer.celery import app

        if not self.is_running():
            raise RuntimeError(f"{self.node_name} exited: {self.log_tail()}")
        replies = app.control.ping(destination=[self.node_name], timeout=1)
        return any(self.node_name in reply for reply in replies)

    def pool(self) -> list[int]:
        return self.children()


class Beat(Managed):
    def __init__(self, home: Path, *, env: dict[str, str]) -> None:
        argv = [
            sys.executable, "-m", "celery", "-A", "issuer", "beat",
            "-s", str(home / "beat-schedule"),
            "--pidfile", str(home / "beat.pid"),
            "-l", "WARNING",
        ]  # fmt: skip
        super().__init__("beat", argv, env=env, log=home / "beat.log")
