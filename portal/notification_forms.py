"""The notification settings form: reads the inputs; the service validates."""

from django import forms

from accounts.models import NotificationPreference
from issuer.kernel.fields.forms import CurrencyFormMixin, MoneyField


class NotificationSettingsForm(CurrencyFormMixin, forms.Form):
    is_decline_email_enabled = forms.BooleanField(
        required=False, label="Email me when a purchase is declined"
    )
    is_large_transaction_email_enabled = forms.BooleanField(
        required=False, label="Email me about large purchases"
    )
    large_transaction_threshold = MoneyField(
        min_minor=1, label="A large purchase is from"
    )
    is_fraud_alert_email_enabled = forms.BooleanField(
        required=False, label="Email me fraud alerts (was this you?)"
    )
    is_statement_email_enabled = forms.BooleanField(
        required=False, label="Email me when a statement is ready"
    )
    is_due_date_email_enabled = forms.BooleanField(
        required=False,
        label="Email me a reminder before a payment is due (if not yet paid)",
    )
    is_payment_received_email_enabled = forms.BooleanField(
        required=False, label="Email me when a payment is received"
    )
    is_card_status_email_enabled = forms.BooleanField(
        required=False,
        label="Email me when a card is frozen, unfrozen, blocked, closed or replaced",
    )

    EMAIL_SWITCHES = (
        "is_decline_email_enabled",
        "is_large_transaction_email_enabled",
        "is_fraud_alert_email_enabled",
        "is_statement_email_enabled",
        "is_due_date_email_enabled",
        "is_payment_received_email_enabled",
        "is_card_status_email_enabled",
    )

    @classmethod
    def for_preference(
        cls, preference: NotificationPreference, *, currency: str
    ) -> "NotificationSettingsForm":
        return cls(
            initial={
                "large_transaction_threshold": preference.large_transaction_threshold,
                **{name: getattr(preference, name) for name in cls.EMAIL_SWITCHES},
            },
            currency=currency,
        )
