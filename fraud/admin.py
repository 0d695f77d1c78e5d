from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from accounts.models import User
from fraud.models import (
    BatchScoringJob,
    HistoricalTransaction,
    ModelVersion,
    Rule,
    RuleHit,
)
from fraud.scoring.features import FEATURE_NAMES
from fraud.scoring.rules import OPERATORS, conditions_text
from fraud.selectors import scoring_model_load
from fraud.services.batches import batch_scoring_job_create, batch_upload_name_check
from fraud.services.registry import model_version_activate
from fraud.services.rules import (
    rule_backtest,
    rule_conditions_clean,
    rule_create,
    rule_update,
)
from issuer.kernel.errors import DomainError, InvalidInput

BACKTEST_DAYS = 30


@admin.register(HistoricalTransaction)
class HistoricalTransactionAdmin(admin.ModelAdmin):
    list_display = (
        "transaction_id",
        "timestamp",
        "card_ref",
        "merchant_ref",
        "amount_minor",
        "currency",
        "channel",
        "is_fraud",
        "label_time",
        "source",
    )
    list_filter = ("source", "is_fraud", "channel")
    search_fields = ("transaction_id", "card_ref", "merchant_ref")
    date_hierarchy = "timestamp"
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


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
    readonly_fields = [field.name for field in ModelVersion._meta.fields]
    actions = ["activate"]

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


class BatchScoringJobForm(forms.ModelForm):
    class Meta:
        model = BatchScoringJob
        fields = ["upload"]
        help_texts = {
            "upload": "A CSV (or .csv.gz) in the history import format; scored "
            "with the active model, never added to the history."
        }

    def clean_upload(self) -> Any:
        upload = self.cleaned_data["upload"]
        try:
            batch_upload_name_check(name=upload.name)
        except InvalidInput as error:
            raise forms.ValidationError(error.message) from None
        return upload


@admin.register(BatchScoringJob)
class BatchScoringJobAdmin(admin.ModelAdmin):
    form = BatchScoringJobForm
    list_display = ("public_id", "status", "progress", "created_by", "created_at")
    list_filter = ("status",)
    readonly_fields = (
        "status",
        "progress",
        "rows_total",
        "rows_done",
        "rows_invalid",
        "download",
        "model_version",
        "error",
        "created_by",
        "created_at",
        "started_at",
        "finished_at",
    )

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["upload"] if obj is None else self.readonly_fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return () if obj is None else self.readonly_fields

    @admin.display(description="Progress")
    def progress(self, job: BatchScoringJob) -> str:
        running = job.status in (
            BatchScoringJob.Status.QUEUED,
            BatchScoringJob.Status.RUNNING,
        )
        # Reload the change page every 2 s while the job runs.
        refresh = mark_safe(  # a constant: no user data
            "<script>setTimeout(function () { location.reload(); }, 2000);</script>"
        )
        return format_html(
            '<progress max="100" value="{}">{}%</progress> {}% ({} / {} rows){}',
            job.percent_done,
            job.percent_done,
            job.percent_done,
            job.rows_done,
            job.rows_total,
            refresh if running else "",
        )

    @admin.display(description="Scored file")
    def download(self, job: BatchScoringJob) -> str:
        if not job.result:
            return "-"
        url = reverse("admin:fraud_batchscoringjob_download", args=[job.pk])
        return format_html('<a href="{}">Download {}.csv</a>', url, job.public_id)

    def get_urls(self) -> list[URLPattern]:
        extra = [
            path(
                "<int:job_id>/download/",
                self.admin_site.admin_view(self.download_view),
                name="fraud_batchscoringjob_download",
            )
        ]
        return extra + super().get_urls()

    def download_view(self, request: HttpRequest, job_id: int) -> HttpResponseBase:
        job = BatchScoringJob.objects.filter(pk=job_id).first()
        if job is None or not self.has_view_permission(request, job):
            raise Http404("No such job.")
        if not job.result:
            raise Http404("Not scored yet.")
        return FileResponse(
            job.result.open("rb"),
            as_attachment=True,
            filename=f"scored-{job.public_id}.csv",
            content_type="text/csv",
        )

    def save_model(
        self,
        request: HttpRequest,
        obj: BatchScoringJob,
        form: forms.ModelForm,
        change: bool,
    ) -> None:
        assert isinstance(request.user, User)
        created = batch_scoring_job_create(
            upload=form.cleaned_data["upload"], created_by=request.user
        )
        obj.pk, obj.public_id, obj.upload = (
            created.pk,
            created.public_id,
            created.upload,
        )
        obj._state.adding = False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
