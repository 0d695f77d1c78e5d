"""Fraud detection's history of transactions and its registry of models.

- HistoricalTransaction: one card transaction as fraud detection sees it,
  imported from a history file or copied from a live authorization
  (`source`). The external `transaction_id` is unique, so importing a file
  again or copying a live transaction twice changes nothing. Money is an
  integer of minor units beside its ISO 4217 currency. `is_fraud` is the
  label (NULL while unknown) and `label_time` the moment it became known:
  features use a label only from that moment on, so a model never sees
  what was not known yet. A label always has a time, never before the
  transaction's. Indexed on (card_ref, timestamp), (merchant_ref,
  timestamp) and timestamp for the point-in-time look-ups.
- ModelVersion: a trained model in the registry: its artifact (a joblib
  file under MEDIA_ROOT/models/) and the artifact's SHA-256, checked before
  every load so a file that changed is never unpickled; the feature names,
  data window, label delay, metrics and tier thresholds; and a status,
  draft -> shadow -> active -> retired. At most one version is active,
  enforced by a unique index on a generated column that is 1 for the active
  version and NULL for every other (MariaDB has no partial indexes).
- FraudScore / FraudAction / FraudAlert / ReviewCase: the live side. A
  version scores an authorization once; each action kind happens once per
  authorization; an alert is answered once; a closed case has an outcome.
- Rule: a staff rule, 1-3 conditions on the feature vector (validated by
  `fraud.services.rules`), an action and a mode. Shadow rules only record
  hits; active rules act. RuleHit: one rule matched one authorization,
  recorded once.
- BatchScoringJob: a staff upload of a history-format CSV scored offline by
  the active model (never written to the history table); progress counts
  only go up to the rows total; a done job has its result file.
"""

import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Case, Q, Value, When

if TYPE_CHECKING:
    from cards.models import Authorization


class HistoricalTransactionQuerySet(models.QuerySet["HistoricalTransaction"]):
    def between(
        self, start: datetime, end: datetime
    ) -> "HistoricalTransactionQuerySet":
        """Transactions with start <= timestamp < end."""
        return self.filter(timestamp__gte=start, timestamp__lt=end)


class HistoricalTransaction(models.Model):
    class Source(models.TextChoices):
        IMPORTED = "imported", "Imported history"
        LIVE = "live", "Live authorization"

    transaction_id = models.CharField(max_length=64)
    timestamp = models.DateTimeField()
    card_ref = models.CharField(max_length=64)
    merchant_ref = models.CharField(max_length=64)
    amount_minor = models.BigIntegerField()
    currency = models.CharField(max_length=3, default="USD")
    mcc = models.CharField(max_length=4, blank=True, default="")
    merchant_country = models.CharField(max_length=2, blank=True, default="")
    channel = models.CharField(max_length=20, blank=True, default="")
    cvv_failed = models.BooleanField(default=False)
    declined = models.BooleanField(default=False)
    is_fraud = models.BooleanField(null=True, blank=True)
    label_time = models.DateTimeField(null=True, blank=True)
    source = models.CharField(
        max_length=10, choices=Source.choices, default=Source.IMPORTED
    )

    objects = HistoricalTransactionQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["transaction_id"],
                name="fraud_historicaltransaction_transaction_id",
            ),
            models.CheckConstraint(
                condition=Q(amount_minor__gte=0),
                name="fraud_historicaltransaction_amount_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(is_fraud__isnull=True) | Q(label_time__isnull=False),
                name="fraud_historicaltransaction_label_has_time",
            ),
            models.CheckConstraint(
                condition=Q(label_time__isnull=True)
                | Q(label_time__gte=models.F("timestamp")),
                name="fraud_historicaltransaction_label_after_transaction",
            ),
            models.CheckConstraint(
                condition=Q(source__in=["imported", "live"]),
                name="fraud_historicaltransaction_source_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["card_ref", "timestamp"], name="fraud_hist_card_time"),
            models.Index(
                fields=["merchant_ref", "timestamp"], name="fraud_hist_merchant_time"
            ),
            models.Index(fields=["timestamp"], name="fraud_hist_time"),
        ]

    def __str__(self) -> str:
        return self.transaction_id


class ModelVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SHADOW = "shadow", "Shadow"
        ACTIVE = "active", "Active"
        RETIRED = "retired", "Retired"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=40)
    artifact_path = models.CharField(max_length=255)
    artifact_sha256 = models.CharField(max_length=64)
    feature_names = models.JSONField(default=list)
    train_from = models.DateField()
    train_to = models.DateField()
    validation_from = models.DateField()
    validation_to = models.DateField()
    label_delay_days = models.PositiveSmallIntegerField()
    # Select-then-refit (`fraud_train --as-of`): train/validation above are
    # the most recent selection fold; the deployed model was refit on
    # [refit_from, refit_to] with the labels known at labels_as_of.
    refit_from = models.DateField(null=True, blank=True)
    refit_to = models.DateField(null=True, blank=True)
    labels_as_of = models.DateTimeField(null=True, blank=True)
    metrics = models.JSONField(default=dict)
    tier_thresholds = models.JSONField(default=dict)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    created_at = models.DateTimeField(auto_now_add=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    # 1 while active, NULL otherwise: the unique index allows one active row.
    active_marker = models.GeneratedField(
        expression=Case(When(status="active", then=Value(1)), default=None),
        output_field=models.PositiveSmallIntegerField(null=True),
        db_persist=True,
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        permissions = [("activate_modelversion", "Can activate a model version")]
        constraints = [
            models.UniqueConstraint(
                fields=["active_marker"], name="fraud_modelversion_one_active"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "shadow", "active", "retired"]),
                name="fraud_modelversion_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(train_from__lte=models.F("train_to"))
                & Q(train_to__lt=models.F("validation_from"))
                & Q(validation_from__lte=models.F("validation_to")),
                name="fraud_modelversion_windows_ordered",
            ),
            models.CheckConstraint(
                condition=(Q(refit_from__isnull=True) & Q(refit_to__isnull=True))
                | (
                    Q(refit_from__isnull=False)
                    & Q(refit_to__isnull=False)
                    & Q(refit_from__lte=models.F("refit_to"))
                ),
                name="fraud_modelversion_refit_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.public_id} ({self.status})"


class FraudScore(models.Model):
    """One model version's score of one live authorization.

    Unique per (authorization, model version): retries and duplicate
    deliveries of the same event change nothing. Shadow versions score too,
    but only the active version's score causes actions.
    """

    authorization = models.ForeignKey(
        "cards.Authorization", on_delete=models.CASCADE, related_name="fraud_scores"
    )
    model_version = models.ForeignKey(
        ModelVersion, on_delete=models.PROTECT, related_name="scores"
    )
    score = models.FloatField()
    tier = models.CharField(max_length=10)
    explanation = models.JSONField(default=list)
    is_shadow = models.BooleanField(default=False)
    event_created_at = models.DateTimeField(null=True, blank=True)
    scored_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["authorization", "model_version"],
                name="fraud_fraudscore_once_per_version",
            ),
            models.CheckConstraint(
                condition=Q(score__gte=0, score__lte=1),
                name="fraud_fraudscore_score_is_probability",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tier} {self.score:.3f}"


class FraudAction(models.Model):
    """An automatic action a score caused: each kind at most once per authorization."""

    class Kind(models.TextChoices):
        ASK_CARDHOLDER = "ask_cardholder", "Asked the cardholder: was this you?"
        OPEN_CASE = "open_case", "Opened a review case"
        FREEZE_CARD = "freeze_card", "Froze the card"
        ALERT = "alert", "Alerted cardholder and partner"
        FLAG = "flag", "Flagged for attention"
        DECLINE_NEXT = "decline_next", "Put the card under review (next declined)"

    authorization = models.ForeignKey(
        "cards.Authorization", on_delete=models.CASCADE, related_name="fraud_actions"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    score = models.ForeignKey(FraudScore, on_delete=models.PROTECT, related_name="+")
    rule = models.ForeignKey(
        "fraud.Rule",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="actions",
        help_text="The rule that caused it; empty when the model's tier did.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["authorization", "kind"], name="fraud_fraudaction_once_per_kind"
            )
        ]

    def __str__(self) -> str:
        return self.get_kind_display()


class FraudAlert(models.Model):
    """A "was this you?" question to the cardholder about one authorization."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for the cardholder"
        GENUINE = "genuine", "Cardholder: it was me"
        FRAUD = "fraud", "Cardholder: it was not me"

    authorization = models.OneToOneField(
        "cards.Authorization", on_delete=models.CASCADE, related_name="fraud_alert"
    )
    card = models.ForeignKey(
        "cards.Card", on_delete=models.CASCADE, related_name="fraud_alerts"
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"alert {self.status}"


class ReviewCase(models.Model):
    """A case for a fraud analyst about one scored authorization."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_REVIEW = "in_review", "In review"
        CLOSED = "closed", "Closed"

    class Outcome(models.TextChoices):
        CONFIRMED_FRAUD = "confirmed_fraud", "Confirmed fraud"
        LEGITIMATE = "legitimate", "Legitimate"
        INCONCLUSIVE = "inconclusive", "Inconclusive"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    authorization = models.OneToOneField(
        "cards.Authorization", on_delete=models.PROTECT, related_name="review_case"
    )
    card = models.ForeignKey(
        "cards.Card", on_delete=models.PROTECT, related_name="review_cases"
    )
    score = models.ForeignKey(FraudScore, on_delete=models.PROTECT, related_name="+")
    tier = models.CharField(max_length=10)
    priority = models.PositiveSmallIntegerField(help_text="1 is the most urgent.")
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.OPEN
    )
    sla_due_at = models.DateTimeField(db_index=True)
    assigned_to = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="review_cases",
    )
    is_escalated = models.BooleanField(
        default=False, help_text="Sent up to the supervisors' queue."
    )
    related_authorizations: "models.ManyToManyField[Authorization, ReviewCaseTransaction]" = models.ManyToManyField(  # noqa: E501
        "cards.Authorization",
        through="ReviewCaseTransaction",
        related_name="+",
        blank=True,
    )
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    outcome_reason = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["priority", "sla_due_at"]
        permissions = [
            ("work_reviewcase", "Can claim and decide review cases"),
            ("assign_reviewcase", "Can assign and reopen review cases"),
        ]
        indexes = [models.Index(fields=["status", "priority", "sla_due_at"])]

    def __str__(self) -> str:
        return f"case {self.public_id} ({self.tier})"


class ReviewCaseNote(models.Model):
    """An analyst's note on a case; notes are only ever added."""

    case = models.ForeignKey(ReviewCase, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"note by {self.author} at {self.created_at:%Y-%m-%d %H:%M}"


class ReviewCaseTransaction(models.Model):
    """Another authorization of the card an analyst tied to the case.

    A confirmed-fraud verdict covers these as well as the case's own.
    """

    case = models.ForeignKey(ReviewCase, on_delete=models.CASCADE, related_name="+")
    authorization = models.ForeignKey(
        "cards.Authorization", on_delete=models.PROTECT, related_name="+"
    )
    attached_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, related_name="+"
    )
    attached_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case", "authorization"],
                name="fraud_reviewcasetransaction_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.authorization} on {self.case}"


class Rule(models.Model):
    """A staff rule: when every condition holds, take the action (or, in
    shadow mode, only record that it would have)."""

    class Action(models.TextChoices):
        FLAG = "flag", "Flag"
        CASE = "case", "Open a review case"
        FREEZE = "freeze", "Freeze the card"
        DECLINE_NEXT = "decline_next", "Decline the next authorization (59)"

    class Mode(models.TextChoices):
        SHADOW = "shadow", "Shadow (record hits only)"
        ACTIVE = "active", "Active"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=100, unique=True)
    conditions = models.JSONField(
        help_text='1-3 conditions, ANDed: [{"feature": "amount", '
        '"operator": ">=", "threshold": 500}]'
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.SHADOW)
    created_by = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=["flag", "case", "freeze", "decline_next"]),
                name="fraud_rule_action_valid",
            ),
            models.CheckConstraint(
                condition=Q(mode__in=["shadow", "active"]),
                name="fraud_rule_mode_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RuleHit(models.Model):
    """A rule matched an authorization: recorded once, shadow or active."""

    authorization = models.ForeignKey(
        "cards.Authorization", on_delete=models.CASCADE, related_name="rule_hits"
    )
    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="hits")
    is_shadow = models.BooleanField()
    features = models.JSONField(
        default=dict, help_text="The values of the features the rule reads."
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["authorization", "rule"], name="fraud_rulehit_once_per_rule"
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule} hit"


class BatchScoringJob(models.Model):
    """A CSV of transactions (import format) scored offline by a Celery task."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    upload = models.FileField(upload_to="fraud/batches/uploads/")
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    rows_invalid = models.PositiveIntegerField(default=0)
    result = models.FileField(upload_to="fraud/batches/results/", blank=True)
    model_version = models.ForeignKey(
        ModelVersion,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="batch_jobs",
    )
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(
        "accounts.User",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "done", "failed"]),
                name="fraud_batchscoringjob_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(rows_done__lte=models.F("rows_total")),
                name="fraud_batchscoringjob_done_within_total",
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | ~Q(result=""),
                name="fraud_batchscoringjob_done_has_result",
            ),
        ]

    def __str__(self) -> str:
        return f"batch {self.public_id} ({self.status})"

    @property
    def percent_done(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return 100 * self.rows_done // self.rows_total if self.rows_total else 0
