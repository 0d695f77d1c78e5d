from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    """Partner webhooks: endpoints, signed deliveries with retries, their log.

    At the top of the stack beside the portal (it renders accounts', cards'
    and fraud's objects as the partner API shows them); no app imports it.
    It hears the outbox like any other consumer.
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "webhooks"

    def ready(self) -> None:
        from cards.services.realtime_decisions import program_decider_register
        from issuer.kernel.outbox import consumer_register
        from webhooks import tasks  # registers the tasks in every process
        from webhooks.catalogue import INTERNAL_EVENT_TYPES
        from webhooks.services.decisions import WebhooksDecider

        consumer_register(
            event_types=INTERNAL_EVENT_TYPES,
            task_name=tasks.fan_out.name,
            batch=True,
        )
        # Programs' real-time authorization decisions (cards asks through it).
        program_decider_register(WebhooksDecider())
