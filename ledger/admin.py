"""Read-only ledger admin: entries with postings, accounts with balances, holds."""

from django.contrib import admin
from django.db.models import QuerySet, Sum
from django.http import HttpRequest

from issuer.kernel.admin import ReadOnlyAdmin, ReadOnlyInline
from issuer.kernel.money import format_money
from ledger.models import (
    HoldRelease,
    JournalEntry,
    LedgerAccount,
    LedgerBalance,
    LedgerHold,
    Posting,
)


class PostingInline(ReadOnlyInline):
    model = Posting
    fields = ("account", "side", "amount", "currency")
    readonly_fields = fields


class BalanceInline(ReadOnlyInline):
    model = LedgerBalance
    fields = (
        "shard",
        "debits_posted",
        "credits_posted",
        "debits_pending",
        "credits_pending",
        "credits_unsettled",
    )
    readonly_fields = fields


@admin.register(LedgerAccount)
class LedgerAccountAdmin(ReadOnlyAdmin):
    list_display = (
        "code",
        "type",
        "currency",
        "posted_balance",
        "pending_balance",
        "debit_limit",
        "shard_count",
    )
    list_filter = ("type", "currency", "debits_must_not_exceed_credits")
    search_fields = ("code", "name", "public_id")
    inlines = [BalanceInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[LedgerAccount]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                sum_debits_posted=Sum("balances__debits_posted"),
                sum_credits_posted=Sum("balances__credits_posted"),
                sum_debits_pending=Sum("balances__debits_pending"),
                sum_credits_pending=Sum("balances__credits_pending"),
            )
        )

    @admin.display(description="Posted balance")
    def posted_balance(self, account: LedgerAccount) -> str:
        net = (account.sum_debits_posted or 0) - (account.sum_credits_posted or 0)  # type: ignore[attr-defined]
        sign = 1 if account.normal_side == "D" else -1
        return format_money(sign * net, account.currency)

    @admin.display(description="Pending")
    def pending_balance(self, account: LedgerAccount) -> str:
        net = (account.sum_debits_pending or 0) - (account.sum_credits_pending or 0)  # type: ignore[attr-defined]
        sign = 1 if account.normal_side == "D" else -1
        return format_money(sign * net, account.currency)


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyAdmin):
    list_display = ("public_id", "kind", "effective_at", "is_forced", "external_ref")
    list_filter = ("kind", "is_forced", "effective_at")
    search_fields = (
        "public_id",
        "external_ref",
        "idempotency_key",
        "postings__account__code",
    )
    date_hierarchy = "effective_at"
    inlines = [PostingInline]
    list_select_related = True


@admin.register(Posting)
class PostingAdmin(ReadOnlyAdmin):
    list_display = ("entry", "account", "side", "amount", "currency")
    list_filter = ("side", "currency", "entry__kind")
    search_fields = ("account__code", "entry__public_id")
    list_select_related = ("entry", "account")
    raw_id_fields = ("entry", "account")


class HoldReleaseInline(ReadOnlyInline):
    model = HoldRelease
    fields = ("reason", "amount", "created_at")
    readonly_fields = fields


@admin.register(LedgerHold)
class LedgerHoldAdmin(ReadOnlyAdmin):
    list_display = (
        "public_id",
        "status",
        "amount",
        "pending_amount",
        "posted_amount",
        "currency",
        "expires_at",
    )
    list_filter = ("status", "currency", "created_at")
    search_fields = ("public_id", "debit_account__code", "idempotency_key")
    date_hierarchy = "created_at"
    list_select_related = ("debit_account", "credit_account")
    inlines = [HoldReleaseInline]
