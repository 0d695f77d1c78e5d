from django.apps import AppConfig

SCORED_EVENTS = ("authorization.approved", "authorization.declined")


class FraudConfig(AppConfig):
    name = "fraud"
    verbose_name = "Fraud"

    def ready(self) -> None:
        from issuer.kernel.outbox import consumer_register

        consumer_register(
            event_types=SCORED_EVENTS, task_name="fraud.score_authorization_event"
        )
