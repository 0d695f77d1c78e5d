"""Statement arithmetic: exact, in integer minor units, no database.

Rounding rule (one place, documented in the README): every amount is
computed exactly as a fraction and rounded once, half up, to the minor
unit. Interest for a cycle is

    interest = round_half_up(sum of the cycle's daily balances * APR / 365)

where a daily balance is the balance at the end of that day (a payment
counts from the day it is received) and a day with a credit balance counts
as zero. That equals average daily balance * days in cycle * APR / 365,
without rounding the average first.

The minimum payment is the whole balance when it is below the floor;
otherwise the larger of the floor and 1 % of the balance (rounded up) plus
this cycle's interest and fees, plus whatever of the last minimum is still
unpaid, never more than the balance.
"""

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal

BASIS_POINTS = 10_000
DAYS_IN_YEAR = 365
MONTHS_IN_YEAR = 12
PAYOFF_YEARS = 3
MAX_PAYOFF_MONTHS = 1_200  # a hundred years: "never" beyond it
DUE_DAYS_AFTER_CLOSE = 25


def round_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up (both non-negative)."""
    return (2 * numerator + denominator) // (2 * denominator)


def ceil_div(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


def daily_balances(
    *, opening: int, net_by_day: Mapping[date, int], start: date, end: date
) -> list[int]:
    """End-of-day balances for each day from start to end inclusive.

    `net_by_day` holds each day's net change (debits minus credits).
    """
    balances, balance = [], opening
    day = start
    while day <= end:
        balance += net_by_day.get(day, 0)
        balances.append(balance)
        day += timedelta(days=1)
    return balances


@dataclass(frozen=True)
class Interest:
    average_daily_balance: int
    interest: int


def interest_for_cycle(*, balances: Iterable[int], apr_bps: int) -> Interest:
    """Average-daily-balance interest; credit-balance days count as zero."""
    days = [max(balance, 0) for balance in balances]
    total = sum(days)
    return Interest(
        average_daily_balance=round_half_up(total, len(days)) if days else 0,
        interest=round_half_up(total * apr_bps, BASIS_POINTS * DAYS_IN_YEAR),
    )


@dataclass(frozen=True)
class MinimumPaymentTerms:
    floor: int  # minor units
    percent_bps: int  # of the new balance


def minimum_payment(
    *,
    new_balance: int,
    interest: int,
    fees: int,
    past_due: int,
    terms: MinimumPaymentTerms,
) -> int:
    """The minimum due on a statement (see the module's rule)."""
    if new_balance <= 0:
        return 0
    current = max(
        terms.floor,
        ceil_div(new_balance * terms.percent_bps, BASIS_POINTS) + interest + fees,
    )
    return min(new_balance, current + max(past_due, 0))


def due_date_after(*, period_end: date, cycle_day: int) -> date:
    """The due date: the same day every month, 25 to 28 days after the close.

    With cycles closing on day C (1-28), payments are due on day
    ((C + 24) mod 28) + 1, the first such day after the close.
    """
    due_day = (cycle_day + DUE_DAYS_AFTER_CLOSE - 1) % 28 + 1
    if due_day > period_end.day:
        return period_end.replace(day=due_day)
    year, month = (
        (period_end.year + 1, 1)
        if period_end.month == 12
        else (period_end.year, period_end.month + 1)
    )
    return date(year, month, due_day)


def next_close_after(*, day: date, cycle_day: int) -> date:
    """The first cycle close (day `cycle_day` of a month) strictly after `day`."""
    if cycle_day > day.day:
        return day.replace(day=cycle_day)
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    assert cycle_day <= calendar.monthrange(year, month)[1]
    return date(year, month, cycle_day)


@dataclass(frozen=True)
class Payoff:
    months: int | None  # None: never paid off
    total: int | None


def payoff_paying_minimum(
    *, balance: int, apr_bps: int, terms: MinimumPaymentTerms
) -> Payoff:
    """How long and how much if only the minimum is paid each month.

    Monthly interest is balance * APR / 12, rounded half up; no new spending.
    """
    months, total = 0, 0
    while balance > 0:
        if months >= MAX_PAYOFF_MONTHS:
            return Payoff(months=None, total=None)
        interest = round_half_up(balance * apr_bps, BASIS_POINTS * MONTHS_IN_YEAR)
        payment = minimum_payment(
            new_balance=balance + interest,
            interest=interest,
            fees=0,
            past_due=0,
            terms=terms,
        )
        balance += interest - payment
        total += payment
        months += 1
    return Payoff(months=months, total=total)


@dataclass(frozen=True)
class LevelPayment:
    payment: int
    total: int


def payoff_in_three_years(*, balance: int, apr_bps: int) -> LevelPayment:
    """The level monthly payment (rounded up) that pays off in 36 months,
    and the 36 payments' total."""
    count = PAYOFF_YEARS * MONTHS_IN_YEAR
    if balance <= 0:
        return LevelPayment(payment=0, total=0)
    if apr_bps == 0:
        payment = ceil_div(balance, count)
    else:
        rate = Decimal(apr_bps) / (BASIS_POINTS * MONTHS_IN_YEAR)
        exact = Decimal(balance) * rate / (1 - (1 + rate) ** -count)
        payment = int(exact.to_integral_value(rounding=ROUND_CEILING))
    return LevelPayment(payment=payment, total=payment * count)
