from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from rest_framework_api_key.admin import APIKeyModelAdmin

from accounts.models import Partner, PartnerApiKey, User


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
