"""The portal's account routes: statements, payments, autopay, credit score."""

from django.urls import path

from portal.views import credit_score, payments, statements

urlpatterns = [
    path("statements/", statements.statement_list, name="portal-statements"),
    path(
        "statements/<uuid:statement_id>/",
        statements.statement_detail,
        name="portal-statement",
    ),
    *(
        path(
            f"statements/<uuid:statement_id>/statement.{fmt}",
            statements.statement_download,
            {"fmt": fmt},
            name=f"portal-statement-{fmt}",
        )
        for fmt in ("pdf", "csv")
    ),
    path("payments/", payments.payment_list, name="portal-payments"),
    path(
        "accounts/<uuid:account_id>/pay/",
        payments.payment_make,
        name="portal-pay",
    ),
    path(
        "accounts/<uuid:account_id>/autopay/",
        payments.autopay_edit,
        name="portal-autopay",
    ),
    path("credit-score/", credit_score.credit_score, name="portal-credit-score"),
]
