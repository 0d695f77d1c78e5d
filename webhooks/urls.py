"""Partner API routes for webhooks."""

from django.urls import path

from webhooks import apis, apis_decisions

urlpatterns = [
    path(
        "authorization-decision-endpoint",
        apis_decisions.DecisionEndpointApi.as_view(),
        name="authorization-decision-endpoint",
    ),
    path(
        "authorization-decision-endpoint/rotate-secret",
        apis_decisions.DecisionEndpointRotateSecretApi.as_view(),
        name="authorization-decision-endpoint-rotate-secret",
    ),
    path(
        "webhook-endpoints",
        apis.WebhookEndpointListCreateApi.as_view(),
        name="webhook-endpoints",
    ),
    path(
        "webhook-endpoints/<str:endpoint_id>",
        apis.WebhookEndpointDetailApi.as_view(),
        name="webhook-endpoint-detail",
    ),
    path(
        "webhook-endpoints/<str:endpoint_id>/rotate-secret",
        apis.WebhookSecretRotateApi.as_view(),
        name="webhook-endpoint-rotate-secret",
    ),
    path(
        "webhook-endpoints/<str:endpoint_id>/deliveries",
        apis.WebhookDeliveryListApi.as_view(),
        name="webhook-endpoint-deliveries",
    ),
    path(
        "webhook-deliveries/<str:delivery_id>",
        apis.WebhookDeliveryDetailApi.as_view(),
        name="webhook-delivery-detail",
    ),
    path(
        "webhook-deliveries/<str:delivery_id>/replay",
        apis.WebhookDeliveryReplayApi.as_view(),
        name="webhook-delivery-replay",
    ),
]
