"""The printable HTML page of a statement."""

from collections.abc import Sequence
from dataclasses import dataclass

from django.http import HttpRequest
from django.template.loader import render_to_string

from accounts.statement_documents.content import StatementDocument

TEMPLATE = "accounts/statements/statement.html"


@dataclass(frozen=True)
class DocumentLink:
    """A link in the page's toolbar (hidden when printed)."""

    label: str
    url: str


def statement_html(
    *,
    document: StatementDocument,
    links: Sequence[DocumentLink] = (),
    request: HttpRequest | None = None,
) -> str:
    """Render the standalone page: the statement body with its print styles."""
    return render_to_string(
        TEMPLATE, {"document": document, "links": links}, request=request
    )
