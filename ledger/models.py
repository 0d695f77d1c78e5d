"""The double-entry engine. It knows nothing of cards or cardholders.

Entities
- LedgerAccount: a named account in one currency with a type (asset,
  liability, income, expense, equity) and a normal side. An account may be
  bounded: `debits_must_not_exceed_credits` with a `debit_limit` means
  debits posted + debits pending <= credits posted + debit_limit (a credit
  line), unless an entry is recorded as forced.
- LedgerBalance: the running totals of an account (debits/credits, posted/
  pending), as TigerBeetle keeps them, so a balance is O(1). A hot account
  (merchant settlement, income) spreads its totals over several shard rows
  so concurrent writers do not queue on one row; its balance is the sum of
  its shards. A bounded account has exactly one shard (its lock).
- JournalEntry: immutable; two or more Postings; per currency, debits equal
  credits. A correction is a new entry that `reverses` the old one.
- Posting: one side (debit or credit) of an entry on one account, amount > 0
  in minor units.
- LedgerHold: a two-phase pending transfer. Created pending; then posted
  (full, partial, repeated, above the pending amount), voided or expired.
  `pending_amount` is what it still holds; it is > 0 exactly while the hold
  is pending.
- HoldRelease: a void or an expiry of (part of) a hold's pending amount.
- UnsettledCredit: a posted credit to a bounded account that is not yet
  spendable (a payment inside its settlement/return window). Its amount is
  counted in the balance's `credits_unsettled` until it settles (becomes
  spendable) or is withdrawn (the credit came back). The bound reads
  debits posted + debits pending <= credits posted - credits unsettled +
  debit_limit, so an unsettled credit never raises what may be spent.

Invariants (checked by `manage.py ledger_verify`)
- every entry balances per currency and has >= 2 postings;
- running totals equal the sums of postings, of pending holds and of
  unsettled credits;
- no bounded account is beyond its bound except through forced entries;
- a hold's amounts are consistent with its status.
Every money-moving service is idempotent on a caller-supplied key.
"""

import uuid

from django.db import models
from django.db.models import F, Q

from issuer.kernel.fields import ExactCharField


class Side(models.TextChoices):
    DEBIT = "D", "Debit"
    CREDIT = "C", "Credit"


class LedgerAccount(models.Model):
    class Type(models.TextChoices):
        ASSET = "asset", "Asset"
        LIABILITY = "liability", "Liability"
        INCOME = "income", "Income"
        EXPENSE = "expense", "Expense"
        EQUITY = "equity", "Equity"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    type = models.CharField(max_length=10, choices=Type.choices)
    normal_side = models.CharField(max_length=1, choices=Side.choices)
    currency = models.CharField(max_length=3)
    debits_must_not_exceed_credits = models.BooleanField(default=False)
    debit_limit = models.BigIntegerField(default=0)
    shard_count = models.PositiveSmallIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(shard_count__gte=1, shard_count__lte=64),
                name="ledger_ledgeraccount_shard_count_range",
            ),
            models.CheckConstraint(
                condition=Q(debits_must_not_exceed_credits=False) | Q(shard_count=1),
                name="ledger_ledgeraccount_bounded_has_one_shard",
            ),
            models.CheckConstraint(
                condition=Q(debit_limit__gte=0),
                name="ledger_ledgeraccount_debit_limit_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} ({self.currency})"


class LedgerBalance(models.Model):
    account = models.ForeignKey(
        LedgerAccount, on_delete=models.PROTECT, related_name="balances"
    )
    shard = models.PositiveSmallIntegerField(default=0)
    debits_posted = models.BigIntegerField(default=0)
    credits_posted = models.BigIntegerField(default=0)
    debits_pending = models.BigIntegerField(default=0)
    credits_pending = models.BigIntegerField(default=0)
    credits_unsettled = models.BigIntegerField(
        default=0,
        help_text="Posted credits not spendable yet (see UnsettledCredit).",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "shard"], name="ledger_ledgerbalance_account_shard"
            ),
            models.CheckConstraint(
                condition=Q(
                    debits_posted__gte=0,
                    credits_posted__gte=0,
                    debits_pending__gte=0,
                    credits_pending__gte=0,
                ),
                name="ledger_ledgerbalance_totals_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(
                    credits_unsettled__gte=0,
                    credits_unsettled__lte=F("credits_posted"),
                ),
                name="ledger_ledgerbalance_unsettled_within_credits",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id}#{self.shard}"


class JournalEntry(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=40)
    description = models.CharField(max_length=255, blank=True)
    effective_at = models.DateTimeField()
    external_ref = models.CharField(max_length=100, blank=True, db_index=True)
    idempotency_key = ExactCharField(max_length=150, null=True, unique=True)
    hold = models.ForeignKey(
        "LedgerHold",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entries",
    )
    reverses = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
    )
    is_forced = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name_plural = "journal entries"
        indexes = [models.Index(fields=["kind", "effective_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.public_id}"


class Posting(models.Model):
    entry = models.ForeignKey(
        JournalEntry, on_delete=models.PROTECT, related_name="postings"
    )
    account = models.ForeignKey(
        LedgerAccount, on_delete=models.PROTECT, related_name="postings"
    )
    side = models.CharField(max_length=1, choices=Side.choices)
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    effective_at = models.DateTimeField(
        help_text="The entry's effective time, copied so an account's postings "
        "in a period are one index range."
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="ledger_posting_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(side__in=Side.values), name="ledger_posting_side_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["account", "entry"]),
            models.Index(fields=["account", "effective_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.side} {self.amount} {self.currency} on {self.account_id}"


class LedgerHold(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        POSTED = "posted", "Posted"
        VOIDED = "voided", "Voided"
        EXPIRED = "expired", "Expired"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    debit_account = models.ForeignKey(
        LedgerAccount, on_delete=models.PROTECT, related_name="debit_holds"
    )
    credit_account = models.ForeignKey(
        LedgerAccount, on_delete=models.PROTECT, related_name="credit_holds"
    )
    debit_shard = models.PositiveSmallIntegerField(default=0)
    credit_shard = models.PositiveSmallIntegerField(default=0)
    currency = models.CharField(max_length=3)
    amount = models.BigIntegerField()
    pending_amount = models.BigIntegerField()
    posted_amount = models.BigIntegerField(default=0)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING
    )
    idempotency_key = ExactCharField(max_length=150, unique=True)
    description = models.CharField(max_length=255, blank=True)
    expires_at = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="ledger_ledgerhold_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(pending_amount__gte=0, pending_amount__lte=F("amount")),
                name="ledger_ledgerhold_pending_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(posted_amount__gte=0),
                name="ledger_ledgerhold_posted_not_negative",
            ),
            models.CheckConstraint(
                condition=(
                    Q(status="pending", pending_amount__gt=0, closed_at__isnull=True)
                    | Q(
                        status__in=["posted", "voided", "expired"],
                        pending_amount=0,
                        closed_at__isnull=False,
                    )
                ),
                name="ledger_ledgerhold_status_matches_amounts",
            ),
        ]
        indexes = [models.Index(fields=["status", "expires_at"])]

    def __str__(self) -> str:
        return f"hold {self.public_id} {self.status} {self.pending_amount}"


class HoldRelease(models.Model):
    class Reason(models.TextChoices):
        VOID = "void", "Voided"
        EXPIRY = "expiry", "Expired"
        FINAL_POST = "final_post", "Released by the final posting"

    hold = models.ForeignKey(
        LedgerHold, on_delete=models.PROTECT, related_name="releases"
    )
    amount = models.BigIntegerField()
    reason = models.CharField(max_length=10, choices=Reason.choices)
    idempotency_key = ExactCharField(max_length=150, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="ledger_holdrelease_amount_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reason} {self.amount} of {self.hold_id}"


class UnsettledCredit(models.Model):
    """A posted credit to a bounded account, not spendable until it settles."""

    class Status(models.TextChoices):
        UNSETTLED = "unsettled", "Unsettled"
        SETTLED = "settled", "Settled"
        WITHDRAWN = "withdrawn", "Withdrawn before settling"

    entry = models.OneToOneField(
        JournalEntry, on_delete=models.PROTECT, related_name="unsettled_credit"
    )
    account = models.ForeignKey(
        LedgerAccount, on_delete=models.PROTECT, related_name="unsettled_credits"
    )
    shard = models.PositiveSmallIntegerField(default=0)
    amount = models.BigIntegerField()
    settles_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.UNSETTLED
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="ledger_unsettledcredit_amount_positive",
            ),
            models.CheckConstraint(
                condition=Q(status="unsettled", closed_at__isnull=True)
                | Q(status__in=["settled", "withdrawn"], closed_at__isnull=False),
                name="ledger_unsettledcredit_status_matches_closed",
            ),
        ]
        indexes = [models.Index(fields=["status", "settles_at"])]

    def __str__(self) -> str:
        return f"unsettled credit {self.amount} on {self.account_id} ({self.status})"
