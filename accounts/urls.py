"""Partner API routes owned by accounts."""

from django.urls import path

from accounts.apis import (
    AccountDetailApi,
    AccountPaymentCreateApi,
    AccountStatementListApi,
)

urlpatterns = [
    path(
        "accounts/<str:account_id>", AccountDetailApi.as_view(), name="account-detail"
    ),
    path(
        "accounts/<str:account_id>/payments",
        AccountPaymentCreateApi.as_view(),
        name="account-payments",
    ),
    path(
        "accounts/<str:account_id>/statements",
        AccountStatementListApi.as_view(),
        name="account-statements",
    ),
]
