"""Staff rules with their backtest, and the hits they recorded."""

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from accounts.models import User
from fraud.models import (
    Rule,
    RuleHit,
)
from fraud.scoring.features import FEATURE_NAMES
from fraud.scoring.rules import OPERATORS, conditions_text
from fraud.services.rules import (
    rule_backtest,
    rule_conditions_clean,
    rule_create,
    rule_update,
)
from issuer.kernel.errors import DomainError, InvalidInput

BACKTEST_DAYS = 30


class RuleForm(forms.ModelForm):
    class Meta:
        model = Rule
        fields = ["name", "conditions", "action", "mode"]
        help_texts = {
            "conditions": (
                '1-3 conditions, ANDed, e.g. [{"feature": "amount", "operator": '
                f'">=", "threshold": 500}}]. Operators: {", ".join(OPERATORS)}. '
                f"Features: {', '.join(FEATURE_NAMES)}."
            )
        }

    def clean_conditions(self) -> Any:
        try:
            return rule_conditions_clean(conditions=self.cleaned_data["conditions"])
        except InvalidInput as error:
            raise forms.ValidationError(error.message) from None


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    form = RuleForm
    list_display = ("name", "condition_summary", "action", "mode", "updated_at")
    list_filter = ("mode", "action")
    search_fields = ("name",)
    readonly_fields = ("backtest", "hits_recorded", "created_by", "updated_at")
    actions = ["make_active", "make_shadow"]

    @admin.display(description="Conditions")
    def condition_summary(self, rule: Rule) -> str:
        return conditions_text(rule.conditions)

    @admin.display(description=f"Backtest: past {BACKTEST_DAYS} days")
    def backtest(self, rule: Rule) -> str:
        if rule.pk is None:
            return "Save the rule to see its backtest."
        today = timezone.now().date()
        try:
            count = rule_backtest(
                rule=rule,
                date_from=today - timedelta(days=BACKTEST_DAYS),
                date_to=today,
            )
        except DomainError as error:
            return error.message
        return f"would have hit {count} transaction(s)"

    @admin.display(description="Live hits (shadow / active)")
    def hits_recorded(self, rule: Rule) -> str:
        if rule.pk is None:
            return "-"
        shadow = rule.hits.filter(is_shadow=True).count()
        active = rule.hits.filter(is_shadow=False).count()
        return f"{shadow} / {active}"

    def save_model(
        self, request: HttpRequest, obj: Rule, form: forms.ModelForm, change: bool
    ) -> None:
        values = {name: form.cleaned_data[name] for name in RuleForm.Meta.fields}
        if change:
            rule_update(rule=obj, **values)
            return
        assert isinstance(request.user, User)
        created = rule_create(created_by=request.user, **values)
        obj.pk, obj.public_id = created.pk, created.public_id
        obj.created_by = request.user
        obj._state.adding = False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # hits and actions keep pointing at it; use shadow mode

    def _mode_set(
        self, request: HttpRequest, queryset: QuerySet[Rule], mode: str
    ) -> None:
        for rule in queryset:
            rule_update(rule=rule, mode=mode)
        self.message_user(request, f"{queryset.count()} rule(s) now {mode}.")

    @admin.action(permissions=["change"], description="Make the selected rules active")
    def make_active(self, request: HttpRequest, queryset: QuerySet[Rule]) -> None:
        self._mode_set(request, queryset, Rule.Mode.ACTIVE)

    @admin.action(
        permissions=["change"], description="Put the selected rules in shadow"
    )
    def make_shadow(self, request: HttpRequest, queryset: QuerySet[Rule]) -> None:
        self._mode_set(request, queryset, Rule.Mode.SHADOW)


@admin.register(RuleHit)
class RuleHitAdmin(admin.ModelAdmin):
    list_display = ("rule", "authorization", "is_shadow", "features", "created_at")
    list_filter = ("is_shadow", "rule")
    list_select_related = ("rule", "authorization")
    readonly_fields = ("rule", "authorization", "is_shadow", "features", "created_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
