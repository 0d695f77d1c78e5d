"""Webhooks in the staff admin: endpoints with their health, deliveries
with every attempt, replays and enabling/disabling.

Program admins may register an endpoint for a partner (its secret is shown
once, to hand over) and change its URL and event types; nobody reads a
secret afterwards (partners rotate their own). Every change calls the same
services as the partner API.
"""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from cards.services.realtime_decisions import DEFAULT_BUDGET_MS, MAX_BUDGET_MS
from issuer.kernel.admin import (
    ReadOnlyAdmin,
    ReadOnlyInline,
    admin_link,
    admin_list_link,
    apply_each,
)
from issuer.kernel.errors import DomainError
from webhooks.catalogue import SUBSCRIBABLE_EVENT_TYPES
from webhooks.models import (
    AuthorizationDecisionEndpoint,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from webhooks.services.decisions import (
    MIN_BUDGET_MS,
    decision_endpoint_delete,
    decision_endpoint_put,
)
from webhooks.services.delivery import webhook_delivery_replay
from webhooks.services.endpoints import (
    webhook_endpoint_create,
    webhook_endpoint_disable,
    webhook_endpoint_enable,
    webhook_endpoint_update,
)
from webhooks.url_policy import UrlRefused, url_check

REPLAY_PERMISSION = "webhooks.replay_webhookdelivery"
ENABLE_PERMISSION = "webhooks.enable_webhookendpoint"


class WebhookEndpointForm(forms.ModelForm):
    """Program admins register or change an endpoint for a partner; the URL
    and event types get the same checks as through the API."""

    event_types = forms.MultipleChoiceField(
        choices=[(t, t) for t in SUBSCRIBABLE_EVENT_TYPES],
        widget=forms.CheckboxSelectMultiple,
        help_text="* sends every event type.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ("partner", "url", "event_types", "description", "alert_email")

    url = forms.URLField(max_length=500, assume_scheme="https")

    def clean_url(self) -> str:
        try:
            return url_check(self.cleaned_data["url"])
        except UrlRefused as refused:
            raise forms.ValidationError(refused.message) from None


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdmin):
    list_display = (
        "url",
        "partner",
        "status_display",
        "events",
        "consecutive_failures",
        "failing_since",
        "last_success_at",
        "deliveries",
    )
    list_filter = ("status", "partner")
    search_fields = ("url", "partner__name", "public_id")
    list_select_related = ("partner",)
    fields = (
        "public_id",
        "partner",
        "url",
        "events",
        "description",
        "alert_email",
        "status",
        "disabled_reason",
        "disabled_at",
        "consecutive_failures",
        "failing_since",
        "last_success_at",
        "deliveries",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields
    actions = ["enable_endpoints", "disable_endpoints"]
    form = WebhookEndpointForm
    editable_fields = ("url", "event_types", "description", "alert_email")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("webhooks.add_webhookendpoint")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.has_perm("webhooks.change_webhookendpoint")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if obj is None:
            return WebhookEndpointForm.Meta.fields
        return self.fields

    def get_readonly_fields(
        self, request: HttpRequest, obj: Any = None
    ) -> tuple[str, ...]:
        if obj is None:
            return ()
        if self.has_change_permission(request, obj):
            return tuple(f for f in self.fields if f not in self.editable_fields)
        return self.fields

    def save_model(
        self,
        request: HttpRequest,
        obj: WebhookEndpoint,
        form: forms.ModelForm,
        change: bool,
    ) -> None:
        data = form.cleaned_data
        if change:
            webhook_endpoint_update(
                endpoint=obj,
                url=data["url"],
                event_types=data["event_types"],
                description=data["description"],
                alert_email=data["alert_email"],
            )
            return
        created, secret = webhook_endpoint_create(
            partner=data["partner"],
            url=data["url"],
            event_types=data["event_types"],
            description=data["description"],
            alert_email=data["alert_email"],
        )
        obj.pk, obj.public_id = created.pk, created.public_id
        self.message_user(
            request,
            f"Signing secret, shown this once (give it to the partner): {secret}",
            messages.WARNING,
        )

    @admin.display(description="Status", ordering="status")
    def status_display(self, endpoint: WebhookEndpoint) -> str:
        if endpoint.is_enabled:
            return "Enabled"
        return format_html(
            '<strong style="color: #ba2121" title="{}">Disabled</strong>',
            endpoint.disabled_reason,
        )

    @admin.display(description="Events")
    def events(self, endpoint: WebhookEndpoint) -> str:
        return ", ".join(endpoint.event_types)

    @admin.display(description="Delivery log")
    def deliveries(self, endpoint: WebhookEndpoint) -> str:
        return admin_list_link(
            "webhooks.webhookdelivery", "Deliveries", endpoint__id__exact=endpoint.pk
        )

    def has_enable_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(ENABLE_PERMISSION)

    @admin.action(permissions=["enable"], description="Enable (resume deliveries)")
    def enable_endpoints(
        self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]
    ) -> None:
        apply_each(
            self,
            request,
            queryset,
            done_message="{} endpoint(s) enabled.",
            apply=lambda endpoint: webhook_endpoint_enable(endpoint=endpoint),
        )

    @admin.action(permissions=["enable"], description="Disable (hold deliveries)")
    def disable_endpoints(
        self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]
    ) -> None:
        apply_each(
            self,
            request,
            queryset,
            done_message="{} endpoint(s) disabled.",
            apply=lambda endpoint: webhook_endpoint_disable(
                endpoint=endpoint, reason=f"Disabled by staff ({request.user})."
            ),
        )


class WebhookAttemptInline(ReadOnlyInline):
    model = WebhookAttempt
    fields = (
        "number",
        "started_at",
        "duration_ms",
        "status_code",
        "error",
        "response_snippet",
        "outcome",
    )
    readonly_fields = fields

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Attempts are part of the delivery: whoever sees it sees them."""
        return request.user.has_perm("webhooks.view_webhookdelivery")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = (
        "public_id",
        "event_type",
        "endpoint_link",
        "status",
        "attempt_count",
        "last_status_code",
        "next_attempt_at",
        "delivered_at",
        "created_at",
    )
    list_filter = ("status", "event__type", "endpoint__partner")
    search_fields = ("public_id", "event__event_id", "endpoint__url")
    list_select_related = ("event", "endpoint__partner")
    date_hierarchy = "created_at"
    fields = (
        "public_id",
        "event_id",
        "event_type",
        "endpoint_link",
        "status",
        "attempt_count",
        "next_attempt_at",
        "retry_until",
        "delivered_at",
        "last_status_code",
        "last_error",
        "body",
        "created_at",
    )
    readonly_fields = fields
    inlines = [WebhookAttemptInline]
    actions = ["replay_deliveries"]

    @admin.display(description="Event", ordering="event__type")
    def event_type(self, delivery: WebhookDelivery) -> str:
        return delivery.event.type

    @admin.display(description="Event id")
    def event_id(self, delivery: WebhookDelivery) -> str:
        return str(delivery.event.event_id)

    @admin.display(description="Endpoint")
    def endpoint_link(self, delivery: WebhookDelivery) -> str:
        return admin_link(delivery.endpoint)

    @admin.display(description="Body sent")
    def body(self, delivery: WebhookDelivery) -> str:
        return format_html("<pre>{}</pre>", delivery.event.body)

    def has_replay_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(REPLAY_PERMISSION)

    @admin.action(permissions=["replay"], description="Replay (send again now)")
    def replay_deliveries(
        self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]
    ) -> None:
        apply_each(
            self,
            request,
            queryset,
            done_message="{} delivery(ies) replayed.",
            apply=lambda delivery: webhook_delivery_replay(delivery=delivery),
        )


class DecisionEndpointForm(forms.ModelForm):
    """Program admins register or change a program's decision endpoint with
    the same checks as the partner API."""

    url = forms.URLField(max_length=500, assume_scheme="https")
    budget_ms = forms.IntegerField(
        min_value=MIN_BUDGET_MS, max_value=MAX_BUDGET_MS, initial=DEFAULT_BUDGET_MS
    )

    class Meta:
        model = AuthorizationDecisionEndpoint
        fields = ("partner", "url", "budget_ms", "default_approves")

    def clean_url(self) -> str:
        try:
            return url_check(self.cleaned_data["url"])
        except UrlRefused as refused:
            raise forms.ValidationError(refused.message) from None


@admin.register(AuthorizationDecisionEndpoint)
class AuthorizationDecisionEndpointAdmin(admin.ModelAdmin):
    """Every change goes through the service; the secret is shown once, when
    made, to hand over, and never again."""

    form = DecisionEndpointForm
    list_display = ("partner", "url", "budget_ms", "default_approves", "updated_at")
    list_select_related = ("partner",)
    search_fields = ("url", "partner__name", "public_id")

    def get_readonly_fields(
        self, request: HttpRequest, obj: Any = None
    ) -> tuple[str, ...]:
        return ("partner",) if obj is not None else ()

    def save_model(
        self,
        request: HttpRequest,
        obj: AuthorizationDecisionEndpoint,
        form: forms.ModelForm,
        change: bool,
    ) -> None:
        data = form.cleaned_data
        try:
            saved, secret = decision_endpoint_put(
                partner=obj.partner,
                url=data["url"],
                budget_ms=data["budget_ms"],
                default_approves=data["default_approves"],
            )
        except DomainError as refused:
            self.message_user(request, str(refused), messages.ERROR)
            return
        obj.pk, obj.public_id = saved.pk, saved.public_id
        if secret is not None:
            self.message_user(
                request,
                f"Signing secret, shown this once (give it to the partner): {secret}",
                messages.WARNING,
            )

    def delete_model(
        self, request: HttpRequest, obj: AuthorizationDecisionEndpoint
    ) -> None:
        decision_endpoint_delete(endpoint=obj)
