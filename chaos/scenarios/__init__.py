"""The scenarios, in the order the suite runs them.

The webhook scenario joins when the `webhooks` app is installed.
"""

from chaos.scenarios.bank import Bank
from chaos.scenarios.base import FULL, SHORT, Context, Profile, Result, Scenario
from chaos.scenarios.gunicorn_kill import GunicornKill
from chaos.scenarios.mariadb_restart import MariaDBRestart
from chaos.scenarios.redis_outage import RedisOutage
from chaos.scenarios.worker_kill import WorkerKill


def scenarios_available() -> list[type[Scenario]]:
    from django.apps import apps

    found: list[type[Scenario]] = [
        WorkerKill,
        RedisOutage,
        MariaDBRestart,
        GunicornKill,
        Bank,
    ]
    if apps.is_installed("webhooks"):
        from chaos.scenarios.webhooks import WebhookDelivery

        found.insert(1, WebhookDelivery)
    return found


__all__ = ["FULL", "SHORT", "Context", "Profile", "Result", "scenarios_available"]
