"""Staff, partners and their keys, and cardholders."""

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.db.models import QuerySet
from django.http import HttpRequest
from rest_framework_api_key.admin import APIKeyModelAdmin

from accounts.models import (
    Cardholder,
    CreditAccount,
    Partner,
    PartnerApiKey,
    User,
)
from accounts.roles import STAFF_ROLES
from accounts.services.portal_access import portal_activation_code_issue
from issuer.kernel.errors import DomainError


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Program admins manage staff: roles only, never superuser or raw permissions.

    Only a superuser sees or grants superuser status and per-user
    permissions, or edits a superuser; everyone else gives staff their roles
    (the groups of `accounts.roles`).
    """

    list_display = ("username", "email", "is_staff", "is_active", "roles", "last_login")
    list_filter = ("is_staff", "is_active", "groups")
    search_fields = ("username", "first_name", "last_name", "email")
    date_hierarchy = "date_joined"

    @admin.display(description="Roles")
    def roles(self, user: User) -> str:
        return ", ".join(group.name for group in user.groups.all())

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        users = super().get_queryset(request).prefetch_related("groups")
        if not request.user.is_superuser:
            users = users.filter(is_superuser=False)
        return users

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser or obj is None:
            return fieldsets
        return [
            (
                name,
                {
                    **options,
                    "fields": tuple(
                        field
                        for field in options["fields"]
                        if field not in ("is_superuser", "user_permissions")
                    ),
                },
            )
            for name, options in fieldsets
        ]

    def formfield_for_manytomany(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> Any:
        if db_field.name == "groups" and not request.user.is_superuser:
            kwargs["queryset"] = Group.objects.filter(name__in=STAFF_ROLES)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "kind",
        "serves_issuer_cardholders",
        "is_active",
        "public_id",
        "created_at",
    )
    list_filter = ("kind", "serves_issuer_cardholders", "is_active")
    search_fields = ("name", "public_id")
    readonly_fields = ("public_id", "created_at")


@admin.register(PartnerApiKey)
class PartnerApiKeyAdmin(APIKeyModelAdmin):
    list_display = (*APIKeyModelAdmin.list_display, "partner", "scopes")  # type: ignore[assignment]
    list_filter = ("partner", "revoked")  # type: ignore[assignment]
    search_fields = ("prefix", "partner__name")


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
    list_display = ("__str__", "email", "country", "program_partner", "created_at")
    list_filter = ("country", "program_partner")
    search_fields = ("first_name", "last_name", "email", "=public_id")
    list_select_related = ("program_partner",)
    date_hierarchy = "created_at"
    readonly_fields = ("public_id", "created_at")
    inlines = [CreditAccountInline]
    actions = ["issue_portal_activation_code"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # KYC records stay; close the credit line instead

    def has_issue_activation_code_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("accounts.issue_activation_code")

    @admin.action(
        permissions=["issue_activation_code"],
        description="Issue a portal activation code",
    )
    def issue_portal_activation_code(
        self, request: HttpRequest, queryset: QuerySet[Cardholder]
    ) -> None:
        """Issue each selected cardholder a code and show it, this once.

        The code goes straight to the messages, not through `message_user`,
        so the admin's audit event records that a code was issued, never the
        code itself.
        """
        for cardholder in queryset.order_by("pk"):
            try:
                code, record = portal_activation_code_issue(
                    cardholder=cardholder,
                    issued_by=request.user,  # type: ignore[arg-type]
                )
            except DomainError as error:
                self.message_user(request, error.message, messages.ERROR)
                continue
            messages.success(
                request,
                f"Portal activation code for {cardholder}: {code} "
                f"(valid until {record.expires_at:%Y-%m-%d %H:%M} UTC). "
                "It is shown only now: give it to the cardholder.",
            )
            self.message_user(
                request, f"Issued a portal activation code for {cardholder}."
            )
