"""The model registry: versions, their metrics, and activation."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from fraud.models import (
    ModelVersion,
)
from fraud.selectors import model_version_card, scoring_model_load
from fraud.services.registry import model_version_activate
from issuer.kernel.errors import DomainError


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = (
        "public_id",
        "kind",
        "status",
        "train_from",
        "train_to",
        "validation_ap",
        "created_at",
        "activated_at",
    )
    list_filter = ("status", "kind")
    readonly_fields = ["model_card", *(f.name for f in ModelVersion._meta.fields)]
    actions = ["activate"]

    @admin.display(description="Model card")
    def model_card(self, version: ModelVersion) -> SafeString:
        return SafeString(
            render_to_string(
                "admin/fraud/modelversion/model_card.html",
                {"card": model_version_card(version=version)},
            )
        )

    @admin.display(description="Validation AP")
    def validation_ap(self, version: ModelVersion) -> object:
        return version.metrics.get("validation", {}).get("average_precision")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_activate_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("fraud.activate_modelversion")

    @admin.action(permissions=["activate"], description="Activate the selected version")
    def activate(self, request: HttpRequest, queryset: QuerySet[ModelVersion]) -> None:
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one version.", messages.ERROR)
            return
        version = queryset.get()
        try:
            scoring_model_load(version=version)
            activated, retired = model_version_activate(version=version)
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
            return
        note = f"; retired {retired.public_id}" if retired else ""
        self.message_user(request, f"Activated {activated.public_id}{note}.")
