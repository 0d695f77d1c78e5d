"""Admin helpers shared by apps, and the audit trail's admin."""

import json
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from issuer.kernel.errors import DomainError
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


def action_form_or_none(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet[Any],
    *,
    form_class: type[forms.Form],
    title: str,
    form_kwargs: dict[str, Any] | None = None,
) -> tuple[forms.Form | None, TemplateResponse | None]:
    """Ask for an admin action's input (a reason, an analyst) on a page of its own.

    Returns `(form, None)` once the staff member submitted a valid form, or
    `(None, page)` to show (again) with the selection kept.
    """
    data = request.POST if "apply" in request.POST else None
    form = form_class(data, **(form_kwargs or {}))
    if data is not None and form.is_valid():
        return form, None
    return None, action_form_page(modeladmin, request, queryset, form=form, title=title)


def action_form_page(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet[Any],
    *,
    form: forms.Form,
    title: str,
) -> TemplateResponse:
    """The action's input page (again), e.g. with a service's refusal on it."""
    opts = modeladmin.model._meta
    return TemplateResponse(
        request,
        "admin/action_form.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "opts": opts,
            "form": form,
            "queryset": queryset,
            "action": request.POST.get("action", ""),
            "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
            "select_across": request.POST.get("select_across", "0"),
        },
    )


def apply_each(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    queryset: QuerySet[Any],
    *,
    done_message: str,
    apply: Callable[[Any], object],
) -> int:
    """Run a service on each selected object; report what was done and refused.

    Each object is its own transaction (the service's): one refusal leaves
    the others done. `done_message` takes the count: "{} case(s) escalated."
    """
    done, refused = 0, []
    for obj in queryset:
        try:
            apply(obj)
        except DomainError as error:
            refused.append(f"{obj}: {error.message}")
        else:
            done += 1
    modeladmin.message_user(request, done_message.format(done), messages.SUCCESS)
    for line in refused:
        modeladmin.message_user(request, line, messages.WARNING)
    return done


def html_table(headers: tuple[str, ...], rows: list[tuple[Any, ...]]) -> str:
    """A small escaped HTML table for a read-only admin field ("—" when empty)."""
    if not rows:
        return "—"
    head = format_html_join("", "<th>{}</th>", ((header,) for header in headers))
    body = format_html_join(
        "",
        "<tr>{}</tr>",
        (
            (format_html_join("", "<td>{}</td>", ((cell,) for cell in row)),)
            for row in rows
        ),
    )
    return format_html(
        "<table><thead><tr>{}</tr></thead><tbody>{}</tbody></table>", head, body
    )


def admin_link(obj: Any, text: object | None = None) -> str:
    """A link to the object's admin page ("—" for none)."""
    if obj is None:
        return "—"
    opts = obj._meta
    url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, obj if text is None else text)


def admin_list_link(app_model: str, text: object, **filters: object) -> str:
    """A link to a changelist filtered by `filters` (e.g. account__id__exact=3)."""
    app_label, model_name = app_model.split(".")
    url = reverse(f"admin:{app_label}_{model_name}_changelist")
    query = "&".join(f"{name}={value}" for name, value in filters.items())
    return format_html('<a href="{}?{}">{}</a>', url, query, text)


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
