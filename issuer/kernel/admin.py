"""Admin helpers shared by apps, and the audit trail's admin."""

import json
from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html

from issuer.kernel.models import AuditEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """Staff may look, never add, change or delete (ledgers are append-only)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """The audit trail: searchable, filterable, and read-only for everyone
    (superusers included); the database refuses changes too."""

    list_display = (
        "occurred_at",
        "action",
        "outcome",
        "actor_username",
        "target",
        "ip_address",
    )
    list_filter = ("action", "outcome", "target_type")
    search_fields = (
        "actor_username",
        "action",
        "target_type",
        "target_id",
        "target_repr",
        "ip_address",
        "public_id",
    )
    date_hierarchy = "occurred_at"
    show_full_result_count = False
    actions = None
    fields = (
        "public_id",
        "occurred_at",
        "action",
        "outcome",
        "actor",
        "actor_username",
        "target_type",
        "target_id",
        "target_repr",
        "ip_address",
        "user_agent",
        "details_pretty",
    )
    readonly_fields = fields

    @admin.display(description="Target")
    def target(self, event: AuditEvent) -> str:
        if not event.target_type:
            return "-"
        return f"{event.target_type} {event.target_id} {event.target_repr}".strip()

    @admin.display(description="Details")
    def details_pretty(self, event: AuditEvent) -> str:
        return format_html(
            "<pre>{}</pre>", json.dumps(event.details, indent=2, sort_keys=True)
        )
