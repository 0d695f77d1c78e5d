"""Admin for the impact assumptions: one row, changed through the service."""

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from accounts.models import User
from fraud.dashboards.models import SINGLETON_PK, ImpactAssumptions
from fraud.dashboards.services import (
    impact_assumptions_update,
    impact_assumptions_validate,
)
from issuer.kernel.errors import InvalidInput
from issuer.kernel.fields.forms import canonical_formfield
from issuer.kernel.money import format_money

FIELDS = [
    "currency",
    "review_cost_per_case",
    "false_positive_cost",
    "chargeback_recovery_basis_points",
]


class ImpactAssumptionsForm(forms.ModelForm):
    class Meta:
        model = ImpactAssumptions
        fields = FIELDS
        formfield_callback = canonical_formfield

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if all(cleaned.get(name) is not None for name in FIELDS):
            try:
                impact_assumptions_validate(**{name: cleaned[name] for name in FIELDS})
            except InvalidInput as error:
                for name, messages in error.fields.items():
                    self.add_error(name, messages)
        return cleaned


@admin.register(ImpactAssumptions)
class ImpactAssumptionsAdmin(admin.ModelAdmin):
    form = ImpactAssumptionsForm
    list_display = (
        "__str__",
        "currency",
        "review_cost",
        "false_positive",
        "recovery",
        "updated_at",
        "updated_by",
    )
    readonly_fields = ("updated_at", "updated_by")

    @admin.display(description="Review cost per case")
    def review_cost(self, assumptions: ImpactAssumptions) -> str:
        return format_money(assumptions.review_cost_per_case, assumptions.currency)

    @admin.display(description="False-positive cost")
    def false_positive(self, assumptions: ImpactAssumptions) -> str:
        return format_money(assumptions.false_positive_cost, assumptions.currency)

    @admin.display(description="Chargeback recovery")
    def recovery(self, assumptions: ImpactAssumptions) -> str:
        return f"{assumptions.chargeback_recovery_basis_points / 100:.2f} %"

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """Go straight to the one row."""
        if ImpactAssumptions.objects.filter(pk=SINGLETON_PK).exists():
            return HttpResponseRedirect(
                reverse(
                    f"{self.admin_site.name}:dashboards_impactassumptions_change",
                    args=[SINGLETON_PK],
                )
            )
        return super().changelist_view(request, extra_context)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return (
            super().has_add_permission(request)
            and not ImpactAssumptions.objects.filter(pk=SINGLETON_PK).exists()
        )

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def save_model(
        self,
        request: HttpRequest,
        obj: ImpactAssumptions,
        form: forms.ModelForm,
        change: bool,
    ) -> None:
        assert isinstance(request.user, User)
        saved = impact_assumptions_update(
            **{name: form.cleaned_data[name] for name in FIELDS}, actor=request.user
        )
        obj.pk, obj.updated_at, obj.updated_by = (
            saved.pk,
            saved.updated_at,
            saved.updated_by,
        )
        obj._state.adding = False
