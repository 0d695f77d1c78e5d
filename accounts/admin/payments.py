"""Payments: who paid what, when, from where; staff return bounced ones."""

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse

from accounts.models import Payment
from accounts.services.payments import payment_return
from issuer.kernel.admin import (
    ReadOnlyAdmin,
    action_form_or_none,
    admin_link,
    apply_each,
)
from issuer.kernel.money import format_money

RETURN_PERMISSION = "accounts.return_payment"


class ReturnForm(forms.Form):
    reason = forms.CharField(
        max_length=255,
        help_text="As the bank gave it, e.g. 'R01 insufficient funds'.",
        widget=forms.TextInput(attrs={"size": 60}),
    )


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = (
        "received_at",
        "account_link",
        "amount_display",
        "source",
        "status",
        "settles_at",
        "settled_at",
        "returned_at",
        "return_reason",
    )
    list_filter = ("status", "source", "currency")
    search_fields = (
        "=public_id",
        "=account__public_id",
        "account__cardholder__last_name",
    )
    list_select_related = ("account__cardholder",)
    date_hierarchy = "received_at"
    actions = ["return_payments"]

    @admin.display(description="Account")
    def account_link(self, payment: Payment) -> str:
        return admin_link(payment.account, payment.account.cardholder)

    @admin.display(description="Amount", ordering="amount")
    def amount_display(self, payment: Payment) -> str:
        return f"{format_money(payment.amount, payment.currency)} {payment.currency}"

    def has_return_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(RETURN_PERMISSION)

    @admin.action(permissions=["return"], description="Mark as returned by the bank")
    def return_payments(
        self, request: HttpRequest, queryset: QuerySet[Payment]
    ) -> HttpResponse | None:
        form, page = action_form_or_none(
            self, request, queryset, form_class=ReturnForm, title="Return payments"
        )
        if form is None:
            return page
        reason = form.cleaned_data["reason"]
        apply_each(
            self,
            request,
            queryset,
            done_message="{} payment(s) returned.",
            apply=lambda payment: payment_return(payment=payment, reason=reason),
        )
        return None
