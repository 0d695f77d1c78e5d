"""docker-compose.yml cannot run here (no Docker engine): check its structure."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_every_service_the_product_needs_is_defined():
    services = _compose()["services"]

    assert {"mariadb", "redis", "web", "worker", "fraud-worker", "beat"} <= set(
        services
    )


def test_web_worker_and_beat_reuse_one_image_built_here():
    services = _compose()["services"]
    app_services = ["web", "worker", "fraud-worker", "beat", "migrate"]

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

    for name in ("web", "worker", "fraud-worker", "beat"):
        depends_on = services[name]["depends_on"]
        assert depends_on["mariadb"]["condition"] == "service_healthy", name
        assert depends_on["redis"]["condition"] == "service_healthy", name
        environment = services[name]["environment"]
        assert environment["DATABASE_URL"].startswith("mysql://")
        assert environment["CELERY_BROKER_URL"].startswith("redis://")


def test_workers_split_fraud_from_the_default_queue():
    services = _compose()["services"]

    assert "fraud" in services["fraud-worker"]["command"]
    worker_queues = services["worker"]["command"][
        services["worker"]["command"].index("-Q") + 1
    ]
    assert "fraud" not in worker_queues.split(",")


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
