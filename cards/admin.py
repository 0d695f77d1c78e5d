"""Program admins manage BINs and card products here.

The forms apply the catalogue services' validation (`bin_clean`,
`card_product_clean`), so the admin and the services accept the same data.
A BIN's prefix, network, PAN length and currency, and a product's BIN and
currency, are fixed once they exist: cards were numbered and priced by them.
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from cards.models import Bin, CardProduct
from cards.services.catalogue import bin_clean, card_product_clean
from issuer.kernel.errors import InvalidInput


def _add_domain_errors(form: forms.ModelForm, error: InvalidInput) -> None:
    for field, messages in (error.fields or {"__all__": [error.message]}).items():
        target = field if field in form.fields else None
        for message in messages:
            form.add_error(target, message)


class BinForm(forms.ModelForm):
    class Meta:
        model = Bin
        fields = ["prefix", "network", "pan_length", "currency", "is_active"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            bin_clean(
                prefix=data.get("prefix", self.instance.prefix),
                network=data.get("network", self.instance.network),
                pan_length=data.get("pan_length", self.instance.pan_length),
                currency=data.get("currency", self.instance.currency),
                exclude_pk=self.instance.pk,
            )
        except InvalidInput as error:
            _add_domain_errors(self, error)
        return data


class CardProductForm(forms.ModelForm):
    class Meta:
        model = CardProduct
        fields = [
            "name",
            "bin",
            "currency",
            "is_active",
            "default_credit_limit",
            "apr_basis_points",
            "annual_fee",
            "late_fee",
            "returned_payment_fee",
            "foreign_transaction_fee_basis_points",
            "validity_years",
            "per_transaction_limit",
            "daily_limit",
            "monthly_limit",
            "is_ecommerce_enabled",
            "is_atm_enabled",
            "is_contactless_enabled",
            "blocked_mccs",
            "blocked_countries",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data

        def value(field: str) -> Any:
            return data.get(field, getattr(self.instance, field, None))

        try:
            cleaned = card_product_clean(
                name=value("name"),
                bin=value("bin"),
                currency=value("currency"),
                default_credit_limit=value("default_credit_limit"),
                apr_basis_points=value("apr_basis_points"),
                annual_fee=value("annual_fee"),
                late_fee=value("late_fee"),
                returned_payment_fee=value("returned_payment_fee"),
                foreign_transaction_fee_basis_points=value(
                    "foreign_transaction_fee_basis_points"
                ),
                validity_years=value("validity_years"),
                per_transaction_limit=value("per_transaction_limit"),
                daily_limit=value("daily_limit"),
                monthly_limit=value("monthly_limit"),
                blocked_mccs=value("blocked_mccs") or [],
                blocked_countries=value("blocked_countries") or [],
                exclude_pk=self.instance.pk,
            )
        except InvalidInput as error:
            _add_domain_errors(self, error)
            return data
        data.update({field: cleaned[field] for field in data if field in cleaned})
        return data


@admin.register(Bin)
class BinAdmin(admin.ModelAdmin):
    form = BinForm
    list_display = (
        "prefix",
        "network",
        "pan_length",
        "currency",
        "is_active",
        "created_at",
    )
    list_filter = ("network", "currency", "is_active")
    search_fields = ("prefix",)
    readonly_fields = ("created_at",)

    def get_readonly_fields(
        self, request: HttpRequest, obj: Bin | None = None
    ) -> tuple[str, ...]:
        if obj is None:
            return ("created_at",)
        return ("prefix", "network", "pan_length", "currency", "created_at")


@admin.register(CardProduct)
class CardProductAdmin(admin.ModelAdmin):
    form = CardProductForm
    list_display = (
        "name",
        "bin",
        "currency",
        "default_credit_limit",
        "apr_basis_points",
        "annual_fee",
        "validity_years",
        "is_active",
        "created_at",
    )
    list_filter = ("is_active", "currency", "bin__network", "bin")
    search_fields = ("name", "bin__prefix", "public_id")
    list_select_related = ("bin",)
    autocomplete_fields = ("bin",)
    readonly_fields = ("public_id", "created_at")

    def get_readonly_fields(
        self, request: HttpRequest, obj: CardProduct | None = None
    ) -> tuple[str, ...]:
        if obj is None:
            return ("public_id", "created_at")
        # Cards were numbered from the BIN; the product stays on it.
        return ("public_id", "bin", "currency", "created_at")

    fieldsets = (
        (None, {"fields": ("name", "public_id", "bin", "currency", "is_active")}),
        (
            "Pricing (amounts in minor units, rates in basis points)",
            {
                "fields": (
                    "default_credit_limit",
                    "apr_basis_points",
                    "annual_fee",
                    "late_fee",
                    "returned_payment_fee",
                    "foreign_transaction_fee_basis_points",
                    "validity_years",
                )
            },
        ),
        (
            "Default spending controls",
            {
                "fields": (
                    "per_transaction_limit",
                    "daily_limit",
                    "monthly_limit",
                    "is_ecommerce_enabled",
                    "is_atm_enabled",
                    "is_contactless_enabled",
                    "blocked_mccs",
                    "blocked_countries",
                )
            },
        ),
        ("Record", {"fields": ("created_at",)}),
    )
