"""What a statement shows, labelled and formatted once for every format.

The HTML page, the PDF and the CSV all read a `StatementDocument`: the same
figures, in the same order, under the same labels. Display texts use the
currency's exponent with thousands separators (`format_money`); CSV values
are plain (`1234.56`, ISO dates) so a spreadsheet reads them as numbers.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from accounts.models import Statement
from accounts.statement_documents.lines import StatementLine, statement_lines
from issuer.kernel.money import currency_exponent, format_money

MINIMUM_PAYMENT_WARNING = (
    "If you make only the minimum payment each period, you will pay more in "
    "interest and it will take you longer to pay off your balance. These "
    "estimates assume you make no new purchases."
)
NOT_APPLICABLE = "n/a"


@dataclass(frozen=True)
class Figure:
    """One labelled figure: `text` as printed, `value` plain (the CSV's)."""

    key: str
    label: str
    text: str
    value: str


@dataclass(frozen=True)
class Section:
    title: str
    figures: tuple[Figure, ...]
    note: str = ""
    is_printed: bool = True  # on the page and the PDF; the CSV has every figure


@dataclass(frozen=True)
class LineRow:
    """A transaction line as printed."""

    date: str
    description: str
    group: str
    amount: str


@dataclass(frozen=True)
class StatementDocument:
    statement: Statement
    currency: str
    title: str
    header: tuple[Figure, ...]
    sections: tuple[Section, ...]
    lines: tuple[StatementLine, ...]
    rows: tuple[LineRow, ...]
    filename_stem: str

    @property
    def printed_sections(self) -> tuple[Section, ...]:
        return tuple(section for section in self.sections if section.is_printed)

    @property
    def figures(self) -> tuple[Figure, ...]:
        """Every figure, header first, in document order."""
        return self.header + tuple(
            figure for section in self.sections for figure in section.figures
        )


def date_text(day: datetime.date) -> str:
    """`Feb 5, 2026`: unambiguous in every locale's reading."""
    return f"{day:%b} {day.day}, {day.year}"


def plain_amount(amount: int, currency: str) -> str:
    """Minor units as a plain decimal in major units: 123456 USD -> `1234.56`."""
    exponent = currency_exponent(currency)
    return f"{Decimal(amount).scaleb(-exponent):.{exponent}f}"


def statement_document(*, statement: Statement) -> StatementDocument:
    """Gather and format everything a statement shows, with its lines.

    Pass the statement with `select_related("account__cardholder")`: the
    lines are then the only query.
    """
    currency = statement.currency
    lines = tuple(statement_lines(statement=statement))

    def money(key: str, label: str, amount: int | None, *, sign: int = 1) -> Figure:
        if amount is None:
            return Figure(key, label, NOT_APPLICABLE, "")
        return Figure(
            key,
            label,
            format_money(sign * amount, currency),
            plain_amount(amount, currency),
        )

    def day(key: str, label: str, value: datetime.date) -> Figure:
        return Figure(key, label, date_text(value), value.isoformat())

    account = statement.account
    apr = f"{Decimal(statement.apr_bps).scaleb(-2):.2f}"
    months = statement.minimum_only_months
    header = (
        Figure("account_id", "Account", str(account.public_id), str(account.public_id)),
        Figure(
            "cardholder", "Cardholder", str(account.cardholder), str(account.cardholder)
        ),
        Figure("currency", "Currency", currency, currency),
        day("period_start", "Period start", statement.period_start),
        day("period_end", "Period end", statement.period_end),
    )
    sections = (
        Section(
            "Account summary",
            (
                money(
                    "previous_balance", "Previous balance", statement.previous_balance
                ),
                money("purchases", "Purchases", statement.purchases),
                money(
                    "payments",
                    "Payments and credits",
                    statement.payments,
                    sign=-1,  # printed as what it takes off the balance
                ),
                money("fees", "Fees charged", statement.fees),
                money("interest", "Interest charged", statement.interest),
                money("new_balance", "New balance", statement.new_balance),
            ),
        ),
        Section(
            "Payment information",
            (
                money(
                    "minimum_payment", "Minimum payment due", statement.minimum_payment
                ),
                money("past_due", "Past due amount", statement.past_due),
                day("due_date", "Payment due date", statement.due_date),
            ),
        ),
        Section(
            "Credit",
            (
                money("credit_limit", "Credit limit", statement.credit_limit),
                money(
                    "available_credit", "Available credit", statement.available_credit
                ),
            ),
        ),
        Section(
            "Interest",
            (
                Figure("apr_percent", "Annual percentage rate (APR)", f"{apr}%", apr),
                money(
                    "average_daily_balance",
                    "Average daily balance",
                    statement.average_daily_balance,
                ),
                Figure(
                    "days_in_cycle",
                    "Days in billing cycle",
                    str(statement.days_in_cycle),
                    str(statement.days_in_cycle),
                ),
                Figure(
                    "grace_applied",
                    "Grace period applied",
                    "Yes: no interest on purchases"
                    if statement.is_grace_applied
                    else "No",
                    "yes" if statement.is_grace_applied else "no",
                ),
            ),
        ),
        Section(
            "Minimum payment warning",
            (
                Figure(
                    "minimum_only_months",
                    "Months to pay off, paying only the minimum",
                    "never" if months is None else f"{months} months",
                    "" if months is None else str(months),
                ),
                money(
                    "minimum_only_total",
                    "Estimated total paid, paying only the minimum",
                    statement.minimum_only_total,
                ),
                money(
                    "three_year_payment",
                    "Monthly payment to pay off in 3 years",
                    statement.three_year_payment,
                ),
                money(
                    "three_year_total",
                    "Estimated total paid in 3 years",
                    statement.three_year_total,
                ),
            ),
            note=MINIMUM_PAYMENT_WARNING,
            is_printed=statement.new_balance > 0,
        ),
    )
    return StatementDocument(
        statement=statement,
        currency=currency,
        title=(
            f"Statement {date_text(statement.period_start)} to "
            f"{date_text(statement.period_end)}"
        ),
        header=header,
        sections=sections,
        lines=lines,
        rows=tuple(
            LineRow(
                date=date_text(line.date),
                description=line.description,
                group=line.group.label,
                amount=format_money(line.amount, currency),
            )
            for line in lines
        ),
        filename_stem=f"statement-{account.public_id}-{statement.period_end.isoformat()}",
    )
