"""Forms of the portal's payments: what to pay, and the autopay setting."""

from typing import Any

from django import forms

from accounts.models import CreditAccount
from issuer.kernel.fields.forms import MoneyField
from portal.billing_selectors import PaymentDue

MINIMUM = "minimum"
STATEMENT_BALANCE = "statement_balance"
OTHER = "other"


class PaymentForm(forms.Form):
    """Pay the minimum, the statement balance or another amount, once per token.

    `token` is issued with the page: a second submit of the same page (a
    double click, a reload) carries the same token, so it pays once.
    """

    choice = forms.ChoiceField(widget=forms.RadioSelect, label="Amount to pay")
    other_amount = MoneyField(required=False, min_minor=1, label="Other amount")
    token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, account: CreditAccount, due: PaymentDue | None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.account = account
        self.due = due
        other_amount = self.fields["other_amount"]
        assert isinstance(other_amount, MoneyField)
        other_amount.currency = account.currency
        choices = []
        if due is not None and due.minimum_remaining > 0:
            choices.append((MINIMUM, "Minimum payment"))
        if due is not None and due.statement_balance_remaining > 0:
            choices.append((STATEMENT_BALANCE, "Statement balance"))
        choices.append((OTHER, "Other amount"))
        field = self.fields["choice"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices
        field.initial = choices[0][0]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        choice = cleaned.get("choice")
        if choice == MINIMUM and self.due is not None:
            cleaned["amount"] = self.due.minimum_remaining
        elif choice == STATEMENT_BALANCE and self.due is not None:
            cleaned["amount"] = self.due.statement_balance_remaining
        elif choice == OTHER:
            other = cleaned.get("other_amount")
            if other is None:
                if "other_amount" not in self.errors:
                    self.add_error("other_amount", "Enter the amount to pay.")
                return cleaned
            cleaned["amount"] = other
        return cleaned


class AutopayForm(forms.Form):
    autopay = forms.ChoiceField(
        choices=CreditAccount.Autopay.choices,
        widget=forms.RadioSelect,
        label="Pay automatically on each due date",
    )
