"""The whole stack on private services, and the environment every part shares.

Ports are free ones picked at start (never the shared 3306 or 6379); data,
logs and the workers' control files live under var/chaos/<run>/. The suite's
own process uses the same environment (production settings, fresh random
keys), so its checks read the same database the servers write.
"""

import base64
import os
import secrets
import shutil
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chaos.processes import (
    ROOT,
    Beat,
    CeleryNode,
    Gunicorn,
    MariaDB,
    Redis,
    wait_until,
)

SHARED_PORTS = frozenset({3306, 6379})
DATABASE = "issuer_chaos"
INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ")


def free_port() -> int:
    """A port nothing listens on now, never a shared service's."""
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = int(probe.getsockname()[1])
        if port not in SHARED_PORTS:
            return port


def _key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


@dataclass(frozen=True)
class Tuning:
    """What the suite sets on the stack (see docs/reliability.md)."""

    visibility_timeout: int = 10
    sweep_seconds: int = 3
    web_workers: int = 2
    web_threads: int = 4
    celery_concurrency: int = 2


@dataclass
class Cluster:
    home: Path
    tuning: Tuning
    env: dict[str, str] = field(default_factory=dict)
    mariadb: MariaDB | None = None
    redis: Redis | None = None
    web: Gunicorn | None = None
    nodes: list[CeleryNode] = field(default_factory=list)
    beat: Beat | None = None

    @classmethod
    def create(cls, *, tuning: Tuning) -> "Cluster":
        home = (
            ROOT / "var" / "chaos" / f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
        )
        (home / "control").mkdir(parents=True)
        cluster = cls(home=home, tuning=tuning)
        db_port, broker_port = free_port(), free_port()
        cluster.env = {
            **{name: os.environ[name] for name in INHERITED if name in os.environ},
            "PYTHONUNBUFFERED": "1",
            "DJANGO_SETTINGS_MODULE": "issuer.settings.production",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "CARD_DATA_KEYS": f"chaos:{_key()}",
            "CARD_FINGERPRINT_KEY": _key(),
            "CARD_CVV_KEY": _key(),
            "IDEMPOTENCY_FINGERPRINT_KEYS": f"chaos:{_key()}",
            "CACHE_URL": f"redis://127.0.0.1:{broker_port}/1",
            "METRICS_ALLOWED_IPS": "127.0.0.1/32,::1/128",
            "SANDBOX": "on",
            "DEBUG": "off",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": f"mysql://root@127.0.0.1:{db_port}/{DATABASE}",
            "CELERY_BROKER_URL": f"redis://127.0.0.1:{broker_port}/0",
            "CELERY_RESULT_BACKEND": "",
            "CELERY_VISIBILITY_TIMEOUT": str(tuning.visibility_timeout),
            "OUTBOX_SWEEP_SECONDS": str(tuning.sweep_seconds),
            "MEDIA_ROOT": str(home / "media"),
            "LOG_LEVEL": "WARNING",
            "LOG_FORMAT": "text",
            "CHAOS_CONTROL_DIR": str(home / "control"),
            # The partner's test receiver listens on 127.0.0.1 over HTTP.
            "WEBHOOK_ALLOW_HTTP": "on",
            "WEBHOOK_ALLOW_PRIVATE_HOSTS": "on",
            "WEBHOOK_TIMEOUT_SECONDS": "5",
            "WEBHOOK_RETRY_BASE_SECONDS": "1",
        }
        cluster.mariadb = MariaDB(home / "mariadb", db_port, env=cluster.env)
        cluster.redis = Redis(home / "redis", broker_port, env=cluster.env)
        return cluster

    @property
    def control(self) -> Path:
        return self.home / "control"

    def start(self, *, seed: Any) -> None:
        """Bring everything up. `seed()` runs once the schema exists, on the
        fast (no fsync) database; traffic then meets a durable one."""
        assert self.mariadb is not None and self.redis is not None
        os.environ.update(self.env)  # this process reads the same database
        self.mariadb.install()
        self.mariadb.start_server(durable=False)
        self.mariadb.execute(
            f"CREATE DATABASE {DATABASE} CHARACTER SET utf8mb4 "
            "COLLATE utf8mb4_unicode_ci"
        )
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        self.redis.start_server()
        seed()
        self.restart_database(down_seconds=0)
        self.web = Gunicorn(
            self.home,
            free_port(),
            env=self.env,
            workers=self.tuning.web_workers,
            threads=self.tuning.web_threads,
        )
        self.nodes = [
            CeleryNode(
                self.home,
                name,
                env=self.env,
                concurrency=self.tuning.celery_concurrency,
            )
            for name in ("w1", "w2")
        ]
        self.beat = Beat(self.home, env=self.env)
        self.web.start()
        for node in self.nodes:
            node.start()
        self.beat.start()
        wait_until(self.web.healthy, timeout=120, what="gunicorn start")
        for node in self.nodes:
            wait_until(node.answers, timeout=120, what=f"{node.node_name} start")

    def restart_database(self, *, down_seconds: float, crash: bool = False) -> float:
        """Stop MariaDB (SIGKILL when `crash`), wait, start it durable; return
        the seconds from the start command until it answers."""
        from django.db import connections

        assert self.mariadb is not None
        connections.close_all()
        if crash:
            self.mariadb.kill()
        else:
            self.mariadb.stop()
        time.sleep(down_seconds)
        started = time.monotonic()
        self.mariadb.start_server(durable=True)
        return time.monotonic() - started

    def close(self, *, keep: bool) -> None:
        """Stop every process this cluster started; drop the data unless kept."""
        from django.db import connections

        connections.close_all()
        for process in [self.beat, self.web, *self.nodes, self.redis, self.mariadb]:
            if process is not None:
                process.stop()
        if not keep:
            shutil.rmtree(self.home / "mariadb" / "data", ignore_errors=True)
            shutil.rmtree(self.home / "redis", ignore_errors=True)
