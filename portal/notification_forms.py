"""The notification settings form: reads the inputs; the service validates."""

from decimal import Decimal

from django import forms

from accounts.models import NotificationPreference
from issuer.kernel.money import currency_exponent
from portal.forms import minor_units


class NotificationSettingsForm(forms.Form):
    is_decline_email_enabled = forms.BooleanField(
        required=False, label="Email me when a purchase is declined"
    )
    is_large_transaction_email_enabled = forms.BooleanField(
        required=False, label="Email me about large purchases"
    )
    large_transaction_threshold = forms.DecimalField(
        min_value=Decimal("0.01"), decimal_places=3, label="A large purchase is from"
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

    def __init__(self, *args: object, currency: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.currency = currency

    @classmethod
    def for_preference(
        cls, preference: NotificationPreference, *, currency: str
    ) -> "NotificationSettingsForm":
        threshold = Decimal(preference.large_transaction_threshold).scaleb(
            -currency_exponent(currency)
        )
        return cls(
            initial={
                "large_transaction_threshold": threshold,
                **{name: getattr(preference, name) for name in cls.EMAIL_SWITCHES},
            },
            currency=currency,
        )

    def clean_large_transaction_threshold(self) -> int:
        value = self.cleaned_data["large_transaction_threshold"]
        minor = minor_units(str(value), self.currency)
        assert minor is not None  # the field is required
        return minor
