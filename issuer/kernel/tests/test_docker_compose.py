"""docker-compose.yml cannot run here (no Docker engine): check its structure."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_every_service_the_product_needs_is_defined():
    services = _compose()["services"]

    assert {
        "mariadb",
        "redis",
        "web",
        "worker",
        "fraud-worker",
        "webhooks-worker",
        "beat",
    } <= set(services)


def test_web_worker_and_beat_reuse_one_image_built_here():
    services = _compose()["services"]
    app_services = [
        "web",
        "worker",
        "fraud-worker",
        "webhooks-worker",
        "beat",
        "migrate",
    ]

    assert {services[name]["image"] for name in app_services} == {"issuer:latest"}
    assert all(services[name]["build"] == "." for name in app_services)
    assert (ROOT / "Dockerfile").exists()


def test_each_long_running_service_has_a_healthcheck():
    services = _compose()["services"]

    for name, service in services.items():
        if service.get("restart") == "no":  # one-off: migrate, setup, demo seed
            continue
        assert service.get("healthcheck", {}).get("test"), name


def test_app_services_wait_for_healthy_database_and_broker():
    services = _compose()["services"]

    for name in ("web", "worker", "fraud-worker", "webhooks-worker", "beat"):
        depends_on = services[name]["depends_on"]
        assert depends_on["mariadb"]["condition"] == "service_healthy", name
        assert depends_on["redis"]["condition"] == "service_healthy", name
        environment = services[name]["environment"]
        assert environment["SANDBOX"] == "off", name  # whatever .env says
        assert environment["DATABASE_URL"].startswith("mysql://")
        assert environment["CELERY_BROKER_URL"].startswith("redis://")


def _queues_by_worker(services: dict) -> dict[str, set[str]]:
    return {
        name: set(command[command.index("-Q") + 1].split(","))
        for name, service in services.items()
        if "worker" in (command := service.get("command") or [])
    }


def test_each_queue_has_its_own_worker_pool():
    """A backlog in one queue never waits behind another's tasks."""
    queues = _queues_by_worker(_compose()["services"])

    assert queues == {
        "worker": {"default", "credit"},
        "fraud-worker": {"fraud"},
        "webhooks-worker": {"webhooks"},
    }


def test_exactly_one_beat():
    services = _compose()["services"]

    beats = [name for name, s in services.items() if "beat" in (s.get("command") or [])]
    assert beats == ["beat"]


def test_web_and_workers_share_the_media_volume():
    """Model artifacts written by training are read by the fraud workers;
    uploads made on the web are read by workers."""
    compose = _compose()
    services = compose["services"]

    for name in ("web", "worker", "fraud-worker", "webhooks-worker"):
        assert services[name]["volumes"] == ["media:/app/var/media"], name
        assert services[name]["environment"]["MEDIA_ROOT"] == "/app/var/media"
    assert "media" in compose["volumes"]


def test_every_task_queue_has_a_worker():
    from issuer.celery import app

    services = _compose()["services"]
    consumed = set()
    for service in services.values():
        command = service.get("command") or []
        if "worker" in command:
            consumed |= set(command[command.index("-Q") + 1].split(","))
    declared = {
        task.queue for task in app.tasks.values() if getattr(task, "queue", None)
    }

    assert declared <= consumed
    assert "credit" in declared


def test_beat_healthcheck_checks_the_pid_beat_writes_with_python_only():
    """Given beat's command and healthcheck, then the check reads the pidfile
    beat is told to write, with Python (the slim image has no pgrep), and it
    passes for a live process and fails for a dead one or no file."""
    beat = _compose()["services"]["beat"]
    command = beat["command"]
    pidfile = command[command.index("--pidfile") + 1]
    check = beat["healthcheck"]["test"]
    assert check[0] == "CMD"
    assert check[1:] == ["python", "scripts/pidfile_alive.py", pidfile]
    assert "pgrep" not in " ".join(check)

    def healthy(path: Path) -> bool:
        argv = [sys.executable, *check[2:-1], str(path)]
        return subprocess.run(argv, cwd=ROOT, capture_output=True).returncode == 0

    with tempfile.TemporaryDirectory() as folder:
        live, dead = Path(folder) / "live.pid", Path(folder) / "dead.pid"
        sleeper = subprocess.Popen(["sleep", "30"])
        live.write_text(f"{sleeper.pid}\n")
        gone = subprocess.Popen(["true"])
        gone.wait()
        dead.write_text(f"{gone.pid}\n")
        try:
            assert healthy(live) is True
            assert healthy(dead) is False
            assert healthy(Path(folder) / "missing.pid") is False
        finally:
            sleeper.kill()
            sleeper.wait()


def test_setup_profile_creates_the_first_program_admin_and_demo_seeds():
    """One-off services behind profiles: `create-admin` (setup) and
    `demo-seed` (demo), each after the migrations, never restarted."""
    services = _compose()["services"]
    admin, demo = services["create-admin"], services["demo-seed"]

    assert admin["profiles"] == ["setup"]
    assert admin["command"] == ["python", "manage.py", "create_program_admin"]
    assert admin["environment"]["PROGRAM_ADMIN_PASSWORD"].startswith(
        "${PROGRAM_ADMIN_PASSWORD:?"
    )
    assert demo["profiles"] == ["demo"]
    assert demo["command"] == ["python", "manage.py", "seed_demo"]
    assert demo["environment"]["SANDBOX"] == "on"
    for service in (admin, demo):
        assert service["restart"] == "no"
        assert service["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )


def test_the_image_build_needs_no_secret_and_ships_no_local_state():
    """collectstatic runs on the build settings (no keys), and
    .dockerignore keeps the venv, .env, the SQLite file and var/ out."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    ignored = (ROOT / ".dockerignore").read_text().split()
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("SECRET_KEY", "CARD_", "DATABASE_URL"))
    }
    env["DJANGO_SETTINGS_MODULE"] = "issuer.settings.build"

    collected = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--dry-run"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert (
        "DJANGO_SETTINGS_MODULE=issuer.settings.build python manage.py collectstatic"
        in dockerfile
    )
    assert "--require-hashes" in dockerfile
    assert collected.returncode == 0, collected.stderr
    assert {".venv", ".env", "db.sqlite3*", "var/", ".git"} <= set(ignored)
