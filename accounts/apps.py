from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "People and credit accounts"

    def ready(self) -> None:
        from accounts import (
            schema,  # noqa: F401 - registers the OpenAPI extension
            tasks,  # registers the tasks in every process
        )
        from accounts.verification import STATEMENT_CHECKS
        from issuer.kernel.outbox import consumer_register
        from ledger.verification import Check, check_register

        for name, run in STATEMENT_CHECKS:
            check_register(Check(name, run))

        consumer_register(
            event_types=tasks.SCORED_EVENTS,
            task_name="accounts.recalculate_credit_scores",
            batch=True,
        )
