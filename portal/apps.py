from django.apps import AppConfig


class PortalConfig(AppConfig):
    """The cardholder portal: thin views over every app's services and selectors.

    It sits at the top of the stack (it may import accounts, cards, ledger
    and fraud; none imports it) because one page shows a card, its account's
    balance and its fraud alerts together.
    """

    default_auto_field = "django.db.models.BigAutoField"
    name = "portal"

    def ready(self) -> None:
        from issuer.kernel.outbox import consumer_register
        from portal import tasks  # registers the task in every process
        from portal.notification_events import NOTIFYING_EVENTS

        consumer_register(
            event_types=NOTIFYING_EVENTS,
            task_name=tasks.notify_cardholders.name,
            batch=True,
        )
