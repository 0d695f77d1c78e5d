"""Partner API routes for card transactions and program management."""

from django.urls import path

from cards import apis, apis_disputes, apis_program

urlpatterns = [
    path(
        "authorizations", apis.AuthorizationCreateApi.as_view(), name="authorizations"
    ),
    path(
        "authorizations/<str:authorization_id>/capture",
        apis.AuthorizationCaptureApi.as_view(),
        name="authorization-capture",
    ),
    path(
        "authorizations/<str:authorization_id>/reverse",
        apis.AuthorizationReverseApi.as_view(),
        name="authorization-reverse",
    ),
    path("captures", apis.ForceCaptureApi.as_view(), name="force-captures"),
    path("refunds", apis.RefundCreateApi.as_view(), name="refunds"),
    path(
        "disputes/<str:dispute_id>",
        apis_disputes.DisputeDetailApi.as_view(),
        name="dispute-detail",
    ),
    path(
        "accounts/<str:account_id>/disputes",
        apis_disputes.AccountDisputeListApi.as_view(),
        name="account-disputes",
    ),
    path(
        "cardholders",
        apis_program.CardholderListCreateApi.as_view(),
        name="cardholders",
    ),
    path(
        "cardholders/<str:cardholder_id>",
        apis_program.CardholderDetailApi.as_view(),
        name="cardholder-detail",
    ),
    path("cards", apis_program.CardListCreateApi.as_view(), name="cards"),
    path(
        "cards/<str:card_id>", apis_program.CardDetailApi.as_view(), name="card-detail"
    ),
    *(
        path(
            f"cards/<str:card_id>/{api.action}",
            api.as_view(),
            name=f"card-{api.action}",
        )
        for api in apis_program.CARD_ACTION_APIS
    ),
]
