"""Staff upload a CSV; a Celery task scores it offline with the active model
and writes a scored CSV, without touching the history table."""

import time

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from accounts.models import User
from accounts.tests.staff_auth import staff_login
from fraud.models import BatchScoringJob, HistoricalTransaction
from fraud.services.batches import batch_scoring_job_create, batch_scoring_job_run
from fraud.tests.conftest import ACTIVE_WEIGHTS, register_model

# Out of time order on purpose; one bad row (amount "abc").
UPLOAD = (
    "transaction_id,timestamp,card_ref,merchant_ref,amount,currency\n"
    "t3,2026-01-10T12:00:00Z,c1,m1,100.00,USD\n"
    "t1,2026-01-10T10:00:00Z,c1,m1,1.00,USD\n"
    "t2,2026-01-10T11:00:00Z,c2,m2,35.00,USD\n"
    "t9,2026-01-10T11:30:00Z,c2,m2,abc,USD\n"
    "t4,2026-01-10T13:00:00Z,c3,m1,45.00,USD\n"
)


def _result_rows(job: BatchScoringJob) -> list[list[str]]:
    with job.result.open("rb") as handle:
        return [line.split(",") for line in handle.read().decode().splitlines()]


@pytest.fixture
def staff(db):
    return User.objects.create_superuser(username="root", password="x")


@pytest.mark.django_db
def test_an_upload_through_the_admin_is_scored_end_to_end(
    active_model, staff, client, django_capture_on_commit_callbacks
):
    """Given an active model, when staff upload a CSV in the admin, then the
    eager task scores every valid row in time order with its tier, counts
    the bad row, and the change page shows 100 % and a download link."""
    staff_login(client, staff)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/fraud/batchscoringjob/add/",
            {"upload": SimpleUploadedFile("day.csv", UPLOAD.encode())},
        )

    assert response.status_code == 302
    job = BatchScoringJob.objects.get()
    assert (job.status, job.rows_total, job.rows_done, job.rows_invalid) == (
        "done",
        4,
        4,
        1,
    )
    assert (job.model_version, job.created_by) == (active_model, staff)
    rows = _result_rows(job)
    assert rows[0] == ["transaction_id", "card_ref", "timestamp", "score", "tier"]
    assert [(r[0], r[1], r[2], r[4]) for r in rows[1:]] == [
        ("t1", "c1", "2026-01-10T10:00:00.000000Z", "low"),
        ("t2", "c2", "2026-01-10T11:00:00.000000Z", "medium"),
        ("t3", "c1", "2026-01-10T12:00:00.000000Z", "critical"),
        ("t4", "c3", "2026-01-10T13:00:00.000000Z", "high"),
    ]
    assert all(len(r[3].split(".")[1]) == 6 for r in rows[1:])
    assert not HistoricalTransaction.objects.exists()
    page = client.get(f"/admin/fraud/batchscoringjob/{job.pk}/change/").content
    assert b'<progress max="100" value="100">' in page  # done: no more refreshing
    download = client.get(f"/admin/fraud/batchscoringjob/{job.pk}/download/")
    assert download.status_code == 200
    assert (
        b"".join(download.streaming_content)
        .decode()
        .startswith("transaction_id,card_ref,timestamp,score,tier\nt1,c1,")
    )


@pytest.mark.django_db
def test_a_queued_job_page_refreshes_itself(staff, client, media_root):
    staff_login(client, staff)
    job = BatchScoringJob.objects.create(
        upload=ContentFile(UPLOAD.encode(), name="day.csv"), rows_total=8, rows_done=2
    )

    page = client.get(f"/admin/fraud/batchscoringjob/{job.pk}/change/").content

    assert b'<progress max="100" value="25" data-refresh-seconds="2">' in page
    assert b"/static/fraud/batch_progress.js" in page
    assert b"/download/" not in page


@pytest.mark.django_db
def test_a_file_that_is_not_csv_is_refused(staff, client, media_root):
    staff_login(client, staff)

    response = client.post(
        "/admin/fraud/batchscoringjob/add/",
        {"upload": SimpleUploadedFile("day.xlsx", b"x")},
    )

    assert response.status_code == 200
    assert b"Upload a .csv or .csv.gz file." in response.content
    assert not BatchScoringJob.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"", "The file is empty."),
        (b"transaction_id,amount\nt1,1.00\n", "missing required column(s)"),
    ],
)
def test_a_bad_file_fails_the_job_with_the_reason(
    active_model, content, error, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = batch_scoring_job_create(
            upload=ContentFile(content, name="bad.csv"), created_by=None
        )

    job.refresh_from_db()
    assert job.status == "failed"
    assert error in job.error
    assert not job.result


@pytest.mark.django_db
def test_without_an_active_model_the_job_fails(
    media_root, django_capture_on_commit_callbacks
):
    register_model(status="shadow")
    with django_capture_on_commit_callbacks(execute=True):
        job = batch_scoring_job_create(
            upload=ContentFile(UPLOAD.encode(), name="day.csv"), created_by=None
        )

    job.refresh_from_db()
    assert (job.status, job.error, job.rows_done) == (
        "failed",
        "No active model to score with.",
        0,
    )


@pytest.mark.django_db
def test_progress_is_saved_every_chunk_and_a_rerun_changes_nothing(
    active_model, monkeypatch
):
    monkeypatch.setattr("fraud.services.batches.CHUNK_ROWS", 3)
    seen: list[int] = []
    original = BatchScoringJob.objects.filter

    def spy(*args, **kwargs):
        queryset = original(*args, **kwargs)
        update = queryset.update

        def recording_update(**values):
            if "rows_done" in values and "rows_total" not in values:
                seen.append(values["rows_done"])
            return update(**values)

        queryset.update = recording_update  # type: ignore[method-assign]
        return queryset

    job = BatchScoringJob.objects.create(
        upload=ContentFile(UPLOAD.encode(), name="day.csv")
    )
    monkeypatch.setattr(BatchScoringJob.objects, "filter", spy)
    batch_scoring_job_run(job=job)
    monkeypatch.undo()
    finished = BatchScoringJob.objects.get(pk=job.pk)

    batch_scoring_job_run(job=job)  # a duplicate delivery

    assert seen == [3, 4]
    again = BatchScoringJob.objects.get(pk=job.pk)
    assert (again.status, again.result.name, again.finished_at) == (
        "done",
        finished.result.name,
        finished.finished_at,
    )


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_scores_an_upload(worker_media_root, celery_worker):
    version = register_model(weights=ACTIVE_WEIGHTS, status="active")

    job = batch_scoring_job_create(
        upload=ContentFile(UPLOAD.encode(), name="day.csv"), created_by=None
    )

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in ("done", "failed"):
            break
        time.sleep(0.2)
        connection.close()
    assert (job.status, job.rows_done, job.model_version_id) == ("done", 4, version.pk)
    assert [r[4] for r in _result_rows(job)[1:]] == [
        "low",
        "medium",
        "critical",
        "high",
    ]
