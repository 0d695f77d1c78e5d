"""Program admins manage BINs and card products here.

The forms apply the catalogue services' validation (`bin_clean`,
`card_product_clean`), so the admin and the services accept the same data.
A BIN's prefix, network, PAN length and currency, and a product's BIN and
currency, are fixed once they exist: cards were numbered and priced by them.
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.http import HttpRequest

from cards.models import (
    Authorization,
    Bin,
    Capture,
    Card,
    CardProduct,
    CardStatusChange,
    Refund,
    VelocityRule,
)
from cards.security import pan_display
from cards.services.catalogue import bin_clean, card_product_clean
from cards.services.lifecycle import Actor, card_freeze, card_replace, card_unfreeze
from issuer.kernel.admin import ReadOnlyAdmin, admin_link, admin_list_link, apply_each
from issuer.kernel.errors import InvalidInput
from issuer.kernel.fields.forms import BinPrefixFormField, canonical_formfield


def _add_domain_errors(form: forms.ModelForm, error: InvalidInput) -> None:
    for field, field_messages in (error.fields or {"__all__": [error.message]}).items():
        target = field if field in form.fields else None
        for message in field_messages:
            form.add_error(target, message)


class BinForm(forms.ModelForm):
    class Meta:
        model = Bin
        fields = ["prefix", "network", "pan_length", "currency", "is_active"]
        field_classes = {"prefix": BinPrefixFormField}
        formfield_callback = canonical_formfield

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
        formfield_callback = canonical_formfield
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
            "billing_time_zone",
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
                billing_time_zone=value("billing_time_zone") or "",
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
                    "billing_time_zone",
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


class CardStatusChangeInline(admin.TabularInline):
    model = CardStatusChange
    extra = 0
    can_delete = False
    fields = ("created_at", "from_status", "to_status", "reason", "channel", "actor")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _staff_actor(request: HttpRequest) -> Actor:
    return Actor(channel=CardStatusChange.Channel.ADMIN, user=request.user)  # type: ignore[arg-type]


class CardActionForm(helpers.ActionForm):
    """The action bar, with the note a staff lift must carry."""

    note = forms.CharField(
        required=False,
        max_length=500,
        label="Note",
        help_text="Why the block is lifted (required to unfreeze).",
    )


@admin.register(Card)
class CardAdmin(admin.ModelAdmin):
    """Cards are shown masked (last four); nobody sees a PAN here.

    Unfreezing goes through `card_unfreeze`: whose freeze or block it is
    decides which staff permission may lift it (`LIFT_RULES`).
    """

    action_form = CardActionForm

    list_display = (
        "masked_number",
        "cardholder",
        "status",
        "status_reason",
        "expiry",
        "is_under_fraud_review",
        "created_at",
    )
    list_filter = ("status", "product", "is_under_fraud_review", "created_at")
    list_display_links = ("masked_number",)
    search_fields = ("public_id", "last_four", "account__cardholder__last_name")
    list_select_related = ("account__cardholder", "product")
    date_hierarchy = "created_at"
    exclude = ("pan_ciphertext", "pan_key_id", "pan_fingerprint", "replaces")
    readonly_fields = (
        "public_id",
        "masked_number",
        "account",
        "product",
        "status",
        "status_reason",
        "status_changed_by",
        "expiry",
        "last_four",
        "expiry_month",
        "expiry_year",
        "verification_failures",
        "block_owner",
        "replaced_card",
        "is_under_fraud_review",
        "transactions",
        "created_at",
    )
    inlines = [CardStatusChangeInline]
    actions = ["freeze_cards", "unfreeze_cards", "replace_cards"]

    @admin.display(description="Card")
    def masked_number(self, card: Card) -> str:
        return pan_display(card.last_four)

    @admin.display(description="Cardholder", ordering="account__cardholder__last_name")
    def cardholder(self, card: Card) -> str:
        return admin_link(card.account, card.account.cardholder)

    @admin.display(description="Replaces")
    def replaced_card(self, card: Card) -> str:
        return admin_link(card.replaces)

    @admin.display(description="Transactions")
    def transactions(self, card: Card) -> str:
        return admin_list_link(
            "cards.authorization", "authorizations", card__id__exact=card.pk
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_freeze_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("cards.freeze_card")

    def has_replace_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("cards.replace_card")

    @admin.action(permissions=["freeze"], description="Freeze selected cards")
    def freeze_cards(self, request: HttpRequest, queryset: Any) -> None:
        self._apply(
            request,
            queryset,
            "frozen",
            lambda card: card_freeze(
                card=card,
                reason=CardStatusChange.Reason.ISSUER_REQUEST,
                actor=_staff_actor(request),
            ),
        )

    @admin.action(
        permissions=["freeze"],
        description="Unfreeze selected cards (say why in the note)",
    )
    def unfreeze_cards(self, request: HttpRequest, queryset: Any) -> None:
        note = request.POST.get("note", "")
        self._apply(
            request,
            queryset,
            "unfrozen",
            lambda card: card_unfreeze(
                card=card, actor=_staff_actor(request), note=note
            ),
        )

    @admin.action(permissions=["replace"], description="Replace selected cards (lost)")
    def replace_cards(self, request: HttpRequest, queryset: Any) -> None:
        self._apply(
            request,
            queryset,
            "replaced",
            lambda card: card_replace(
                card=card,
                reason=CardStatusChange.Reason.LOST,
                actor=_staff_actor(request),
            ),
        )

    def _apply(
        self, request: HttpRequest, queryset: Any, verb: str, action: Any
    ) -> None:
        apply_each(
            self,
            request,
            queryset.select_related("account", "product"),
            done_message="{} card(s) " + verb + ".",
            apply=action,
        )


@admin.register(Authorization)
class AuthorizationAdmin(ReadOnlyAdmin):
    list_display = (
        "public_id",
        "created_at",
        "status",
        "response_code",
        "amount",
        "captured_amount",
        "reversed_amount",
        "currency",
        "merchant_name",
        "card_link",
    )  # merchant category, country and channel: on the change page (1366 px)
    list_filter = (
        "status",
        "response_code",
        "channel",
        "merchant_country",
        "created_at",
    )
    search_fields = ("public_id", "merchant_id", "merchant_name", "card__last_four")
    date_hierarchy = "created_at"
    list_select_related = ("card",)
    exclude = ("hold",)

    @admin.display(description="Card")
    def card_link(self, authorization: Authorization) -> str:
        return admin_link(authorization.card)


@admin.register(Capture)
class CaptureAdmin(ReadOnlyAdmin):
    list_display = (
        "public_id",
        "created_at",
        "amount",
        "currency",
        "card",
        "is_over_capture",
        "is_after_expiry",
        "is_without_authorization",
    )
    list_filter = (
        "is_over_capture",
        "is_after_expiry",
        "is_without_authorization",
        "created_at",
    )
    search_fields = ("public_id", "authorization__public_id")
    list_select_related = ("card",)


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ("public_id", "created_at", "amount", "currency", "card")
    search_fields = ("public_id", "authorization__public_id", "merchant_id")
    list_select_related = ("card",)


@admin.register(VelocityRule)
class VelocityRuleAdmin(admin.ModelAdmin):
    list_display = ("name", "window_seconds", "max_count", "max_amount", "is_active")
    list_editable = ("is_active",)


from cards import admin_disputes  # noqa: E402, F401 - registers the dispute admin
