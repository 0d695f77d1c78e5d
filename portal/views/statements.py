"""The cardholder's statements: the list, one statement, its PDF and CSV."""

from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.statement_documents.content import statement_document
from accounts.statement_documents.responses import (
    DocumentFormat,
    statement_document_response,
)
from portal.auth import cardholder_required, request_cardholder
from portal.billing_selectors import cardholder_statement, cardholder_statements


@cardholder_required
def statement_list(request: HttpRequest) -> HttpResponse:
    statements = cardholder_statements(cardholder=request_cardholder(request))
    return render(request, "portal/statements/list.html", {"statements": statements})


@cardholder_required
def statement_detail(request: HttpRequest, statement_id: UUID) -> HttpResponse:
    statement = cardholder_statement(
        cardholder=request_cardholder(request), statement_id=statement_id
    )
    return render(
        request,
        "portal/statements/detail.html",
        {"statement": statement, "document": statement_document(statement=statement)},
    )


@cardholder_required
def statement_download(
    request: HttpRequest, statement_id: UUID, fmt: str
) -> HttpResponse:
    """Download the PDF or the CSV of one of the cardholder's statements."""
    statement = cardholder_statement(
        cardholder=request_cardholder(request), statement_id=statement_id
    )
    return statement_document_response(statement=statement, fmt=DocumentFormat(fmt))
