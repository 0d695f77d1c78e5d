"""Posting balanced journal entries and reversing them."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from issuer.kernel.db import atomic_with_retry
from issuer.kernel.errors import InvalidInput
from issuer.kernel.money import validate_amount
from ledger.errors import (
    AlreadyReversed,
    IdempotencyMismatch,
    MixedCurrency,
    UnbalancedEntry,
)
from ledger.models import (
    JournalEntry,
    LedgerAccount,
    LedgerHold,
    Posting,
    Side,
    UnsettledCredit,
)
from ledger.totals import TotalsChange, apply_totals


@dataclass(frozen=True)
class Leg:
    """One side of an entry to be posted."""

    account: LedgerAccount
    side: str
    amount: int


def debit(account: LedgerAccount, amount: int) -> Leg:
    return Leg(account=account, side=Side.DEBIT, amount=amount)


def credit(account: LedgerAccount, amount: int) -> Leg:
    return Leg(account=account, side=Side.CREDIT, amount=amount)


def validate_legs(legs: Sequence[Leg]) -> None:
    """Two or more legs, positive integer amounts, balanced per currency."""
    if len(legs) < 2:
        raise UnbalancedEntry.for_field("postings", "An entry needs two or more legs.")
    net: dict[str, int] = defaultdict(int)
    for index, leg in enumerate(legs):
        validate_amount(leg.amount, field=f"postings[{index}].amount")
        if leg.side not in Side.values:
            raise InvalidInput.for_field(f"postings[{index}].side", "Must be D or C.")
        net[leg.account.currency] += (
            leg.amount if leg.side == Side.DEBIT else -leg.amount
        )
    unbalanced = {currency: total for currency, total in net.items() if total}
    if unbalanced and len(net) > 1:
        raise MixedCurrency.for_field(
            "postings",
            "Debits and credits must balance within each currency; "
            f"off by {unbalanced}.",
        )
    if unbalanced:
        raise UnbalancedEntry.for_field(
            "postings", f"Debits and credits differ by {unbalanced}."
        )


def _signature(legs: Sequence[tuple[int, str, int]]) -> list[tuple[int, str, int]]:
    return sorted(legs)


def _existing_entry(
    *, idempotency_key: str, kind: str, legs: Sequence[Leg]
) -> JournalEntry | None:
    entry = JournalEntry.objects.filter(idempotency_key=idempotency_key).first()
    if entry is None:
        return None
    stored = entry.postings.values_list("account_id", "side", "amount")
    asked = [(leg.account.pk, leg.side, leg.amount) for leg in legs]
    if entry.kind != kind or _signature(list(stored)) != _signature(asked):
        raise IdempotencyMismatch(
            f"Idempotency key {idempotency_key!r} was used for another entry.",
            fields={"idempotency_key": ["Already used for a different entry."]},
        )
    return entry


def record_entry(
    *,
    legs: Sequence[Leg],
    kind: str,
    idempotency_key: str,
    totals: TotalsChange,
    effective_at: datetime | None = None,
    description: str = "",
    external_ref: str = "",
    hold: LedgerHold | None = None,
    reverses: JournalEntry | None = None,
    is_forced: bool = False,
) -> JournalEntry:
    """Insert an entry and its postings and stage their posted totals.

    The caller validates `legs`, holds the transaction and applies `totals`.
    """
    effective_at = effective_at or timezone.now()
    entry = JournalEntry.objects.create(
        kind=kind,
        description=description,
        effective_at=effective_at,
        external_ref=external_ref,
        idempotency_key=idempotency_key,
        hold=hold,
        reverses=reverses,
        is_forced=is_forced,
    )
    Posting.objects.bulk_create(
        Posting(
            entry=entry,
            account=leg.account,
            side=leg.side,
            amount=leg.amount,
            currency=leg.account.currency,
            effective_at=effective_at,
        )
        for leg in legs
    )
    for leg in legs:
        total = "debits_posted" if leg.side == Side.DEBIT else "credits_posted"
        totals.add(leg.account, total, leg.amount)
    return entry


@atomic_with_retry
def entry_post(
    *,
    legs: Sequence[Leg],
    kind: str,
    idempotency_key: str,
    effective_at: datetime | None = None,
    description: str = "",
    external_ref: str = "",
    forced: bool = False,
    settles_at: datetime | None = None,
) -> JournalEntry:
    """Post a balanced entry; bounded accounts are checked unless `forced`.

    With `settles_at`, each credit to a bounded account is posted but not
    spendable until it settles (an UnsettledCredit, see
    `ledger.services.credits`).
    """
    validate_legs(legs)
    existing = _existing_entry(idempotency_key=idempotency_key, kind=kind, legs=legs)
    if existing is not None:
        return existing
    totals = TotalsChange()
    entry = record_entry(
        legs=legs,
        kind=kind,
        idempotency_key=idempotency_key,
        totals=totals,
        effective_at=effective_at,
        description=description,
        external_ref=external_ref,
        is_forced=forced,
    )
    if settles_at is not None:
        _record_unsettled(entry=entry, legs=legs, settles_at=settles_at, totals=totals)
    apply_totals(totals, enforce_bounds=not forced)
    return entry


def _record_unsettled(
    *,
    entry: JournalEntry,
    legs: Sequence[Leg],
    settles_at: datetime,
    totals: TotalsChange,
) -> None:
    bounded_credits = [
        leg
        for leg in legs
        if leg.side == Side.CREDIT and leg.account.debits_must_not_exceed_credits
    ]
    if len(bounded_credits) != 1:
        raise InvalidInput.for_field(
            "settles_at", "Only an entry crediting one bounded account can settle."
        )
    [leg] = bounded_credits
    shard = totals.add(leg.account, "credits_unsettled", leg.amount)
    UnsettledCredit.objects.create(
        entry=entry,
        account=leg.account,
        shard=shard,
        amount=leg.amount,
        settles_at=settles_at,
    )


@atomic_with_retry
def entry_reverse(
    *, entry: JournalEntry, idempotency_key: str, description: str = ""
) -> JournalEntry:
    """Post the mirror image of `entry`. Undoing is never refused by a bound,
    so the reversal is recorded as forced."""
    existing = JournalEntry.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None:
        if existing.reverses_id != entry.pk:
            raise IdempotencyMismatch(
                f"Idempotency key {idempotency_key!r} was used for another entry.",
                fields={"idempotency_key": ["Already used for a different entry."]},
            )
        return existing
    if JournalEntry.objects.filter(reverses=entry).exists():
        raise AlreadyReversed(f"Entry {entry.public_id} is already reversed.")
    if entry.reverses_id is not None:
        raise AlreadyReversed("A reversal cannot itself be reversed; post anew.")
    legs = [
        Leg(
            account=posting.account,
            side=Side.CREDIT if posting.side == Side.DEBIT else Side.DEBIT,
            amount=posting.amount,
        )
        for posting in entry.postings.select_related("account")
    ]
    totals = TotalsChange()
    reversal = record_entry(
        legs=legs,
        kind=entry.kind,
        idempotency_key=idempotency_key,
        totals=totals,
        description=description or f"Reversal of {entry.public_id}",
        external_ref=entry.external_ref,
        reverses=entry,
        is_forced=True,
    )
    apply_totals(totals, enforce_bounds=False)
    return reversal
