from django.apps import AppConfig

SCORED_EVENTS = ("authorization.approved", "authorization.declined")


class FraudConfig(AppConfig):
    name = "fraud"
    verbose_name = "Fraud"

    def ready(self) -> None:
        from fraud import tasks  # noqa: F401 - registers the tasks in every process
        from issuer.kernel.outbox import consumer_register

        consumer_register(
            event_types=SCORED_EVENTS,
            task_name="fraud.score_authorization_events",
            batch=True,
        )
