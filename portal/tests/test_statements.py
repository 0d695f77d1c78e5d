"""The cardholder's statements: the list, one statement and its downloads."""

import csv
import io

import pytest

from portal.tests.billing_world import billed_holder

pytestmark = pytest.mark.django_db


def test_the_list_shows_each_statement_with_its_figures(cardholder_client):
    holder = billed_holder("ann")

    html = cardholder_client(holder.user).get("/portal/statements/").content.decode()

    assert "Sep 1 to Sep 28, 2026" in html
    assert "1,234.56 USD" in html
    assert "25.00 USD" in html
    assert "Oct 25, 2026" in html
    assert f"/portal/statements/{holder.statement.public_id}/statement.pdf" in html


def test_a_statement_shows_the_shared_statement_body(cardholder_client):
    holder = billed_holder("ann")

    response = cardholder_client(holder.user).get(
        f"/portal/statements/{holder.statement.public_id}/"
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert '<tr data-key="new_balance"><th scope="row">New balance</th>' in html
    assert "<td>1,234.56</td>" in html
    assert "Download PDF" in html


def test_the_pdf_downloads_as_an_attachment(cardholder_client):
    holder = billed_holder("ann")

    response = cardholder_client(holder.user).get(
        f"/portal/statements/{holder.statement.public_id}/statement.pdf"
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.content.startswith(b"%PDF-")


def test_the_csv_holds_the_statement_figures(cardholder_client):
    holder = billed_holder("ann")

    response = cardholder_client(holder.user).get(
        f"/portal/statements/{holder.statement.public_id}/statement.csv"
    )

    assert response["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert any("new_balance" in row and "1234.56" in row for row in rows), rows


def test_without_statements_the_list_says_so(
    cardholder_client, test_card, cardholder_user
):
    client = cardholder_client(cardholder_user(test_card))

    html = client.get("/portal/statements/").content.decode()

    assert "No statements yet" in html
