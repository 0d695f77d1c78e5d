"""The billing batch: close cycles, run autopay, assess due dates, charge off.

`billing_run(account=..., as_of=D)` brings one account up to date as if
today were D, in date order: each due date on or before D runs autopay on
that day; each due date before D is assessed (minimum met, else a late fee
and delinquency); each cycle that closed on or before D gets its statement
(interest and fees posted in the ledger first); an account 180 days (by
default) past due is charged off. Every step is keyed (one statement per
period end, one assessment per statement, ledger idempotency keys), so
re-running any day changes nothing.

Days are UTC dates. A cycle closes at the end of its `billing_cycle_day`.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef

from accounts.billing_terms import (
    CHARGE_OFF,
    INTEREST,
    LATE_FEE,
    PAYMENT_KINDS,
    LineGroup,
    day_end,
    day_start,
)
from accounts.chart import CREDIT_LOSS, FEE_INCOME, INTEREST_INCOME, program_account
from accounts.lock_objects import credit_account_lock
from accounts.models import CreditAccount, DueDateAssessment, Payment, Statement
from accounts.selectors import credit_account_balance
from accounts.services.payments import credit_account_payment_post
from issuer.kernel.db import atomic_with_retry
from issuer.kernel.outbox import event_publish
from ledger.selectors import Movement, account_movements
from ledger.services.entries import credit, debit, entry_post
from ledger.statement_math import (
    MinimumPaymentTerms,
    daily_balances,
    due_date_after,
    interest_for_cycle,
    minimum_payment,
    next_close_after,
    payoff_in_three_years,
    payoff_paying_minimum,
)

AUTOPAY_TIME = time(12, 0)
BILLED_STATUSES = (
    CreditAccount.Status.ACTIVE,
    CreditAccount.Status.SUSPENDED,
    CreditAccount.Status.CLOSED,
)


def _terms() -> MinimumPaymentTerms:
    return MinimumPaymentTerms(
        floor=settings.MINIMUM_PAYMENT_FLOOR,
        percent_bps=settings.MINIMUM_PAYMENT_PERCENT_BPS,
    )


def _paid(movements: list[Movement], start: date, end: date) -> int:
    """Payments (less returned ones' reversals) effective from start to end."""
    return sum(
        -movement.debit
        for movement in movements
        if movement.kind in PAYMENT_KINDS and start <= movement.day <= end
    )


@dataclass(frozen=True)
class BillingResult:
    statements: int = 0
    late_fees: int = 0
    autopays: int = 0
    charged_off: bool = False

    def __add__(self, other: "BillingResult") -> "BillingResult":
        return BillingResult(
            statements=self.statements + other.statements,
            late_fees=self.late_fees + other.late_fees,
            autopays=self.autopays + other.autopays,
            charged_off=self.charged_off or other.charged_off,
        )


@dataclass
class _State:
    """What one account's run knows, kept up to date as its steps write."""

    account: CreditAccount
    last: Statement | None  # the newest statement
    unassessed: list[Statement]  # oldest first; at most two in practice
    autopaid: set[int] = field(default_factory=set)  # statements paid this run


@atomic_with_retry
def billing_run(*, account: CreditAccount, as_of: date) -> BillingResult:
    """Bring one account's billing up to `as_of` (see the module docstring).

    One transaction under the account's row lock: the steps read the state
    once and keep it in memory, so a run costs about ten queries whatever
    the account's history.
    """
    locked = credit_account_lock(account_id=account.pk)
    recent = list(
        Statement.objects.filter(account=locked)
        .annotate(
            is_assessed=Exists(
                DueDateAssessment.objects.filter(statement=OuterRef("pk"))
            )
        )
        .order_by("-period_end")[:3]
    )
    state = _State(
        account=locked,
        last=recent[0] if recent else None,
        unassessed=[s for s in reversed(recent) if not s.is_assessed],
    )
    result = BillingResult()
    while locked.status in BILLED_STATUSES:
        step = _next_step(state, as_of)
        if step is None:
            break
        day, run = step
        result += run(state, day)
    account.status, account.delinquent_since = locked.status, locked.delinquent_since
    return result


Step = Callable[[_State, date], BillingResult]


def _next_step(state: _State, as_of: date) -> tuple[date, Step] | None:
    """The earliest billing step due on or before `as_of`, if any.

    Same-day order: due-date assessment, then cycle close, then charge-off.
    """
    account = state.account
    candidates: list[tuple[date, int, Step]] = []
    next_close = next_close_after(
        day=state.last.period_end
        if state.last
        else account.opened_at.astimezone(UTC).date(),
        cycle_day=account.billing_cycle_day,
    )
    if next_close <= as_of:
        candidates.append((next_close, 1, _close))
    pending = state.unassessed[0] if state.unassessed else None
    if pending is not None and pending.due_date < as_of:
        candidates.append((pending.due_date, 0, _assess))
    if account.delinquent_since is not None:
        charge_off_day = account.delinquent_since + timedelta(
            days=settings.CHARGE_OFF_DAYS
        )
        if charge_off_day <= as_of:
            candidates.append((charge_off_day, 2, _charge_off))
    if candidates:
        day, _, run = min(candidates, key=lambda c: (c[0], c[1]))
        return day, run
    if (
        pending is not None
        and pending.due_date == as_of
        and not _autopaid(state, pending)
    ):
        return as_of, _autopay_due_today
    return None


def _movements(account: CreditAccount, since: date, through: date) -> list[Movement]:
    return account_movements(
        account=account.receivable_id,
        start=day_start(since),
        end=day_start(through + timedelta(days=1)),
    )


def _close(state: _State, day: date) -> BillingResult:
    """Close the cycle ending on `day`: post interest, write the statement."""
    locked, previous = state.account, state.last
    start = (
        previous.period_end + timedelta(days=1)
        if previous
        else locked.opened_at.astimezone(UTC).date()
    )
    opening = previous.new_balance if previous else 0
    movements = _movements(locked, start, day)
    net_by_day: dict[date, int] = {}
    purchases = fees = other = 0
    for movement in movements:
        net_by_day[movement.day] = net_by_day.get(movement.day, 0) + movement.debit
        group = LineGroup.for_kind(movement.kind)
        if group is LineGroup.PURCHASE:
            purchases += movement.debit
        elif group is LineGroup.FEE:
            fees += movement.debit
        else:  # interest is only posted at the close, after this read
            other += movement.debit
    grace = _grace_applies(previous=previous, movements=movements)
    cycle = interest_for_cycle(
        balances=daily_balances(
            opening=opening, net_by_day=net_by_day, start=start, end=day
        ),
        apr_bps=locked.apr_bps,
    )
    interest = 0 if grace else cycle.interest
    interest_entry = None
    if interest > 0:
        interest_entry = entry_post(
            legs=[
                debit(locked.receivable, interest),
                credit(program_account(INTEREST_INCOME, locked.currency), interest),
            ],
            kind=INTEREST,
            idempotency_key=f"interest:{locked.public_id}:{day.isoformat()}",
            effective_at=day_end(day),
            description="Interest charged",
            external_ref=str(locked.public_id),
            forced=True,
        )
    new_balance = opening + purchases + fees + interest + other
    past_due = (
        max(previous.minimum_payment - _paid(movements, start, previous.due_date), 0)
        if previous
        else 0
    )
    terms = _terms()
    minimum = minimum_payment(
        new_balance=new_balance,
        interest=interest,
        fees=fees,
        past_due=past_due,
        terms=terms,
    )
    owes = new_balance > 0
    payoff = payoff_paying_minimum(
        balance=new_balance, apr_bps=locked.apr_bps, terms=terms
    )
    three_years = payoff_in_three_years(balance=new_balance, apr_bps=locked.apr_bps)
    pending = credit_account_balance(account=locked).pending
    statement = Statement.objects.create(
        account=locked,
        currency=locked.currency,
        period_start=start,
        period_end=day,
        days_in_cycle=(day - start).days + 1,
        previous_balance=opening,
        purchases=purchases,
        payments=-other,
        fees=fees,
        interest=interest,
        new_balance=new_balance,
        credit_limit=locked.credit_limit,
        available_credit=locked.credit_limit - new_balance - pending,
        minimum_payment=minimum,
        past_due=min(past_due, minimum),
        due_date=due_date_after(period_end=day, cycle_day=locked.billing_cycle_day),
        apr_bps=locked.apr_bps,
        average_daily_balance=cycle.average_daily_balance,
        is_grace_applied=grace,
        minimum_only_months=payoff.months if owes else None,
        minimum_only_total=payoff.total if owes else None,
        three_year_payment=three_years.payment if owes else None,
        three_year_total=three_years.total if owes else None,
        interest_entry=interest_entry,
    )
    state.last = statement
    state.unassessed.append(statement)
    event_publish(
        type="statement.closed",
        aggregate_type="account",
        aggregate_id=str(locked.public_id),
        payload={
            "statement_id": str(statement.public_id),
            "account_id": str(locked.public_id),
            "period_end": day.isoformat(),
            "new_balance": new_balance,
            "minimum_payment": minimum,
            "due_date": statement.due_date.isoformat(),
            "as_of": day.isoformat(),
        },
    )
    return BillingResult(statements=1)


def _grace_applies(*, previous: Statement | None, movements: list[Movement]) -> bool:
    """No interest on purchases when the last statement was paid in full by
    its due date."""
    if previous is None or previous.new_balance <= 0:
        return True
    paid = _paid(movements, previous.period_end + timedelta(days=1), previous.due_date)
    return paid >= previous.new_balance


def _autopay_key(statement: Statement) -> str:
    return f"autopay:{statement.public_id}"


def _autopaid(state: _State, statement: Statement) -> bool:
    """Nothing (more) for autopay to do on this statement."""
    return (
        state.account.autopay == CreditAccount.Autopay.OFF
        or statement.pk in state.autopaid
        or Payment.objects.filter(
            entry__idempotency_key=_autopay_key(statement)
        ).exists()
    )


def _autopay(state: _State, statement: Statement, movements: list[Movement]) -> int:
    """On a statement's due date, pay what the autopay setting says (once).

    Returns the amount paid (0 when autopay is off or nothing is owed).
    """
    account = state.account
    state.autopaid.add(statement.pk)
    day = statement.due_date
    paid = _paid(movements, statement.period_end + timedelta(days=1), day)
    owed = {
        CreditAccount.Autopay.MINIMUM: statement.minimum_payment - paid,
        CreditAccount.Autopay.STATEMENT_BALANCE: statement.new_balance - paid,
        CreditAccount.Autopay.FULL: credit_account_balance(
            account=account
        ).posted_balance,
    }[CreditAccount.Autopay(account.autopay)]
    # Never more than is owed now (a refund since the statement lowers it):
    # autopay creates no credit balance, and stays within the payment ceiling.
    owed = min(owed, credit_account_balance(account=account).posted_balance)
    if owed <= 0:
        return 0
    payment = credit_account_payment_post(
        account=account,
        amount=owed,
        idempotency_key=_autopay_key(statement),
        received_at=datetime.combine(day, AUTOPAY_TIME, tzinfo=UTC),
        source=Payment.Source.AUTOPAY,
        description="Autopay",
    )
    return payment.amount


def _autopay_due_today(state: _State, day: date) -> BillingResult:
    statement = state.unassessed[0]
    movements = _movements(state.account, statement.period_end + timedelta(1), day)
    paid = _autopay(state, statement, movements)
    return BillingResult(autopays=1 if paid else 0)


def _assess(state: _State, day: date) -> BillingResult:
    """The due date passed: was the minimum paid? If not, a late fee and delinquency."""
    locked = state.account
    statement = state.unassessed.pop(0)
    since = statement.period_end + timedelta(days=1)
    movements = _movements(locked, since, day)
    autopaid = (
        0 if _autopaid(state, statement) else _autopay(state, statement, movements)
    )
    paid = _paid(movements, since, day) + autopaid
    is_met = paid >= statement.minimum_payment
    late_fee_entry = None
    fee = min(locked.late_fee, statement.minimum_payment)
    if not is_met and fee > 0:
        late_fee_entry = entry_post(
            legs=[
                debit(locked.receivable, fee),
                credit(program_account(FEE_INCOME, locked.currency), fee),
            ],
            kind=LATE_FEE,
            idempotency_key=f"fee-late:{statement.public_id}",
            effective_at=day_start(day + timedelta(days=1)),
            description="Late payment fee",
            external_ref=str(locked.public_id),
            forced=True,
        )
    DueDateAssessment.objects.create(
        statement=statement,
        paid_by_due_date=paid,
        is_minimum_met=is_met,
        late_fee_entry=late_fee_entry,
    )
    delinquent_since = None if is_met else (locked.delinquent_since or day)
    if delinquent_since != locked.delinquent_since:
        locked.delinquent_since = delinquent_since
        locked.save(update_fields=["delinquent_since"])
        event_publish(
            type="credit.delinquency_changed",
            aggregate_type="account",
            aggregate_id=str(locked.public_id),
            payload={
                "account_id": str(locked.public_id),
                "delinquent_since": delinquent_since.isoformat()
                if delinquent_since
                else None,
                "days_past_due": (day - delinquent_since).days
                if delinquent_since
                else 0,
                "as_of": day.isoformat(),
            },
        )
    return BillingResult(
        late_fees=1 if late_fee_entry else 0, autopays=1 if autopaid else 0
    )


def _charge_off(state: _State, day: date) -> BillingResult:
    """Write off what a long-delinquent account owes; the line is closed for good."""
    locked = state.account
    owed = credit_account_balance(account=locked).posted_balance
    if owed > 0:
        entry_post(
            legs=[
                debit(program_account(CREDIT_LOSS, locked.currency), owed),
                credit(locked.receivable, owed),
            ],
            kind=CHARGE_OFF,
            idempotency_key=f"charge-off:{locked.public_id}",
            effective_at=day_start(day),
            description="Charged off",
            external_ref=str(locked.public_id),
        )
    locked.status = CreditAccount.Status.CHARGED_OFF
    locked.charged_off_at = day_start(day)
    locked.save(update_fields=["status", "charged_off_at"])
    event_publish(
        type="credit.account_charged_off",
        aggregate_type="account",
        aggregate_id=str(locked.public_id),
        payload={"account_id": str(locked.public_id), "amount": max(owed, 0)},
    )
    return BillingResult(charged_off=True)


def days_past_due(*, account: CreditAccount, as_of: date) -> int:
    """Days since the oldest unpaid due date (0 when current)."""
    if account.delinquent_since is None:
        return 0
    return max((as_of - account.delinquent_since).days, 0)


DELINQUENCY_BUCKETS = (
    (0, "current"),
    (1, "1-29"),
    (30, "30-59"),
    (60, "60-89"),
    (90, "90-119"),
    (120, "120-149"),
    (150, "150-179"),
    (180, "180+"),
)


def delinquency_bucket(days: int) -> str:
    """The collections bucket for a number of days past due."""
    label = DELINQUENCY_BUCKETS[0][1]
    for threshold, name in DELINQUENCY_BUCKETS:
        if days >= threshold:
            label = name
    return label


BATCH_SIZE = 500


def billing_batch_run(
    *, as_of: date, on_account: Callable[[], None] | None = None
) -> BillingResult:
    """Run `billing_run` for every billed account, in batches of pks."""
    total = BillingResult()
    accounts = CreditAccount.objects.filter(status__in=BILLED_STATUSES)
    last_pk = 0
    while True:
        batch = list(accounts.filter(pk__gt=last_pk).order_by("pk")[:BATCH_SIZE])
        if not batch:
            return total
        for account in batch:
            total += billing_run(account=account, as_of=as_of)
            if on_account is not None:
                on_account()
        last_pk = batch[-1].pk


def billed_accounts_count() -> int:
    return CreditAccount.objects.filter(status__in=BILLED_STATUSES).count()
