"""Staff, partners and their keys, and cardholders."""

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework_api_key.admin import APIKeyModelAdmin

from accounts.models import (
    Cardholder,
    CreditAccount,
    Partner,
    PartnerApiKey,
    User,
)
from accounts.services.portal_access import portal_activation_code_issue
from accounts.services.staff import (
    staff_credentials_may_reset,
    staff_may_manage,
    staff_roles_change_refusal,
    staff_roles_grantable,
    staff_second_factor_reset,
)
from issuer.kernel.errors import DomainError, Forbidden

# Fields of one's own account that nobody changes on their own page.
OWN_ACCESS_FIELDS = (
    "is_active",
    "is_staff",
    "is_superuser",
    "groups",
    "user_permissions",
)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Staff accounts; who may change whose access is accounts/roles.py's rule.

    Only a superuser sees or grants superuser status and per-user
    permissions, or edits a superuser. Nobody changes their own access
    (roles, flags, permissions: read-only on one's own page). Others' roles
    are offered only as far as the signed-in user may grant them, and are
    checked by `staff_roles_change_refusal`; a member holding a role the signed-in user
    could not grant is read-only to them. Resetting a password needs
    `accounts.reset_staff_credentials`, and never one's own (the password
    change page asks for the old one).
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

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not super().has_change_permission(request, obj):
            return False
        if obj is None or obj.pk == request.user.pk:
            return True  # one's own page: access fields are read-only
        return staff_may_manage(actor=request.user, user=obj)  # type: ignore[arg-type]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = tuple(super().get_readonly_fields(request, obj))
        if obj is not None and obj.pk == request.user.pk:
            return readonly + OWN_ACCESS_FIELDS
        return readonly

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
        if db_field.name == "groups":
            grantable = staff_roles_grantable(actor=request.user)  # type: ignore[arg-type]
            kwargs["queryset"] = Group.objects.filter(name__in=grantable)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_related(
        self, request: HttpRequest, form: Any, formsets: Any, change: bool
    ) -> None:
        """Roles change only as `staff_roles_change_refusal` allows; the
        admin's audit trail records the change (issuer/kernel/admin_audit.py)."""
        groups = form.cleaned_data.get("groups")
        if groups is not None and form.instance.pk is not None:
            refusal = staff_roles_change_refusal(
                actor=request.user,  # type: ignore[arg-type]
                user=form.instance,
                current=set(form.instance.groups.values_list("name", flat=True)),
                wanted={group.name for group in groups},
            )
            if refusal is not None:
                raise PermissionDenied(refusal[1].message)
        super().save_related(request, form, formsets, change)

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        """Reset another staff member's password: only with the right role,
        never one's own here; audited."""
        user = self.get_object(request, id)
        if user is not None and not staff_credentials_may_reset(
            actor=request.user,  # type: ignore[arg-type]
            user=user,
        ):
            raise PermissionDenied  # audited as denied by admin_audit.py
        # The admin's audit trail records the reset (admin_audit.py).
        return super().user_change_password(request, id, form_url)


admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class StaffTOTPDeviceAdmin(TOTPDeviceAdmin):
    """Second factors: removing one resets that member's second factor (they
    enrol again), only with `accounts.reset_staff_credentials` and for a
    member the signed-in user may manage, never their own; audited."""

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not super().has_delete_permission(request, obj):
            return False
        return obj is None or staff_credentials_may_reset(
            actor=request.user,  # type: ignore[arg-type]
            user=obj.user,
        )

    def delete_model(self, request: HttpRequest, obj: TOTPDevice) -> None:
        try:
            staff_second_factor_reset(
                actor=request.user,  # type: ignore[arg-type]
                user=obj.user,
                request=request,
            )
        except Forbidden as error:
            raise PermissionDenied(error.message) from error

    def delete_queryset(
        self, request: HttpRequest, queryset: QuerySet[TOTPDevice]
    ) -> None:
        for user in {device.user for device in queryset.select_related("user")}:
            self.delete_model(request, TOTPDevice(user=user))


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
