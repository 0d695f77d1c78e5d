"""Statements: read-only, each with its printable page, PDF and CSV.

Nobody edits a statement (they are immutable once closed); staff who may
view statements open or download the same documents the cardholder gets.
"""

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import URLPattern, re_path, reverse
from django.utils.html import format_html, format_html_join

from accounts.models import Statement
from accounts.statement_documents.content import (
    StatementDocument,
    date_text,
    statement_document,
)
from accounts.statement_documents.html_page import DocumentLink
from accounts.statement_documents.responses import (
    DocumentFormat,
    statement_document_response,
)
from issuer.kernel.admin import ReadOnlyAdmin, admin_link, html_table
from issuer.kernel.money import format_money

DOCUMENT_URL_NAME = "admin:accounts_statement_document"
DOCUMENT_LABELS = {
    DocumentFormat.HTML: "View (HTML)",
    DocumentFormat.PDF: "PDF",
    DocumentFormat.CSV: "CSV",
}


def _money(amount: int, currency: str) -> str:
    return f"{format_money(amount, currency)} {currency}"


def statement_document_url(statement: Statement, fmt: DocumentFormat) -> str:
    return reverse(
        DOCUMENT_URL_NAME, kwargs={"statement_id": statement.pk, "fmt": fmt.value}
    )


class PastDueFilter(admin.SimpleListFilter):
    title = "past due"
    parameter_name = "past_due"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Past due"), ("no", "Not past due")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        if self.value() == "yes":
            return queryset.filter(past_due__gt=0)
        if self.value() == "no":
            return queryset.filter(past_due__lte=0)
        return queryset


@admin.register(Statement)
class StatementAdmin(ReadOnlyAdmin):
    list_display = (
        "period",
        "holder",
        "account_link",
        "new_balance_text",
        "minimum_text",
        "due_date",
        "is_grace_applied",
        "documents",
    )
    list_filter = ("is_grace_applied", PastDueFilter, "currency", "account__status")
    search_fields = (
        "=account__public_id",
        "account__cardholder__first_name",
        "account__cardholder__last_name",
    )
    list_select_related = ("account__cardholder",)
    date_hierarchy = "period_end"
    ordering = ("-period_end", "-pk")
    fields = (
        "holder",
        "account_link",
        "period",
        "documents",
        "summary",
        "transactions",
        "closed_at",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Statement]:
        return super().get_queryset(request).select_related("account__cardholder")

    @admin.display(description="Period", ordering="period_end")
    def period(self, statement: Statement) -> str:
        return (
            f"{date_text(statement.period_start)} to {date_text(statement.period_end)}"
        )

    @admin.display(description="Cardholder", ordering="account__cardholder__last_name")
    def holder(self, statement: Statement) -> str:
        return admin_link(statement.account.cardholder)

    @admin.display(description="Account")
    def account_link(self, statement: Statement) -> str:
        return admin_link(statement.account, statement.account.public_id)

    @admin.display(description="New balance", ordering="new_balance")
    def new_balance_text(self, statement: Statement) -> str:
        return _money(statement.new_balance, statement.currency)

    @admin.display(description="Minimum due", ordering="minimum_payment")
    def minimum_text(self, statement: Statement) -> str:
        return _money(statement.minimum_payment, statement.currency)

    @admin.display(description="Documents")
    def documents(self, statement: Statement) -> str:
        return format_html_join(
            " | ",
            '<a href="{}">{}</a>',
            (
                (statement_document_url(statement, fmt), label)
                for fmt, label in DOCUMENT_LABELS.items()
            ),
        )

    @admin.display(description="Summary")
    def summary(self, statement: Statement) -> str:
        document = self._document(statement)
        rows = [
            (section.title, figure.label, figure.text)
            for section in document.printed_sections
            for figure in section.figures
        ]
        return format_html(
            "{}<p>Amounts in {}.</p>",
            html_table(("Section", "Figure", "Value"), rows),
            document.currency,
        )

    @admin.display(description="Transactions")
    def transactions(self, statement: Statement) -> str:
        rows = [
            (row.date, row.description, row.group, row.amount)
            for row in self._document(statement).rows
        ]
        return html_table(("Date", "Description", "Type", "Amount"), rows)

    def _document(self, statement: Statement) -> StatementDocument:
        """Build the document once per page (the lines are a query)."""
        document = getattr(statement, "_document", None)
        if document is None:
            document = statement_document(statement=statement)
            statement._document = document  # type: ignore[attr-defined]
        return document

    def get_urls(self) -> list[URLPattern]:
        return [
            re_path(
                r"^(?P<statement_id>[0-9]+)/document\.(?P<fmt>html|pdf|csv)$",
                self.admin_site.admin_view(self.document_view),
                name="accounts_statement_document",
            ),
            *super().get_urls(),
        ]

    def document_view(
        self, request: HttpRequest, statement_id: str, fmt: str
    ) -> HttpResponse:
        """Show the printable page, or download the PDF or CSV."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        statement = (
            Statement.objects.select_related("account__cardholder")
            .filter(pk=statement_id)
            .first()
        )
        if statement is None:
            raise Http404("No such statement.")
        if not self.has_view_permission(request, statement):
            raise PermissionDenied
        links = [
            DocumentLink(
                "Back to the statement",
                reverse("admin:accounts_statement_change", args=[statement.pk]),
            ),
            DocumentLink(
                "Download PDF", statement_document_url(statement, DocumentFormat.PDF)
            ),
            DocumentLink(
                "Download CSV", statement_document_url(statement, DocumentFormat.CSV)
            ),
        ]
        return statement_document_response(
            statement=statement,
            fmt=DocumentFormat(fmt),
            request=request,
            links=links,
        )
