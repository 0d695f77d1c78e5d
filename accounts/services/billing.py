"""The billing batch: close cycles, run autopay, assess due dates, charge off.

`billing_run(account=..., as_of=D)` brings one account up to date as of the
end of day D, in date order: each due date on or before D runs autopay on
that day; each due date before D is assessed (minimum met, else a late fee
and delinquency); each cycle that ended on or before D gets its statement
(interest and fees posted in the ledger first); an account 180 days (by
default) past due is charged off. D must have ended in the account's
billing time zone (`BillingDayNotEnded` otherwise): a statement of a day
still running would miss what is posted later that day.
`billing_run(account=..., now=T)` (the hourly beat task) runs as of the
moment T: today is T's day in the account's zone, and only cycles whose last
day ended before T close. Every step is keyed (one statement per period
end, one assessment per statement, ledger idempotency keys), so re-running
any day changes nothing.

Days are days of the account's billing time zone (`billing_time_zone`, from
its card product or `BILLING_TIME_ZONE`). A cycle's cut-off is the end of
its `billing_cycle_day` there. Which statement a posting lands on is decided
by effective time and posting time together (docs/billing.md): the first
statement whose cut-off is after its effective time and that closed after
it was posted. A posting dated into a closed cycle (late clearing, refund,
dispute credit, payment) therefore lands on the open cycle, on its first
day for interest; never on none and never on two.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.billing_terms import (
    CHARGE_OFF,
    INTEREST,
    LATE_FEE,
    PAYMENT_KINDS,
    LineGroup,
    billing_zone,
    cutoff,
    day_end,
    day_start,
    local_day,
)
from accounts.chart import CREDIT_LOSS, FEE_INCOME, INTEREST_INCOME, program_account
from accounts.errors import BillingDayNotEnded
from accounts.lock_objects import credit_account_lock
from accounts.models import CreditAccount, DueDateAssessment, Payment, Statement
from accounts.selectors import credit_account_balance
from accounts.services.payments import credit_account_payment_post
from issuer.kernel.db import atomic_with_retry
from issuer.kernel.outbox import event_publish
from ledger.selectors import (
    ReadMark,
    account_last_entry_id,
    account_movements_between,
)
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


# Above any journal entry id: a mark "through" it covers every posting.
EVERY_ENTRY = 2**62


@dataclass(frozen=True)
class _Line:
    """A posting as billing counts it: on a billing day, signed as a debit."""

    day: date
    kind: str
    debit: int


def _paid(lines: list[_Line], start: date, end: date) -> int:
    """Payments (less returned ones' reversals) counted from start to end."""
    return sum(
        -line.debit
        for line in lines
        if line.kind in PAYMENT_KINDS and start <= line.day <= end
    )


def _zone(account: CreditAccount) -> tzinfo:
    return billing_zone(account.billing_time_zone)


def _mark(statement: Statement | None) -> ReadMark | None:
    if statement is None:
        return None
    return ReadMark(before=statement.cutoff_at, through=statement.last_entry_id)


def _lines(
    account: CreditAccount, *, after: Statement | None, before: datetime, first: date
) -> list[_Line]:
    """The receivable's postings not on a statement up to `after`, effective
    before `before`, each on its billing day (a late one on day `first`)."""
    zone = _zone(account)
    movements = account_movements_between(
        account=account.receivable_id,
        previous=_mark(after),
        current=ReadMark(before=before, through=EVERY_ENTRY),
    )
    return [
        _Line(
            day=max(local_day(movement.effective_at, zone), first),
            kind=movement.kind,
            debit=movement.debit,
        )
        for movement in movements
    ]


@dataclass(frozen=True)
class BillingClock:
    """Where a run stands: `today` is the billing day steps run as of
    (autopay on a due date today, assessments for due dates before it);
    cycles whose last day is on or before `closes_through` may close."""

    today: date
    closes_through: date


def billing_clock(
    *, account: CreditAccount, as_of: date | None, now: datetime | None
) -> BillingClock:
    """The clock of a run as of the end of day `as_of`, or else as of `now`.

    Refuses (`BillingDayNotEnded`, naming `as_of`) a day that has not ended
    in the account's billing time zone by `now` (default: the clock).
    """
    zone = _zone(account)
    now = now or timezone.now()
    if as_of is None:
        today = local_day(now, zone)
        return BillingClock(today=today, closes_through=today - timedelta(days=1))
    if cutoff(as_of, zone) > now:
        raise BillingDayNotEnded.for_field(
            "as_of",
            f"{as_of.isoformat()} has not ended yet in the billing time zone "
            f"{account.billing_time_zone}: a cycle closes only after its last "
            "day has ended.",
        )
    return BillingClock(today=as_of, closes_through=as_of)


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
def billing_run(
    *,
    account: CreditAccount,
    as_of: date | None = None,
    now: datetime | None = None,
) -> BillingResult:
    """Bring one account's billing up to the end of `as_of`, or else up to
    `now` (default: the clock); see the module docstring.

    One transaction under the account's row lock: the steps read the state
    once and keep it in memory, so a run costs about ten queries whatever
    the account's history.
    """
    locked = credit_account_lock(account_id=account.pk)
    clock = billing_clock(account=locked, as_of=as_of, now=now)
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
        step = _next_step(state, clock)
        if step is None:
            break
        day, run = step
        result += run(state, day)
    account.status, account.delinquent_since = locked.status, locked.delinquent_since
    return result


Step = Callable[[_State, date], BillingResult]


def _next_step(state: _State, clock: BillingClock) -> tuple[date, Step] | None:
    """The earliest billing step due by `clock`, if any.

    Same-day order: due-date assessment, then cycle close, then charge-off.
    """
    account = state.account
    as_of = clock.today
    candidates: list[tuple[date, int, Step]] = []
    next_close = next_close_after(
        day=state.last.period_end
        if state.last
        else local_day(account.opened_at, _zone(account)),
        cycle_day=account.billing_cycle_day,
    )
    if next_close <= clock.closes_through:
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


def _close(state: _State, day: date) -> BillingResult:
    """Close the cycle ending on `day`: post interest, write the statement."""
    locked, previous = state.account, state.last
    zone = _zone(locked)
    start = (
        previous.period_end + timedelta(days=1)
        if previous
        else local_day(locked.opened_at, zone)
    )
    cut = cutoff(day, zone)
    opening = previous.new_balance if previous else 0
    # Under the account's lock, which every poster on the receivable holds:
    # nothing posted before this read is still uncommitted.
    lines = _lines(locked, after=previous, before=cut, first=start)
    net_by_day: dict[date, int] = {}
    purchases = fees = other = 0
    for line in lines:
        net_by_day[line.day] = net_by_day.get(line.day, 0) + line.debit
        group = LineGroup.for_kind(line.kind)
        if group is LineGroup.PURCHASE:
            purchases += line.debit
        elif group is LineGroup.FEE:
            fees += line.debit
        else:  # interest is only posted at the close, after this read
            other += line.debit
    grace = _grace_applies(previous=previous, lines=lines)
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
            effective_at=day_end(day, zone),
            description="Interest charged",
            external_ref=str(locked.public_id),
            forced=True,
        )
    new_balance = opening + purchases + fees + interest + other
    past_due = (
        max(previous.minimum_payment - _paid(lines, start, previous.due_date), 0)
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
    balance_now = credit_account_balance(account=locked)
    # Holds and payments still in their return window are not spendable.
    pending = balance_now.pending + balance_now.pending_credits
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
        cutoff_at=cut,
        # The lines read above plus this close's interest entry, nothing else:
        # the lock keeps every other poster out.
        last_entry_id=account_last_entry_id(account=locked.receivable_id),
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


def _grace_applies(*, previous: Statement | None, lines: list[_Line]) -> bool:
    """No interest on purchases when the last statement was paid in full by
    its due date."""
    if previous is None or previous.new_balance <= 0:
        return True
    paid = _paid(lines, previous.period_end + timedelta(days=1), previous.due_date)
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


def _lines_since(state: _State, statement: Statement, day: date) -> list[_Line]:
    """What was posted after `statement`, effective by the end of `day`."""
    return _lines(
        state.account,
        after=statement,
        before=cutoff(day, _zone(state.account)),
        first=statement.period_end + timedelta(days=1),
    )


def _autopay(state: _State, statement: Statement, lines: list[_Line]) -> int:
    """On a statement's due date, pay what the autopay setting says (once).

    Returns the amount paid (0 when autopay is off or nothing is owed).
    """
    account = state.account
    state.autopaid.add(statement.pk)
    day = statement.due_date
    paid = _paid(lines, statement.period_end + timedelta(days=1), day)
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
        received_at=datetime.combine(day, AUTOPAY_TIME, tzinfo=_zone(account)),
        source=Payment.Source.AUTOPAY,
        description="Autopay",
    )
    return payment.amount


def _autopay_due_today(state: _State, day: date) -> BillingResult:
    statement = state.unassessed[0]
    paid = _autopay(state, statement, _lines_since(state, statement, day))
    return BillingResult(autopays=1 if paid else 0)


def _assess(state: _State, day: date) -> BillingResult:
    """The due date passed: was the minimum paid? If not, a late fee and delinquency."""
    locked = state.account
    statement = state.unassessed.pop(0)
    since = statement.period_end + timedelta(days=1)
    lines = _lines_since(state, statement, day)
    autopaid = 0 if _autopaid(state, statement) else _autopay(state, statement, lines)
    paid = _paid(lines, since, day) + autopaid
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
            effective_at=day_start(day + timedelta(days=1), _zone(locked)),
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
            effective_at=day_start(day, _zone(locked)),
            description="Charged off",
            external_ref=str(locked.public_id),
        )
    locked.status = CreditAccount.Status.CHARGED_OFF
    locked.charged_off_at = day_start(day, _zone(locked))
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


def billing_time_zones_in_use() -> list[str]:
    """The billing time zones of every billed account (sorted)."""
    return sorted(
        set(
            CreditAccount.objects.filter(status__in=BILLED_STATUSES)
            .order_by()
            .values_list("billing_time_zone", flat=True)
            .distinct()
        )
    )


def billing_day_ended_check(*, as_of: date, now: datetime | None = None) -> None:
    """Refuse (`BillingDayNotEnded`) a day not yet over in some billed
    account's time zone: a batch as of it would close cycles still running."""
    now = now or timezone.now()
    running = [
        name
        for name in billing_time_zones_in_use()
        if cutoff(as_of, billing_zone(name)) > now
    ]
    if running:
        raise BillingDayNotEnded.for_field(
            "as_of",
            f"{as_of.isoformat()} has not ended yet in the billing time zone"
            f"{'s' if len(running) > 1 else ''} {', '.join(running)}: "
            "a cycle closes only after its last day has ended.",
        )


def billing_batch_run(
    *,
    as_of: date | None = None,
    now: datetime | None = None,
    on_account: Callable[[], None] | None = None,
) -> BillingResult:
    """Run `billing_run` for every billed account, in batches of pks: as of
    the end of day `as_of` (refused unless it has ended everywhere it
    applies), or else as of `now` (default: the clock)."""
    now = now or timezone.now()
    if as_of is not None:
        billing_day_ended_check(as_of=as_of, now=now)
    total = BillingResult()
    accounts = CreditAccount.objects.filter(status__in=BILLED_STATUSES)
    last_pk = 0
    while True:
        batch = list(accounts.filter(pk__gt=last_pk).order_by("pk")[:BATCH_SIZE])
        if not batch:
            return total
        for account in batch:
            total += billing_run(account=account, as_of=as_of, now=now)
            if on_account is not None:
                on_account()
        last_pk = batch[-1].pk


def billed_accounts_count() -> int:
    return CreditAccount.objects.filter(status__in=BILLED_STATUSES).count()
