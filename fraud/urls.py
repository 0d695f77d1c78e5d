"""Partner API routes owned by fraud."""

from django.urls import path

from fraud.apis import AuthorizationDetailApi

urlpatterns = [
    path(
        "authorizations/<str:authorization_id>",
        AuthorizationDetailApi.as_view(),
        name="authorization-detail",
    ),
]
