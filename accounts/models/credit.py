"""Credit lines, their limits, scores and credit decisions."""

import uuid

from django.db import models

from accounts.models.people import Cardholder, User


class CreditAccount(models.Model):
    """A revolving credit line. Its balances live in the ledger: the receivable
    (debit normal, bounded by the credit limit) holds posted spend and holds.

    available = credit_limit - posted balance - pending holds, decided under
    a row lock on this row (see lock_objects.py).
    """

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"
        CLOSED = "closed", "Closed"
        CHARGED_OFF = "charged_off", "Charged off"

    class Autopay(models.TextChoices):
        OFF = "off", "Off"
        MINIMUM = "minimum", "Minimum payment"
        STATEMENT_BALANCE = "statement_balance", "Statement balance"
        FULL = "full", "Full current balance"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    cardholder = models.ForeignKey(
        Cardholder, on_delete=models.PROTECT, related_name="credit_accounts"
    )
    currency = models.CharField(max_length=3)
    credit_limit = models.BigIntegerField()
    apr_bps = models.PositiveIntegerField(help_text="Annual rate in basis points.")
    billing_cycle_day = models.PositiveSmallIntegerField()
    billing_time_zone = models.CharField(
        max_length=64,
        default="UTC",
        help_text="IANA zone whose days the cycles count in (the card product's "
        "or BILLING_TIME_ZONE when opened): a cycle closes once its last day "
        "has ended there.",
    )
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.ACTIVE
    )
    receivable = models.OneToOneField(
        "ledger.LedgerAccount", on_delete=models.PROTECT, related_name="+"
    )
    late_fee = models.BigIntegerField(
        default=0, help_text="Minor units, charged when a minimum goes unpaid."
    )
    returned_payment_fee = models.BigIntegerField(
        default=0, help_text="Minor units, charged when a payment comes back."
    )
    autopay = models.CharField(
        max_length=20, choices=Autopay.choices, default=Autopay.OFF
    )
    delinquent_since = models.DateField(
        null=True,
        blank=True,
        help_text="The oldest due date whose minimum is still unpaid.",
    )
    charged_off_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(credit_limit__gte=0),
                name="accounts_creditaccount_limit_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(billing_cycle_day__gte=1, billing_cycle_day__lte=28),
                name="accounts_creditaccount_cycle_day_range",
            ),
            models.CheckConstraint(
                condition=models.Q(late_fee__gte=0, returned_payment_fee__gte=0),
                name="accounts_creditaccount_fees_not_negative",
            ),
            models.CheckConstraint(
                condition=~models.Q(billing_time_zone=""),
                name="accounts_creditaccount_billing_time_zone_named",
            ),
        ]
        permissions = [("decide_creditlimit", "Can decide credit limit changes")]

    def __str__(self) -> str:
        return f"Credit account {self.public_id}"


class CreditLimitChange(models.Model):
    """Append-only record of every credit limit change: who, why, from, to."""

    account = models.ForeignKey(
        CreditAccount, on_delete=models.PROTECT, related_name="limit_changes"
    )
    previous_limit = models.BigIntegerField()
    new_limit = models.BigIntegerField()
    actor = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.previous_limit} -> {self.new_limit}"


class CreditScore(models.Model):
    """A behavioural score of an account, with its top reason codes."""

    account = models.ForeignKey(
        CreditAccount, on_delete=models.CASCADE, related_name="scores"
    )
    score = models.PositiveSmallIntegerField()
    reasons = models.JSONField(
        default=list, help_text="Top reason codes, most important first."
    )
    trigger = models.CharField(max_length=40, blank=True)
    event_id = models.CharField(
        max_length=80,
        null=True,
        blank=True,
        help_text="The triggering event (outbox event id, or nightly:<date>): "
        "one score per account and event.",
    )
    inputs = models.JSONField(
        default=dict, blank=True, help_text="The scorecard's inputs for this score."
    )
    computed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-computed_at", "-pk"]
        get_latest_by = "computed_at"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__gte=300, score__lte=850),
                name="accounts_creditscore_score_range",
            ),
            models.UniqueConstraint(
                fields=["account", "event_id"],
                name="accounts_creditscore_once_per_event",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.score} at {self.computed_at:%Y-%m-%d}"


class CreditLimitProposal(models.Model):
    """A suggested limit change waiting for a credit officer."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        SUPERSEDED = "superseded", "Superseded"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    account = models.ForeignKey(
        CreditAccount, on_delete=models.PROTECT, related_name="limit_proposals"
    )
    current_limit = models.BigIntegerField(help_text="Minor units, when proposed.")
    proposed_limit = models.BigIntegerField(help_text="Minor units.")
    score = models.ForeignKey(
        CreditScore, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reasons = models.JSONField(default=list)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(proposed_limit__gte=0),
                name="accounts_creditlimitproposal_limit_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"limit {self.current_limit} -> {self.proposed_limit}"

    @property
    def is_increase(self) -> bool:
        return self.proposed_limit > self.current_limit


class CreditDecision(models.Model):
    """A credit officer's decision, with reasons (append-only)."""

    class Outcome(models.TextChoices):
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    account = models.ForeignKey(
        CreditAccount, on_delete=models.PROTECT, related_name="credit_decisions"
    )
    proposal = models.OneToOneField(
        CreditLimitProposal,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decision",
    )
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    previous_limit = models.BigIntegerField()
    new_limit = models.BigIntegerField()
    reason = models.CharField(max_length=255)
    cardholder_notice = models.TextField(
        blank=True, help_text="Sent to the cardholder when the limit goes down."
    )
    officer = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.outcome}: {self.previous_limit} -> {self.new_limit}"
