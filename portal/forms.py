"""Forms that read the portal's inputs; services validate and write."""

from django import forms

from cards.models import Dispute
from issuer.kernel.errors import DomainError
from issuer.kernel.fields.forms import CurrencyFormMixin, MoneyField


def add_service_errors(form: forms.Form, error: DomainError) -> None:
    """Show a service's refusal on the fields it names (or the whole form)."""
    if not error.fields:
        form.add_error(None, error.message)
    for field, messages in error.fields.items():
        form.add_error(field if field in form.fields else None, messages)


class CardControlsForm(CurrencyFormMixin, forms.Form):
    """Limits in the account's currency, cleaned to minor units (None: none)."""

    per_transaction_limit = MoneyField(required=False, label="Per purchase limit")
    daily_limit = MoneyField(required=False, label="Daily limit")
    monthly_limit = MoneyField(required=False, label="Monthly limit")
    is_ecommerce_enabled = forms.BooleanField(required=False, label="Online purchases")
    is_atm_enabled = forms.BooleanField(required=False, label="ATM withdrawals")
    is_contactless_enabled = forms.BooleanField(
        required=False, label="Contactless payments"
    )


class ReportCardForm(forms.Form):
    reason = forms.ChoiceField(
        choices=[("lost", "Lost"), ("stolen", "Stolen")],
        widget=forms.RadioSelect,
        label="What happened to the card?",
    )


class PasswordForm(forms.Form):
    password = forms.CharField(
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        label="Your password",
    )


class DisputeForm(CurrencyFormMixin, forms.Form):
    """The disputed amount in the capture's currency, cleaned to minor units."""

    amount = MoneyField(label="Amount")
    reason = forms.ChoiceField(choices=Dispute.Reason.choices, label="Reason")
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2_000,
        label="What happened",
    )
    evidence = forms.FileField(
        required=False,
        label="Evidence: a PDF, PNG or JPEG (optional)",
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}),
    )


class TransactionFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Merchant")
    status = forms.ChoiceField(
        required=False,
        label="Status",
        choices=[("", "Any"), ("approved", "Approved"), ("declined", "Declined")],
    )
    card = forms.ChoiceField(required=False, label="Card", choices=[("", "Any")])
    date_from = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )
