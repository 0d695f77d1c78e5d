"""Billing: statements, payments and what happened at each due date.

- Statement: one closed billing cycle of a credit account, immutable once
  written; unique per (account, period end). Its arithmetic reconciles with
  the ledger: previous balance + purchases + fees + interest - payments and
  credits = new balance = the receivable's posted balance at its cut-off
  (`cutoff_at`, the end of the period's last day in the account's billing
  time zone) as known when it closed (entries up to `last_entry_id`).
  Every posting lands on exactly one statement: the first one whose cut-off
  is after its effective time and that closed after it was posted. So a
  posting dated into an already closed period (late clearing, a refund, a
  dispute credit) lands on the open cycle; `statement_breaches` proves it.
- Payment: money received for an account, credited as of its receipt;
  spendable only once it settles (`settles_at`, PAYMENT_SETTLEMENT_DAYS
  later: until then the ledger counts it as an unsettled credit); at most
  what is owed plus PAYMENT_CREDIT_BALANCE_ALLOWANCE. A returned payment is
  reversed in the ledger (and may carry a fee) and takes back exactly what
  it made spendable.
- DueDateAssessment: what the billing batch found when a statement's due
  date passed (paid by then, minimum met, late fee posted); one per
  statement, so re-running the batch changes nothing.
"""

import uuid

from django.db import models
from django.db.models import Q

from accounts.models.credit import CreditAccount


class Statement(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    account = models.ForeignKey(
        CreditAccount, on_delete=models.PROTECT, related_name="statements"
    )
    currency = models.CharField(max_length=3)
    period_start = models.DateField()
    period_end = models.DateField()
    days_in_cycle = models.PositiveSmallIntegerField()
    previous_balance = models.BigIntegerField()
    purchases = models.BigIntegerField()
    payments = models.BigIntegerField(help_text="Payments and other credits.")
    fees = models.BigIntegerField()
    interest = models.BigIntegerField()
    new_balance = models.BigIntegerField()
    credit_limit = models.BigIntegerField()
    available_credit = models.BigIntegerField()
    minimum_payment = models.BigIntegerField()
    past_due = models.BigIntegerField(default=0)
    due_date = models.DateField()
    apr_bps = models.PositiveIntegerField()
    average_daily_balance = models.BigIntegerField()
    is_grace_applied = models.BooleanField(
        help_text="The previous statement was paid in full by its due date: "
        "no interest on purchases."
    )
    minimum_only_months = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Months to pay off paying only the minimum; empty if never.",
    )
    minimum_only_total = models.BigIntegerField(null=True, blank=True)
    three_year_payment = models.BigIntegerField(
        null=True, blank=True, help_text="Monthly payment that pays off in 3 years."
    )
    three_year_total = models.BigIntegerField(null=True, blank=True)
    interest_entry = models.OneToOneField(
        "ledger.JournalEntry",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    cutoff_at = models.DateTimeField(
        help_text="End of the period's last day in the billing time zone: the "
        "statement holds postings effective before it."
    )
    last_entry_id = models.BigIntegerField(
        help_text="The newest journal entry on the receivable when the cycle "
        "closed: entries after it land on a later statement, whatever their "
        "effective time."
    )
    closed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period_end"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "period_end"], name="accounts_statement_once"
            ),
            models.CheckConstraint(
                condition=Q(
                    new_balance=models.F("previous_balance")
                    + models.F("purchases")
                    + models.F("fees")
                    + models.F("interest")
                    - models.F("payments")
                ),
                name="accounts_statement_reconciles",
            ),
            models.CheckConstraint(
                condition=Q(minimum_payment__gte=0, interest__gte=0, fees__gte=0),
                name="accounts_statement_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")),
                name="accounts_statement_period_ordered",
            ),
            models.CheckConstraint(
                condition=Q(last_entry_id__gte=0),
                name="accounts_statement_last_entry_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"Statement {self.period_start} to {self.period_end}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError("Statements are immutable once closed.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class Payment(models.Model):
    class Source(models.TextChoices):
        API = "api", "Partner API"
        PORTAL = "portal", "Cardholder portal"
        ADMIN = "admin", "Staff"
        AUTOPAY = "autopay", "Autopay"

    class Status(models.TextChoices):
        POSTED = "posted", "Posted"
        RETURNED = "returned", "Returned"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    account = models.ForeignKey(
        CreditAccount, on_delete=models.PROTECT, related_name="payments"
    )
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    source = models.CharField(max_length=10, choices=Source.choices)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.POSTED
    )
    received_at = models.DateTimeField()
    settles_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the payment becomes spendable (its return window ends).",
    )
    settled_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When it became spendable; empty while pending.",
    )
    entry = models.OneToOneField(
        "ledger.JournalEntry", on_delete=models.PROTECT, related_name="+"
    )
    returned_at = models.DateTimeField(null=True, blank=True)
    return_reason = models.CharField(max_length=255, blank=True)
    return_entry = models.OneToOneField(
        "ledger.JournalEntry",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        permissions = [("return_payment", "Can mark payments returned by the bank")]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="accounts_payment_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(status="posted", return_entry__isnull=True)
                | Q(status="returned", return_entry__isnull=False),
                name="accounts_payment_return_has_entry",
            ),
        ]

    def __str__(self) -> str:
        return f"Payment {self.amount} {self.currency} ({self.status})"

    @property
    def is_pending_settlement(self) -> bool:
        """Posted but not spendable yet."""
        return self.status == self.Status.POSTED and self.settled_at is None


class DueDateAssessment(models.Model):
    statement = models.OneToOneField(
        Statement, on_delete=models.PROTECT, related_name="assessment"
    )
    paid_by_due_date = models.BigIntegerField()
    is_minimum_met = models.BooleanField()
    late_fee_entry = models.OneToOneField(
        "ledger.JournalEntry",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    assessed_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        met = "met" if self.is_minimum_met else "missed"
        return f"Minimum {met} for {self.statement}"
