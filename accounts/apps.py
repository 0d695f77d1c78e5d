from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "People and credit accounts"

    def ready(self) -> None:
        from accounts import (
            schema,  # noqa: F401 - registers the OpenAPI extension
            tasks,  # registers the tasks in every process
        )
        from issuer.kernel.outbox import consumer_register

        consumer_register(
            event_types=tasks.SCORED_EVENTS,
            task_name="accounts.recalculate_credit_scores",
            batch=True,
        )
