"""Staff read statements in admin and open their page, PDF and CSV; nobody edits."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Statement
from accounts.roles import CREDIT_OFFICER, FRAUD_ANALYST, SUPPORT_AGENT
from accounts.tests.factories import credit_account_create_for_test
from accounts.tests.pdf_text import pdf_text_lines
from accounts.tests.statement_data import (
    PERIOD_END,
    at,
    history_post,
    post,
    statement_create,
)

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/accounts/statement/"
FORMATS = ("html", "pdf", "csv")


def document_url(statement: Statement, fmt: str) -> str:
    return reverse(
        "admin:accounts_statement_document",
        kwargs={"statement_id": statement.pk, "fmt": fmt},
    )


@pytest.fixture
def statement() -> Statement:
    account = credit_account_create_for_test(
        credit_limit=500_000, first_name="Ada", last_name="Lovelace"
    )
    history_post(account)
    return statement_create(account)


@pytest.fixture
def as_role(make_staff, staff_client):
    def login(role: str) -> Client:
        return staff_client(make_staff(f"statements-{role}", role))

    return login


@pytest.mark.parametrize("role", [SUPPORT_AGENT, CREDIT_OFFICER])
def test_support_and_credit_officers_list_statements_with_their_figures(
    role, statement, as_role
):
    page = as_role(role).get(CHANGELIST)

    html = page.content.decode()
    assert page.status_code == 200
    assert "Jan 2, 2026 to Feb 1, 2026" in html
    assert "Ada Lovelace" in html
    assert str(statement.account.public_id) in html
    assert "647.34 USD" in html
    assert "25.00 USD" in html
    for fmt in FORMATS:
        assert document_url(statement, fmt) in html


@pytest.mark.parametrize("role", [SUPPORT_AGENT, CREDIT_OFFICER])
def test_support_and_credit_officers_open_each_document(role, statement, as_role):
    client = as_role(role)
    stem = f"statement-{statement.account.public_id}-2026-02-01"

    page, pdf, spreadsheet = (client.get(document_url(statement, f)) for f in FORMATS)

    assert [page.status_code, pdf.status_code, spreadsheet.status_code] == [200] * 3
    assert page["Content-Type"] == "text/html; charset=utf-8"
    assert "Content-Disposition" not in page
    html = page.content.decode()
    assert (
        '<tr data-key="new_balance"><th scope="row">New balance</th>'
        "<td>647.34</td></tr>"
    ) in html
    assert f'<a href="{document_url(statement, "pdf")}">Download PDF</a>' in html
    assert f'<a href="{document_url(statement, "csv")}">Download CSV</a>' in html
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf["Content-Disposition"] == f'attachment; filename="{stem}.pdf"'
    assert pdf.content.startswith(b"%PDF-")
    assert "647.34" in pdf_text_lines(pdf.content)
    assert spreadsheet["Content-Type"] == "text/csv; charset=utf-8"
    assert spreadsheet["Content-Disposition"] == f'attachment; filename="{stem}.csv"'
    assert "summary,new_balance,647.34,,,,,\r\n" in spreadsheet.content.decode()
    assert "no-cache" in pdf["Cache-Control"]  # personal data: never cached


def test_a_fraud_analyst_is_refused_every_statement_page(statement, as_role):
    client = as_role(FRAUD_ANALYST)

    codes = [
        client.get(CHANGELIST).status_code,
        client.get(f"{CHANGELIST}{statement.pk}/change/").status_code,
        *(client.get(document_url(statement, fmt)).status_code for fmt in FORMATS),
    ]

    assert codes == [403] * 5


def test_documents_need_a_staff_login(statement):
    response = Client().get(document_url(statement, "pdf"))

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_an_unknown_statement_is_not_found(statement, as_role):
    client = as_role(SUPPORT_AGENT)

    response = client.get(
        reverse(
            "admin:accounts_statement_document",
            kwargs={"statement_id": statement.pk + 1000, "fmt": "pdf"},
        )
    )

    assert response.status_code == 404


def test_nobody_adds_changes_or_deletes_a_statement(statement, as_role, admin_client):
    officer = as_role(CREDIT_OFFICER)
    change_url = f"{CHANGELIST}{statement.pk}/change/"

    view = officer.get(change_url)
    responses = [
        officer.post(change_url, {"minimum_payment": "0"}).status_code,
        officer.get(f"{CHANGELIST}add/").status_code,
        officer.get(f"{CHANGELIST}{statement.pk}/delete/").status_code,
        admin_client.post(change_url, {"minimum_payment": "0"}).status_code,
        admin_client.get(f"{CHANGELIST}add/").status_code,
        admin_client.get(f"{CHANGELIST}{statement.pk}/delete/").status_code,
    ]

    assert view.status_code == 200
    assert 'name="_save"' not in view.content.decode()
    assert responses == [403] * 6
    statement.refresh_from_db()
    assert statement.minimum_payment == 2_500


def test_the_statement_page_shows_its_summary_and_lines(statement, as_role):
    html = as_role(SUPPORT_AGENT).get(f"{CHANGELIST}{statement.pk}/change/")

    page = html.content.decode()
    assert "<td>Account summary</td><td>New balance</td><td>647.34</td>" in page
    assert (
        "<td>Minimum payment warning</td><td>Estimated total paid in 3 years</td>"
        in page
    )
    assert (
        "<td>Jan 20, 2026</td><td>=Café Zürich 東京</td><td>Purchase</td>"
        "<td>500.00</td>"
    ) in page
    assert document_url(statement, "pdf") in page


def _listed(client: Client, query: str) -> list[int]:
    response = client.get(f"{CHANGELIST}?{query}")
    assert response.status_code == 200
    return [row.pk for row in response.context["cl"].result_list]


def test_staff_find_statements_by_account_holder_period_and_past_due(
    statement, as_role
):
    other_account = credit_account_create_for_test(
        first_name="Grace", last_name="Hopper"
    )
    past_due = statement_create(other_account, past_due=1_000)
    earlier = statement_create(
        other_account,
        period_start=at(2025, 12, 2).date(),
        period_end=at(2026, 1, 1).date(),
    )
    client = as_role(SUPPORT_AGENT)

    assert _listed(client, f"q={statement.account.public_id}") == [statement.pk]
    assert _listed(client, "q=Ada+Lovelace") == [statement.pk]
    assert set(_listed(client, "q=hopper")) == {past_due.pk, earlier.pk}
    assert _listed(client, "past_due=yes") == [past_due.pk]
    assert _listed(client, "period_end__year=2026&period_end__month=1") == [earlier.pk]
    assert _listed(client, f"account__id__exact={statement.account_id}") == [
        statement.pk
    ]


def test_the_list_costs_the_same_queries_for_more_statements(statement, as_role):
    client = as_role(CREDIT_OFFICER)
    client.get(CHANGELIST)  # warm the session and content types
    with CaptureQueriesContext(connection) as one:
        client.get(CHANGELIST)
    for number in range(3):
        account = credit_account_create_for_test(last_name=f"Holder{number}")
        statement_create(account)
    with CaptureQueriesContext(connection) as four:
        client.get(CHANGELIST)

    assert len(four.captured_queries) == len(one.captured_queries)


def test_no_statement_output_shows_a_card_number(test_card, as_role):
    """Statements belong to the account: not even the last four digits appear."""
    account = test_card.issued.card.account
    post(
        account,
        kind="purchase",
        amount=4_500,
        effective_at=at(2026, 1, 15),
        description="Corner Shop",
    )
    statement = statement_create(
        account,
        previous_balance=0,
        purchases=4_500,
        payments=0,
        fees=0,
        interest=0,
        new_balance=4_500,
        minimum_payment=2_500,
    )
    client = as_role(SUPPORT_AGENT)
    pan = test_card.issued.pan

    pages = [
        client.get(CHANGELIST),
        client.get(f"{CHANGELIST}{statement.pk}/change/"),
        *(client.get(document_url(statement, fmt)) for fmt in FORMATS),
    ]

    assert [page.status_code for page in pages] == [200] * 5
    pdf = pages[3].content
    texts = [page.content.decode() for page in (*pages[:3], pages[4])]
    texts.append("\n".join(pdf_text_lines(pdf)))
    assert "45.00" in texts[-1]  # the purchase is there
    for text in texts:
        assert pan not in text
        assert pan[:6] not in text
        assert f"•••• {pan[-4:]}" not in text
    assert pan.encode() not in pdf
    assert PERIOD_END.isoformat() in texts[3]
