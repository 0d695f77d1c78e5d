"""Batch scoring of an uploaded CSV (the history import format) with the
active model, on the offline feature path. The file is the history: its
rows are scored among themselves and nothing is written to the history
table. The result is a CSV `transaction_id,card_ref,timestamp,score,tier`
in time order; progress is saved after every chunk.
"""

import csv
import io
import logging
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
from django.core.files.base import ContentFile, File
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from fraud.history_csv import (
    STORED_FIELDS,
    HeaderError,
    HistoryRowParser,
    RowError,
    open_history,
    read_rows,
)
from fraud.models import BatchScoringJob
from fraud.scoring.features import feature_matrix, history_raw_features
from fraud.scoring.records import normalise_history_frame
from fraud.selectors import model_version_active, scoring_model_load
from issuer.kernel.errors import DomainError, InvalidInput

logger = logging.getLogger(__name__)

CHUNK_ROWS = 5_000
RESULT_HEADER = ("transaction_id", "card_ref", "timestamp", "score", "tier")


def batch_upload_name_check(*, name: str) -> str:
    """The upload's base name, if it is a .csv or .csv.gz file."""
    base = Path(name or "").name
    if not base.lower().endswith((".csv", ".csv.gz")):
        raise InvalidInput.for_field("upload", "Upload a .csv or .csv.gz file.")
    return base


def batch_scoring_job_create(
    *, upload: File, created_by: User | None
) -> BatchScoringJob:
    """Store the upload and queue its scoring (after commit)."""
    from fraud.tasks import batch_score

    name = batch_upload_name_check(name=upload.name or "")
    with transaction.atomic():
        job = BatchScoringJob(created_by=created_by)
        job.upload.save(name, upload, save=False)
        job.save()
        transaction.on_commit(partial(batch_score.delay, job.pk))
    return job


def _progress(job: BatchScoringJob, **values: object) -> None:
    for name, value in values.items():
        setattr(job, name, value)
    BatchScoringJob.objects.filter(pk=job.pk).update(**values)


def _read(job: BatchScoringJob) -> tuple[pd.DataFrame, int]:
    """The upload's valid rows as a history frame, and how many were invalid."""
    rows = []
    invalid = 0
    with open_history(Path(job.upload.path)) as text:
        lines = read_rows(text)
        header = next(lines, None)
        if header is None:
            raise InvalidInput.for_field("upload", "The file is empty.")
        try:
            parse = HistoryRowParser(header[1]).parse
        except HeaderError as error:
            raise InvalidInput.for_field("upload", str(error)) from None
        for line, fields in lines:
            try:
                rows.append(parse(fields, line))
            except RowError:
                invalid += 1
    frame = pd.DataFrame.from_records(rows, columns=list(STORED_FIELDS))
    return normalise_history_frame(frame), invalid


def batch_scoring_job_run(*, job: BatchScoringJob) -> BatchScoringJob:
    """Score a queued job's file; a job already started or finished is left
    as it is (duplicate deliveries). Failures are recorded on the job."""
    claimed = BatchScoringJob.objects.filter(
        pk=job.pk, status=BatchScoringJob.Status.QUEUED
    ).update(status=BatchScoringJob.Status.RUNNING, started_at=timezone.now())
    job.refresh_from_db()
    if not claimed:
        logger.info("batch job %s is %s; not run again", job.pk, job.status)
        return job
    try:
        _score(job)
    except DomainError as error:
        _progress(
            job,
            status=BatchScoringJob.Status.FAILED,
            error=error.message,
            finished_at=timezone.now(),
        )
    except Exception as error:
        _progress(
            job,
            status=BatchScoringJob.Status.FAILED,
            error=f"Unexpected error: {type(error).__name__}",
            finished_at=timezone.now(),
        )
        raise
    return job


def _score(job: BatchScoringJob) -> None:
    version = model_version_active()
    if version is None:
        raise DomainError("No active model to score with.")
    model = scoring_model_load(version=version)
    frame, invalid = _read(job)
    _progress(
        job,
        model_version=version,
        rows_total=len(frame),
        rows_invalid=invalid,
        rows_done=0,
    )
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(RESULT_HEADER)
    if len(frame):
        raw, order = history_raw_features(frame)
        features = feature_matrix(raw, model.encodings, model.feature_names)
        ids = frame["transaction_id"].to_numpy()[order]
        cards = frame["card_ref"].to_numpy()[order]
        times = frame["timestamp"].to_numpy(dtype="datetime64[us]")[order]
        thresholds = version.tier_thresholds or None
        for start in range(0, len(frame), CHUNK_ROWS):
            stop = min(start + CHUNK_ROWS, len(frame))
            scores = model.score_matrix(features[start:stop])
            for offset, score in enumerate(scores):
                row = start + offset
                writer.writerow(
                    (
                        ids[row],
                        cards[row],
                        np.datetime_as_string(times[row], unit="us") + "Z",
                        f"{float(score):.6f}",
                        model.tier(float(score), thresholds),
                    )
                )
            _progress(job, rows_done=stop)
    job.result.save(
        f"{job.public_id}.csv", ContentFile(out.getvalue().encode()), save=False
    )
    _progress(
        job,
        result=job.result.name,
        status=BatchScoringJob.Status.DONE,
        finished_at=timezone.now(),
    )
