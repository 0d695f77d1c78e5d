"""Statement arithmetic against hand-computed cases."""

from datetime import date

import pytest

from ledger.statement_math import (
    MinimumPaymentTerms,
    daily_balances,
    due_date_after,
    interest_for_cycle,
    minimum_payment,
    next_close_after,
    payoff_in_three_years,
    payoff_paying_minimum,
    round_half_up,
)

TERMS = MinimumPaymentTerms(floor=2_500, percent_bps=100)


def test_round_half_up_rounds_halves_up_and_the_rest_to_nearest():
    assert [round_half_up(n, 4) for n in (1, 2, 3, 5, 6)] == [0, 1, 1, 1, 2]


def test_daily_balances_count_a_payment_from_the_day_it_arrives():
    balances = daily_balances(
        opening=100_000,
        net_by_day={date(2026, 2, 1): -40_000, date(2026, 2, 3): 5_000},
        start=date(2026, 1, 31),
        end=date(2026, 2, 3),
    )

    assert balances == [100_000, 60_000, 60_000, 65_000]


def test_interest_is_the_sum_of_daily_balances_times_apr_over_365_rounded_once():
    # 12 days at 1,000.00 then 19 days at 600.00, 20 % APR:
    # 2,340,000 * 2000 / 3,650,000 = 1,282.19 -> 12.82
    balances = [100_000] * 12 + [60_000] * 19

    result = interest_for_cycle(balances=balances, apr_bps=2_000)

    assert result.interest == 1_282
    assert result.average_daily_balance == 75_484  # 2,340,000 / 31 = 75,483.87


def test_credit_balance_days_accrue_no_interest():
    result = interest_for_cycle(balances=[-50_000] * 10 + [36_500] * 20, apr_bps=2_000)

    # 20 * 36,500 * 2000 / 3,650,000 = 400
    assert result.interest == 400


@pytest.mark.parametrize(
    ("new_balance", "interest", "fees", "past_due", "expected"),
    [
        (0, 0, 0, 0, 0),  # nothing owed
        (-5_000, 0, 0, 0, 0),  # a credit balance
        (1_800, 0, 0, 0, 1_800),  # below the floor: all of it
        (100_000, 0, 0, 0, 2_500),  # the floor
        (61_282, 1_282, 0, 0, 2_500),  # 613 + 1,282 = 1,895 < floor
        (104_203, 1_703, 2_500, 2_500, 7_746),  # 1,043 + 1,703 + 2,500 + 2,500
        (500_000, 8_000, 0, 0, 13_000),  # 5,000 + 8,000
    ],
)
def test_minimum_payment(new_balance, interest, fees, past_due, expected):
    assert (
        minimum_payment(
            new_balance=new_balance,
            interest=interest,
            fees=fees,
            past_due=past_due,
            terms=TERMS,
        )
        == expected
    )


@pytest.mark.parametrize(
    ("period_end", "cycle_day", "due"),
    [
        (date(2026, 1, 28), 28, date(2026, 2, 25)),
        (date(2026, 2, 28), 28, date(2026, 3, 25)),
        (date(2026, 3, 1), 1, date(2026, 3, 26)),
        (date(2026, 1, 4), 4, date(2026, 2, 1)),
        (date(2026, 12, 10), 10, date(2027, 1, 7)),
    ],
)
def test_the_due_date_is_the_same_day_each_month_at_least_25_days_out(
    period_end, cycle_day, due
):
    assert due_date_after(period_end=period_end, cycle_day=cycle_day) == due
    assert 25 <= (due - period_end).days <= 28


def test_the_next_close_is_strictly_after_the_day():
    assert next_close_after(day=date(2026, 1, 1), cycle_day=28) == date(2026, 1, 28)
    assert next_close_after(day=date(2026, 1, 28), cycle_day=28) == date(2026, 2, 28)
    assert next_close_after(day=date(2026, 12, 5), cycle_day=1) == date(2027, 1, 1)


def test_paying_only_the_minimum_without_interest():
    payoff = payoff_paying_minimum(balance=10_000, apr_bps=0, terms=TERMS)

    assert (payoff.months, payoff.total) == (4, 10_000)


def test_paying_only_the_minimum_with_interest():
    # 24 % APR is 2 % a month: 10,000 -> 7,700 -> 5,354 -> 2,961 -> 520 -> 0
    payoff = payoff_paying_minimum(balance=10_000, apr_bps=2_400, terms=TERMS)

    assert (payoff.months, payoff.total) == (5, 10_530)


def test_the_three_year_payment():
    assert payoff_in_three_years(balance=100_000, apr_bps=0).payment == 2_778
    # 1,000.00 at 24 %: 1000 * 0.02 / (1 - 1.02**-36) = 39.2328... -> 39.24
    level = payoff_in_three_years(balance=100_000, apr_bps=2_400)
    assert (level.payment, level.total) == (3_924, 141_264)
