"""A statement's lines, and its page, PDF and CSV showing the same figures."""

import csv
import datetime
import io
from dataclasses import dataclass

import pytest

from accounts.billing_terms import LineGroup
from accounts.models import Statement
from accounts.statement_documents.content import statement_document
from accounts.statement_documents.csv_file import statement_csv
from accounts.statement_documents.html_page import DocumentLink, statement_html
from accounts.statement_documents.lines import statement_lines
from accounts.statement_documents.pdf_file import statement_pdf
from accounts.tests.factories import credit_account_create_for_test
from accounts.tests.pdf_text import pdf_text_lines
from accounts.tests.statement_data import (
    History,
    at,
    history_post,
    post,
    previous_statement_create,
    statement_create,
)

pytestmark = pytest.mark.django_db

# (key, label, as printed) for every figure the page and the PDF show.
PRINTED_FIGURES = [
    ("previous_balance", "Previous balance", "100.00"),
    ("purchases", "Purchases", "623.45"),
    ("payments", "Payments and credits", "-113.45"),
    ("fees", "Fees charged", "25.00"),
    ("interest", "Interest charged", "12.34"),
    ("new_balance", "New balance", "647.34"),
    ("minimum_payment", "Minimum payment due", "25.00"),
    ("past_due", "Past due amount", "0.00"),
    ("due_date", "Payment due date", "Feb 26, 2026"),
    ("credit_limit", "Credit limit", "5,000.00"),
    ("available_credit", "Available credit", "4,352.66"),
    ("apr_percent", "Annual percentage rate (APR)", "21.99%"),
    ("average_daily_balance", "Average daily balance", "456.78"),
    ("days_in_cycle", "Days in billing cycle", "31"),
    ("grace_applied", "Grace period applied", "No"),
    ("minimum_only_months", "Months to pay off, paying only the minimum", "87 months"),
    ("minimum_only_total", "Estimated total paid, paying only the minimum", "987.65"),
    ("three_year_payment", "Monthly payment to pay off in 3 years", "24.30"),
    ("three_year_total", "Estimated total paid in 3 years", "874.80"),
]
# (date, description, type, amount) as printed, in order.
PRINTED_LINES = [
    ("Jan 2, 2026", "Corner Shop", "Purchase", "123.45"),
    ("Jan 10, 2026", "Corner Shop", "Payment or credit", "-23.45"),
    ("Jan 15, 2026", "Payment received", "Payment or credit", "-100.00"),
    ("Jan 20, 2026", "=Café Zürich 東京", "Purchase", "500.00"),
    ("Jan 25, 2026", "Late fee", "Fee", "25.00"),
    ("Jan 28, 2026", "Returned payment", "Payment or credit", "10.00"),
    ("Feb 1, 2026", "Interest charged", "Interest", "12.34"),
]


@dataclass
class Closed:
    statement: Statement
    history: History


def _loaded(statement: Statement) -> Statement:
    return Statement.objects.select_related("account__cardholder").get(pk=statement.pk)


@pytest.fixture
def closed() -> Closed:
    account = credit_account_create_for_test(
        credit_limit=500_000, first_name="Ada", last_name="Lovelace"
    )
    history = history_post(account)
    previous_statement_create(account)
    return Closed(_loaded(statement_create(account)), history)


@pytest.fixture
def empty_statement() -> Statement:
    """A statement with nothing owed and nothing posted in its period."""
    account = credit_account_create_for_test(
        credit_limit=100_000, first_name="Grace", last_name="Hopper"
    )
    return _loaded(
        statement_create(
            account,
            previous_balance=0,
            purchases=0,
            payments=0,
            fees=0,
            interest=0,
            new_balance=0,
            credit_limit=100_000,
            available_credit=100_000,
            minimum_payment=0,
            average_daily_balance=0,
            is_grace_applied=True,
            minimum_only_months=None,
            minimum_only_total=None,
            three_year_payment=None,
            three_year_total=None,
        )
    )


def test_the_lines_are_the_receivables_postings_in_the_period_in_order(
    closed, django_assert_num_queries
):
    """What the statement before did not cover, up to its cut-off (the day
    after its last, 00:00 in the billing time zone): three reads, the
    statement before and two index ranges."""
    other = credit_account_create_for_test()
    post(other, kind="purchase", amount=999, effective_at=at(2026, 1, 12))
    history = closed.history

    with django_assert_num_queries(3):
        lines = statement_lines(statement=closed.statement)

    assert [
        (line.date, line.description, line.group, line.amount, line.reference)
        for line in lines
    ] == [
        (
            datetime.date(2026, 1, 2),
            "Corner Shop",
            LineGroup.PURCHASE,
            12_345,
            history.purchase.public_id,
        ),
        (
            datetime.date(2026, 1, 10),
            "Corner Shop",
            LineGroup.PAYMENT_OR_CREDIT,
            -2_345,
            history.refund.public_id,
        ),
        (
            datetime.date(2026, 1, 15),
            "Payment received",
            LineGroup.PAYMENT_OR_CREDIT,
            -10_000,
            history.payment.public_id,
        ),
        (
            datetime.date(2026, 1, 20),
            "=Café Zürich 東京",
            LineGroup.PURCHASE,
            50_000,
            history.foreign_purchase.public_id,
        ),
        (
            datetime.date(2026, 1, 25),
            "Late fee",
            LineGroup.FEE,
            2_500,
            history.late_fee.public_id,
        ),
        (
            datetime.date(2026, 1, 28),
            "Returned payment",
            LineGroup.PAYMENT_OR_CREDIT,
            1_000,
            history.payment_return.public_id,
        ),
        (
            datetime.date(2026, 2, 1),
            "Interest charged",
            LineGroup.INTEREST,
            1_234,
            history.interest.public_id,
        ),
    ]


def test_the_lines_sum_to_the_statements_movements_by_group(closed):
    lines = statement_lines(statement=closed.statement)
    statement = closed.statement

    def total(group: LineGroup) -> int:
        return sum(line.amount for line in lines if line.group is group)

    assert (
        total(LineGroup.PURCHASE),
        -total(LineGroup.PAYMENT_OR_CREDIT),
        total(LineGroup.FEE),
        total(LineGroup.INTEREST),
    ) == (statement.purchases, statement.payments, statement.fees, statement.interest)


@pytest.mark.parametrize(
    ("kind", "group"),
    [
        ("purchase", LineGroup.PURCHASE),
        ("fee_late", LineGroup.FEE),
        ("fee_returned_payment", LineGroup.FEE),
        ("interest", LineGroup.INTEREST),
        ("payment", LineGroup.PAYMENT_OR_CREDIT),
        ("payment_return", LineGroup.PAYMENT_OR_CREDIT),
        ("refund", LineGroup.PAYMENT_OR_CREDIT),
        ("dispute_credit", LineGroup.PAYMENT_OR_CREDIT),
        ("dispute_reversal", LineGroup.PAYMENT_OR_CREDIT),
        ("charge_off", LineGroup.PAYMENT_OR_CREDIT),
    ],
)
def test_each_entry_kind_counts_towards_its_summary_line(kind, group):
    assert LineGroup.for_kind(kind) is group


def test_the_page_shows_every_figure_and_line_formatted(closed):
    html = statement_html(document=statement_document(statement=closed.statement))

    assert html.startswith("<!DOCTYPE html>")
    assert "<title>Statement Jan 2, 2026 to Feb 1, 2026</title>" in html
    assert "@media print" in html
    assert "<dt>Cardholder</dt><dd>Ada Lovelace</dd>" in html
    assert "Amounts in USD." in html
    for key, label, text in PRINTED_FIGURES:
        assert (
            f'<tr data-key="{key}"><th scope="row">{label}</th><td>{text}</td></tr>'
        ) in html
    for date, description, group, amount in PRINTED_LINES:
        assert (
            f"<tr><td>{date}</td><td>{description}</td><td>{group}</td>"
            f'<td class="statement-amount">{amount}</td></tr>'
        ) in html
    assert "<nav" not in html  # no links given, no toolbar


def test_the_page_escapes_descriptions_and_shows_its_links():
    account = credit_account_create_for_test(credit_limit=500_000)
    post(
        account,
        kind="purchase",
        amount=100,
        effective_at=at(2026, 1, 3),
        description="<script>alert(1)</script>",
    )
    html = statement_html(
        document=statement_document(statement=_loaded(statement_create(account))),
        links=[DocumentLink("Download PDF", "/somewhere.pdf?a=1&b=2")],
    )

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<a href="/somewhere.pdf?a=1&amp;b=2">Download PDF</a>' in html


def test_a_paid_off_statement_has_no_warning_and_says_there_were_no_lines(
    empty_statement,
):
    html = statement_html(document=statement_document(statement=empty_statement))
    pdf_text = pdf_text_lines(
        statement_pdf(document=statement_document(statement=empty_statement))
    )

    assert "Minimum payment warning" not in html
    assert "No transactions in this period." in html
    assert (
        '<tr data-key="grace_applied"><th scope="row">Grace period applied</th>'
        "<td>Yes: no interest on purchases</td></tr>"
    ) in html
    assert "Minimum payment warning" not in pdf_text
    assert "No transactions in this period." in pdf_text


def test_the_pdf_shows_every_figure_and_line(closed):
    pdf = statement_pdf(document=statement_document(statement=closed.statement))
    text = pdf_text_lines(pdf)

    assert pdf.startswith(b"%PDF-")
    assert text[0] == "Statement Jan 2, 2026 to Feb 1, 2026"
    assert "Cardholder: Ada Lovelace" in text
    assert "Amounts in USD." in text
    for _, label, printed in PRINTED_FIGURES:
        index = text.index(label)
        assert text[index + 1] == printed, label
    footers, body = _split_footers(text)
    assert footers == [
        "Statement Jan 2, 2026 to Feb 1, 2026 - page 1 of 2",
        "Statement Jan 2, 2026 to Feb 1, 2026 - page 2 of 2",
    ]
    start = body.index("Amount") + 1
    drawn_lines = [line for line in body[start:] if line not in _TABLE_HEADINGS]
    expected = [
        (date, description.replace("東京", "??"), group, amount)
        for date, description, group, amount in PRINTED_LINES
    ]
    assert [tuple(drawn_lines[i : i + 4]) for i in range(0, 28, 4)] == expected


_TABLE_HEADINGS = {"Date", "Description", "Type", "Amount"}


def _split_footers(text: list[str]) -> tuple[list[str], list[str]]:
    """Take out the page footers ("... page 1 of " and the page count)."""
    footers, body, index = [], [], 0
    while index < len(text):
        if " - page " in text[index]:
            footers.append(text[index] + text[index + 1])
            index += 2
        else:
            body.append(text[index])
            index += 1
    return footers, body


def test_the_same_statement_renders_to_the_same_pdf_bytes(closed):
    first = statement_pdf(document=statement_document(statement=closed.statement))
    second = statement_pdf(document=statement_document(statement=closed.statement))

    assert first == second


def test_the_csv_has_a_header_the_summary_and_the_lines(closed):
    statement, history = closed.statement, closed.history
    rows = list(
        csv.reader(
            io.StringIO(statement_csv(document=statement_document(statement=statement)))
        )
    )

    def summary(key: str, value: str) -> list[str]:
        return ["summary", key, value, "", "", "", "", ""]

    def line(date: str, text: str, kind: str, amount: str, entry) -> list[str]:
        return ["transaction", "", "", date, text, kind, amount, str(entry.public_id)]

    assert rows == [
        [
            "record",
            "key",
            "value",
            "date",
            "description",
            "type",
            "amount",
            "reference",
        ],
        summary("account_id", str(statement.account.public_id)),
        summary("cardholder", "Ada Lovelace"),
        summary("currency", "USD"),
        summary("period_start", "2026-01-02"),
        summary("period_end", "2026-02-01"),
        summary("previous_balance", "100.00"),
        summary("purchases", "623.45"),
        summary("payments", "113.45"),
        summary("fees", "25.00"),
        summary("interest", "12.34"),
        summary("new_balance", "647.34"),
        summary("minimum_payment", "25.00"),
        summary("past_due", "0.00"),
        summary("due_date", "2026-02-26"),
        summary("credit_limit", "5000.00"),
        summary("available_credit", "4352.66"),
        summary("apr_percent", "21.99"),
        summary("average_daily_balance", "456.78"),
        summary("days_in_cycle", "31"),
        summary("grace_applied", "no"),
        summary("minimum_only_months", "87"),
        summary("minimum_only_total", "987.65"),
        summary("three_year_payment", "24.30"),
        summary("three_year_total", "874.80"),
        line("2026-01-02", "Corner Shop", "purchase", "123.45", history.purchase),
        line(
            "2026-01-10", "Corner Shop", "payment_or_credit", "-23.45", history.refund
        ),
        line(
            "2026-01-15",
            "Payment received",
            "payment_or_credit",
            "-100.00",
            history.payment,
        ),
        line(
            "2026-01-20",
            "'=Café Zürich 東京",
            "purchase",
            "500.00",
            history.foreign_purchase,
        ),
        line("2026-01-25", "Late fee", "fee", "25.00", history.late_fee),
        line(
            "2026-01-28",
            "Returned payment",
            "payment_or_credit",
            "10.00",
            history.payment_return,
        ),
        line("2026-02-01", "Interest charged", "interest", "12.34", history.interest),
    ]


def test_a_negative_balance_stays_a_number_in_the_csv():
    """A credit balance is `-12.50`, not a formula-escaped text."""
    account = credit_account_create_for_test()
    statement = _loaded(
        statement_create(
            account,
            previous_balance=0,
            purchases=0,
            payments=1_250,
            fees=0,
            interest=0,
            new_balance=-1_250,
            minimum_payment=0,
        )
    )
    rows = list(
        csv.reader(
            io.StringIO(statement_csv(document=statement_document(statement=statement)))
        )
    )

    assert ["summary", "new_balance", "-12.50", "", "", "", "", ""] in rows


def test_a_currency_without_decimals_prints_whole_units():
    account = credit_account_create_for_test(credit_limit=500_000, currency="JPY")
    post(account, kind="purchase", amount=12_345, effective_at=at(2026, 1, 5))
    statement = _loaded(statement_create(account))
    document = statement_document(statement=statement)

    assert document.rows[0].amount == "12,345"
    assert [f.text for f in document.figures if f.key == "new_balance"] == ["64,734"]
    assert "summary,new_balance,64734,,,,," in statement_csv(document=document)
