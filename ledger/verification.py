"""The ledger's global invariants, each checked with set-based queries.

Each check yields one human-readable line per breach; no line means it holds.
"""

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Sum,
    When,
)

from ledger.models import (
    HoldRelease,
    JournalEntry,
    LedgerAccount,
    LedgerBalance,
    LedgerHold,
    Posting,
    Side,
    UnsettledCredit,
)

_SIGNED_AMOUNT = Case(
    When(side=Side.DEBIT, then=F("amount")),
    default=-F("amount"),
    output_field=IntegerField(),
)


def entries_balance() -> Iterator[str]:
    """Every entry has two or more postings and balances per currency."""
    unbalanced = (
        Posting.objects.values("entry_id", "currency")
        .annotate(net=Sum(_SIGNED_AMOUNT))
        .exclude(net=0)
        .order_by("entry_id")
    )
    for row in unbalanced:
        yield (
            f"entry {row['entry_id']} does not balance in {row['currency']}: "
            f"debits - credits = {row['net']}"
        )
    thin = (
        JournalEntry.objects.annotate(legs=Count("postings"))
        .filter(legs__lt=2)
        .values_list("pk", "legs")
    )
    for entry_id, legs in thin:
        yield f"entry {entry_id} has {legs} posting(s); two or more are required"
    foreign = Posting.objects.exclude(currency=F("account__currency")).values_list(
        "pk", "currency", "account__currency"
    )
    for posting_id, currency, account_currency in foreign:
        yield (f"posting {posting_id} is in {currency} on a {account_currency} account")


def totals_match_history() -> Iterator[str]:
    """Running totals equal the sums of postings (per account) and of pending
    holds (per shard)."""
    stored: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    stored_pending: dict[tuple[int, int], tuple[int, int]] = {}
    for balance in LedgerBalance.objects.all():
        totals = stored[balance.account_id]
        totals["debits_posted"] += balance.debits_posted
        totals["credits_posted"] += balance.credits_posted
        stored_pending[(balance.account_id, balance.shard)] = (
            balance.debits_pending,
            balance.credits_pending,
        )

    posted: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for account_id, side, total in (
        Posting.objects.values("account_id", "side")
        .annotate(total=Sum("amount"))
        .values_list("account_id", "side", "total")
    ):
        name = "debits_posted" if side == Side.DEBIT else "credits_posted"
        posted[account_id][name] = total
    for account_id in sorted(set(stored) | set(posted)):
        for name in ("debits_posted", "credits_posted"):
            if stored[account_id][name] != posted[account_id][name]:
                yield (
                    f"account {account_id} {name} is {stored[account_id][name]} "
                    f"but its postings sum to {posted[account_id][name]}"
                )

    pending: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    open_holds = LedgerHold.objects.filter(pending_amount__gt=0)
    for column, (account_field, shard_field) in enumerate(
        (("debit_account_id", "debit_shard"), ("credit_account_id", "credit_shard"))
    ):
        for account_id, shard, total in (
            open_holds.values(account_field, shard_field)
            .annotate(total=Sum("pending_amount"))
            .values_list(account_field, shard_field, "total")
        ):
            pending[(account_id, shard)][column] = int(total)
    for key in sorted(set(stored_pending) | set(pending)):
        have = stored_pending.get(key, (0, 0))
        want = tuple(pending.get(key, [0, 0]))
        if have != want:
            yield (
                f"account {key[0]} shard {key[1]} pending (debits, credits) is "
                f"{have} but its open holds sum to {want}"
            )


def bounds_respected() -> Iterator[str]:
    """No bounded account is beyond its bound, except by forced debits."""
    forced_debits = dict(
        Posting.objects.filter(
            account__debits_must_not_exceed_credits=True,
            side=Side.DEBIT,
            entry__is_forced=True,
        )
        .values("account_id")
        .annotate(total=Sum("amount"))
        .values_list("account_id", "total")
    )
    bounded = (
        LedgerAccount.objects.filter(debits_must_not_exceed_credits=True)
        .annotate(
            debits_posted=Sum("balances__debits_posted"),
            debits_pending=Sum("balances__debits_pending"),
            credits_posted=Sum("balances__credits_posted"),
            credits_unsettled=Sum("balances__credits_unsettled"),
        )
        .values_list(
            "pk",
            "code",
            "debit_limit",
            "debits_posted",
            "debits_pending",
            "credits_posted",
            "credits_unsettled",
        )
    )
    for pk, code, limit, debits, pending, credits, unsettled in bounded:
        # Unsettled credits are not spendable: they do not lift the bound.
        spendable_credits = (credits or 0) - (unsettled or 0)
        excess = (debits or 0) + (pending or 0) - spendable_credits - limit
        allowed = forced_debits.get(pk, 0)
        if excess > allowed:
            yield (
                f"account {code} is {excess} beyond its limit {limit}; "
                f"forced debits explain only {allowed}"
            )


def unsettled_credits_match() -> Iterator[str]:
    """Each balance's credits_unsettled equals its open unsettled credits, and
    each unsettled credit is one credit posting of its entry on its account."""
    stored = {
        (account_id, shard): unsettled
        for account_id, shard, unsettled in LedgerBalance.objects.filter(
            credits_unsettled__gt=0
        ).values_list("account_id", "shard", "credits_unsettled")
    }
    open_credits = {
        (account_id, shard): int(total)
        for account_id, shard, total in UnsettledCredit.objects.filter(
            status=UnsettledCredit.Status.UNSETTLED
        )
        .values("account_id", "shard")
        .annotate(total=Sum("amount"))
        .values_list("account_id", "shard", "total")
    }
    for key in sorted(set(stored) | set(open_credits)):
        have, want = stored.get(key, 0), open_credits.get(key, 0)
        if have != want:
            yield (
                f"account {key[0]} shard {key[1]} credits_unsettled is {have} "
                f"but its unsettled credits sum to {want}"
            )
    matching_posting = Posting.objects.filter(
        entry_id=OuterRef("entry_id"),
        account_id=OuterRef("account_id"),
        side=Side.CREDIT,
        amount=OuterRef("amount"),
    )
    unmatched = UnsettledCredit.objects.filter(~Exists(matching_posting)).values_list(
        "pk", flat=True
    )
    for pk in unmatched:
        yield f"unsettled credit {pk} has no matching credit posting on its account"


def holds_consistent() -> Iterator[str]:
    """A hold's status, pending, released and posted amounts agree."""
    released = dict(
        HoldRelease.objects.values("hold_id")
        .annotate(total=Sum("amount"))
        .values_list("hold_id", "total")
    )
    posted = dict(
        Posting.objects.filter(entry__hold__isnull=False, side=Side.DEBIT)
        .values("entry__hold_id")
        .annotate(total=Sum("amount"))
        .values_list("entry__hold_id", "total")
    )
    rows = LedgerHold.objects.values_list(
        "pk", "status", "amount", "pending_amount", "posted_amount", "closed_at"
    )
    for pk, status, amount, pending, posted_amount, closed_at in rows.iterator():
        is_pending = status == LedgerHold.Status.PENDING
        if is_pending != (pending > 0) or is_pending != (closed_at is None):
            yield f"hold {pk} is {status} with {pending} pending"
        if posted_amount != posted.get(pk, 0):
            yield (
                f"hold {pk} says {posted_amount} posted but its entries post "
                f"{posted.get(pk, 0)}"
            )
        consumed = amount - pending - released.get(pk, 0)
        if not 0 <= consumed <= posted_amount:
            yield (
                f"hold {pk}: amount {amount} = pending {pending} + released "
                f"{released.get(pk, 0)} + consumed {consumed} does not add up"
            )


@dataclass(frozen=True)
class Check:
    name: str
    run: Callable[[], Iterator[str]]


CHECKS = (
    Check("entries balance", entries_balance),
    Check("running totals match history", totals_match_history),
    Check("bounded accounts within limits", bounds_respected),
    Check("holds consistent", holds_consistent),
    Check("unsettled credits match their totals", unsettled_credits_match),
)

# Checks that apps above the ledger register (in `AppConfig.ready`) for
# what they derive from it, e.g. statements equal the ledger at their
# cut-off: `ledger_verify` runs them too. The ledger imports none of them.
_REGISTERED: dict[str, Check] = {}


def check_register(check: Check) -> None:
    """Have `ledger_verify` also run `check` (once per name)."""
    _REGISTERED[check.name] = check


def ledger_breaches() -> Iterator[str]:
    for check in (*CHECKS, *_REGISTERED.values()):
        for breach in check.run():
            yield f"{check.name}: {breach}"
