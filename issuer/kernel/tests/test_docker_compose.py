"""docker-compose.yml cannot run here (no Docker engine): check its structure."""

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
        if name == "migrate":
            continue
        assert service.get("healthcheck", {}).get("test"), name


def test_app_services_wait_for_healthy_database_and_broker():
    services = _compose()["services"]

    for name in ("web", "worker", "fraud-worker", "webhooks-worker", "beat"):
        depends_on = services[name]["depends_on"]
        assert depends_on["mariadb"]["condition"] == "service_healthy", name
        assert depends_on["redis"]["condition"] == "service_healthy", name
        environment = services[name]["environment"]
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
