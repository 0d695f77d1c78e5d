from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from rest_framework_api_key.admin import APIKeyModelAdmin

from accounts.models import (
    Cardholder,
    CreditAccount,
    CreditLimitChange,
    Partner,
    PartnerApiKey,
    User,
)
from accounts.selectors import credit_account_balance
from issuer.kernel.money import format_money


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "email", "is_staff", "roles", "last_login")
    list_filter = ("is_staff", "is_active", "groups")

    @admin.display(description="Roles")
    def roles(self, user: User) -> str:
        return ", ".join(group.name for group in user.groups.all())

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return super().get_queryset(request).prefetch_related("groups")


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "is_active", "public_id", "created_at")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "public_id")
    readonly_fields = ("public_id", "created_at")


@admin.register(PartnerApiKey)
class PartnerApiKeyAdmin(APIKeyModelAdmin):
    list_display = (*APIKeyModelAdmin.list_display, "partner", "scopes")  # type: ignore[assignment]
    list_filter = ("partner", "revoked")  # type: ignore[assignment]
    search_fields = ("prefix", "partner__name")


class CreditLimitChangeInline(admin.TabularInline):
    model = CreditLimitChange
    extra = 0
    can_delete = False
    fields = ("created_at", "previous_limit", "new_limit", "actor", "reason")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


class CreditAccountInline(admin.TabularInline):
    model = CreditAccount
    extra = 0
    can_delete = False
    fields = ("public_id", "status", "credit_limit", "currency", "apr_bps")
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Cardholder)
class CardholderAdmin(admin.ModelAdmin):
    list_display = ("__str__", "email", "country", "created_at")
    list_filter = ("country",)
    search_fields = ("first_name", "last_name", "email", "public_id")
    readonly_fields = ("public_id", "created_at")
    inlines = [CreditAccountInline]


@admin.register(CreditAccount)
class CreditAccountAdmin(admin.ModelAdmin):
    list_display = (
        "public_id",
        "cardholder",
        "status",
        "limit",
        "available",
        "apr_bps",
        "billing_cycle_day",
    )
    list_filter = ("status", "currency", "billing_cycle_day")
    search_fields = ("public_id", "cardholder__last_name", "cardholder__email")
    list_select_related = ("cardholder",)
    readonly_fields = ("public_id", "receivable", "credit_limit", "opened_at")
    inlines = [CreditLimitChangeInline]

    @admin.display(description="Limit")
    def limit(self, account: CreditAccount) -> str:
        return format_money(account.credit_limit, account.currency)

    @admin.display(description="Available")
    def available(self, account: CreditAccount) -> str:
        balance = credit_account_balance(account=account)
        return format_money(balance.available, account.currency)
