"""HTTP responses for a statement's documents, for staff and cardholder views.

The caller decides who may see the statement; these only render it.
"""

import enum
from collections.abc import Sequence

from django.http import HttpRequest, HttpResponse
from django.utils.http import content_disposition_header

from accounts.models import Statement
from accounts.statement_documents.content import statement_document
from accounts.statement_documents.csv_file import statement_csv
from accounts.statement_documents.html_page import DocumentLink, statement_html
from accounts.statement_documents.pdf_file import statement_pdf


class DocumentFormat(enum.StrEnum):
    HTML = "html"
    PDF = "pdf"
    CSV = "csv"


def statement_document_response(
    *,
    statement: Statement,
    fmt: DocumentFormat,
    request: HttpRequest | None = None,
    links: Sequence[DocumentLink] = (),
) -> HttpResponse:
    """Return the page inline, or the PDF or CSV as a download."""
    document = statement_document(statement=statement)
    if fmt is DocumentFormat.HTML:
        page = statement_html(document=document, links=links, request=request)
        return HttpResponse(page, content_type="text/html; charset=utf-8")
    if fmt is DocumentFormat.PDF:
        response = HttpResponse(
            statement_pdf(document=document), content_type="application/pdf"
        )
    else:
        response = HttpResponse(
            statement_csv(document=document), content_type="text/csv; charset=utf-8"
        )
    disposition = content_disposition_header(
        as_attachment=True, filename=f"{document.filename_stem}.{fmt.value}"
    )
    assert disposition is not None  # always set for an attachment
    response["Content-Disposition"] = disposition
    return response
