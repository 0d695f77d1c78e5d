"""People and the identities that reach the issuer.

- User: every login (staff in admin, cardholders in the portal). Staff are
  users with `is_staff` and one or more role groups (see `roles.py`).
- Partner: an acquirer, processor or program manager using the REST API.
- PartnerApiKey: a partner's API key, stored hashed (djangorestframework-
  api-key), with the scopes it grants. A revoked key never works again.
- Cardholder: a person with KYC data, optionally linked to a portal user.
- CreditAccount: a credit line (limit, APR, cycle day, status) owning a
  bounded receivable in the ledger whose debit limit equals the credit
  limit; both change together, under the account's row lock.
- CreditLimitChange: every limit change with who and why (append-only).
- CreditScore: one behavioural score (300-850) of an account with its top
  reason codes; the newest is the current score, the rest its history.
- CreditLimitProposal: a limit change the scorecard suggests, waiting in
  the credit review queue; at most one pending per account (a newer one
  supersedes it). Deciding it records a CreditDecision: approve or reject,
  the officer, the reasons and, for a decrease, the notice to the
  cardholder.
"""

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from rest_framework_api_key.models import AbstractAPIKey, BaseAPIKeyManager


class User(AbstractUser):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)


class Partner(models.Model):
    class Kind(models.TextChoices):
        ACQUIRER = "acquirer", "Acquirer"
        PROCESSOR = "processor", "Processor"
        PROGRAM_MANAGER = "program_manager", "Program manager"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.ACQUIRER)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Scope(models.TextChoices):
    """What a partner API key may do."""

    AUTHORIZATIONS = "authorizations", "Authorize, capture and reverse"
    REFUNDS = "refunds", "Refund"
    PAYMENTS = "payments", "Take payments"
    ACCOUNTS = "accounts", "Read accounts and statements"
    CARDS = "cards", "Manage cardholders and cards"
    WEBHOOKS = "webhooks", "Manage webhook endpoints"
    DISPUTES = "disputes", "Read disputes"


class PartnerApiKeyManager(BaseAPIKeyManager):
    def get_usable_keys(self) -> models.QuerySet["PartnerApiKey"]:
        return super().get_usable_keys().select_related("partner")


class PartnerApiKey(AbstractAPIKey):
    objects = PartnerApiKeyManager()  # type: ignore[assignment,misc]

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="keys")
    scopes = models.JSONField(default=list)

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "partner API key"
        verbose_name_plural = "partner API keys"

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


class Cardholder(models.Model):
    """A person holding credit accounts (KYC data); may log in to the portal."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.OneToOneField(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cardholder",
    )
    program_partner = models.ForeignKey(
        Partner,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cardholders",
        help_text="The program manager that enrolled this cardholder, if any.",
    )
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    address_line1 = models.CharField(max_length=200)
    address_line2 = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100)
    postal_code = models.CharField(max_length=20)
    country = models.CharField(max_length=2)
    email = models.EmailField()
    phone = models.CharField(max_length=30)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["last_name", "first_name"])]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


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

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    cardholder = models.ForeignKey(
        Cardholder, on_delete=models.PROTECT, related_name="credit_accounts"
    )
    currency = models.CharField(max_length=3)
    credit_limit = models.BigIntegerField()
    apr_bps = models.PositiveIntegerField(help_text="Annual rate in basis points.")
    billing_cycle_day = models.PositiveSmallIntegerField()
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.ACTIVE
    )
    receivable = models.OneToOneField(
        "ledger.LedgerAccount", on_delete=models.PROTECT, related_name="+"
    )
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
    computed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-computed_at", "-pk"]
        get_latest_by = "computed_at"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__gte=300, score__lte=850),
                name="accounts_creditscore_score_range",
            )
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
