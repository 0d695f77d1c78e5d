from django.apps import AppConfig

SCORED_EVENTS = ("authorization.approved", "authorization.declined")


class FraudConfig(AppConfig):
    name = "fraud"
    verbose_name = "Fraud"

    def ready(self) -> None:
        from fraud import tasks, tasks_disputes  # noqa: F401 - registers the tasks
        from fraud.services.dispute_labels import DISPUTE_LABEL_EVENTS
        from issuer.kernel.outbox import consumer_register

        consumer_register(
            event_types=SCORED_EVENTS,
            task_name="fraud.score_authorization_events",
            batch=True,
        )
        consumer_register(
            event_types=DISPUTE_LABEL_EVENTS, task_name="fraud.label_dispute_event"
        )
