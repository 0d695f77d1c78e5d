"""Batch scoring: upload a CSV, watch the progress, download the scores."""

from typing import Any

from django import forms
from django.contrib import admin
from django.http import FileResponse, Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from accounts.models import User
from fraud.models import (
    BatchScoringJob,
)
from fraud.services.batches import batch_scoring_job_create, batch_upload_name_check
from issuer.kernel.errors import InvalidInput


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

    class Media:
        # Reloads the page while the job runs (no inline script: see the CSP).
        js = ["fraud/batch_progress.js"]

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
        # batch_progress.js reloads the page every 2 s while the job runs.
        return format_html(
            '<progress max="100" value="{}"{}>{}%</progress> {}% ({} / {} rows)',
            job.percent_done,
            mark_safe(' data-refresh-seconds="2"') if running else "",  # a constant
            job.percent_done,
            job.percent_done,
            job.rows_done,
            job.rows_total,
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
