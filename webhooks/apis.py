"""Partner API for webhooks: endpoints, secret rotation, the delivery log
and replays. Every query is scoped to the calling partner, so another
partner's endpoint or delivery is a 404."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_auth import request_partner
from accounts.models import Scope
from issuer.kernel.api.idempotency import idempotent
from issuer.kernel.api.views import NewestFirstCursorPagination, get_by_public_id
from issuer.kernel.fields.api import StrictIntegerField
from webhooks.catalogue import PUBLIC_EVENT_TYPES, SUBSCRIBABLE_EVENT_TYPES
from webhooks.docs import VERIFICATION_GUIDE
from webhooks.models import WebhookDelivery, WebhookEndpoint
from webhooks.selectors import (
    webhook_deliveries_for_partner,
    webhook_endpoints_for_partner,
)
from webhooks.services.delivery import webhook_delivery_replay
from webhooks.services.endpoints import (
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_disable,
    webhook_endpoint_enable,
    webhook_endpoint_update,
    webhook_secret_rotate,
)


class EndpointOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    url = serializers.URLField()
    events = serializers.ListField(child=serializers.CharField(), source="event_types")
    description = serializers.CharField()
    alert_email = serializers.CharField(help_text="An email address, or empty.")
    status = serializers.ChoiceField(choices=WebhookEndpoint.Status.choices)
    disabled_reason = serializers.CharField()
    last_success_at = serializers.DateTimeField(allow_null=True)
    created = serializers.DateTimeField(source="created_at")


class EndpointCreatedOutputSerializer(EndpointOutputSerializer):
    secret = serializers.CharField(help_text="Shown once: store it now.")


class AttemptOutputSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    duration_ms = serializers.IntegerField()
    status_code = serializers.IntegerField(allow_null=True)
    error = serializers.CharField()
    response_snippet = serializers.CharField()
    outcome = serializers.CharField()


class DeliveryOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    endpoint_id = serializers.UUIDField(source="endpoint.public_id")
    event_id = serializers.UUIDField(source="event.event_id")
    event_type = serializers.CharField(source="event.type")
    status = serializers.ChoiceField(choices=WebhookDelivery.Status.choices)
    attempt_count = serializers.IntegerField()
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)
    last_status_code = serializers.IntegerField(allow_null=True)
    last_error = serializers.CharField()
    created = serializers.DateTimeField(source="created_at")
    attempts = AttemptOutputSerializer(many=True)


def _endpoint_for(request: Request, endpoint_id: str) -> WebhookEndpoint:
    return get_by_public_id(
        webhook_endpoints_for_partner(partner=request_partner(request)),
        endpoint_id,
        label="webhook endpoint",
    )


class WebhookEndpointListCreateApi(APIView):
    """Register an endpoint (not idempotent on purpose: its answer holds the
    signing secret, which is never stored in clear to be replayed), or list
    the partner's endpoints."""

    required_scope = Scope.WEBHOOKS
    pagination_class = NewestFirstCursorPagination

    class InputSerializer(serializers.Serializer):
        url = serializers.URLField(max_length=500)
        events = serializers.ListField(
            child=serializers.ChoiceField(choices=SUBSCRIBABLE_EVENT_TYPES),
            allow_empty=False,
            max_length=len(SUBSCRIBABLE_EVENT_TYPES),
        )
        description = serializers.CharField(
            max_length=200, required=False, default="", allow_blank=True
        )
        alert_email = serializers.EmailField(
            required=False, default="", allow_blank=True
        )

    @extend_schema(
        request=InputSerializer,
        responses={201: EndpointCreatedOutputSerializer},
        description=VERIFICATION_GUIDE,
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        endpoint, secret = webhook_endpoint_create(
            partner=request_partner(request),
            url=data["url"],
            event_types=data["events"],
            description=data["description"],
            alert_email=data["alert_email"],
        )
        body = {**EndpointOutputSerializer(endpoint).data, "secret": secret}
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: EndpointOutputSerializer(many=True)})
    def get(self, request: Request) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            webhook_endpoints_for_partner(partner=request_partner(request)),
            request,
            view=self,
        )
        return paginator.get_paginated_response(
            EndpointOutputSerializer(page, many=True).data
        )


class WebhookEndpointDetailApi(APIView):
    required_scope = Scope.WEBHOOKS

    class InputSerializer(serializers.Serializer):
        url = serializers.URLField(max_length=500, required=False)
        events = serializers.ListField(
            child=serializers.ChoiceField(choices=SUBSCRIBABLE_EVENT_TYPES),
            allow_empty=False,
            max_length=len(SUBSCRIBABLE_EVENT_TYPES),
            required=False,
        )
        description = serializers.CharField(
            max_length=200, required=False, allow_blank=True
        )
        alert_email = serializers.EmailField(required=False, allow_blank=True)
        status = serializers.ChoiceField(
            choices=WebhookEndpoint.Status.choices, required=False
        )

    @extend_schema(responses={200: EndpointOutputSerializer})
    def get(self, request: Request, endpoint_id: str) -> Response:
        endpoint = _endpoint_for(request, endpoint_id)
        return Response(EndpointOutputSerializer(endpoint).data)

    @extend_schema(request=InputSerializer, responses={200: EndpointOutputSerializer})
    def patch(self, request: Request, endpoint_id: str) -> Response:
        endpoint = _endpoint_for(request, endpoint_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        wanted_status = data.pop("status", None)
        endpoint = webhook_endpoint_update(
            endpoint=endpoint,
            url=data.get("url"),
            event_types=data.get("events"),
            description=data.get("description"),
            alert_email=data.get("alert_email"),
        )
        if wanted_status == WebhookEndpoint.Status.ENABLED:
            endpoint = webhook_endpoint_enable(endpoint=endpoint)
        elif wanted_status == WebhookEndpoint.Status.DISABLED:
            webhook_endpoint_disable(
                endpoint=endpoint, reason="Disabled by the partner."
            )
        return Response(EndpointOutputSerializer(endpoint).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, endpoint_id: str) -> Response:
        webhook_endpoint_delete(endpoint=_endpoint_for(request, endpoint_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookSecretRotateApi(APIView):
    """A new signing secret (not idempotent: see the endpoint's creation)."""

    required_scope = Scope.WEBHOOKS

    class InputSerializer(serializers.Serializer):
        overlap_seconds = StrictIntegerField(
            min_value=0, max_value=7 * 24 * 60 * 60, required=False
        )

    class OutputSerializer(serializers.Serializer):
        secret = serializers.CharField(help_text="Shown once: store it now.")
        previous_secret_expires_at = serializers.DateTimeField()

    @extend_schema(request=InputSerializer, responses={200: OutputSerializer})
    def post(self, request: Request, endpoint_id: str) -> Response:
        endpoint = _endpoint_for(request, endpoint_id)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        secret, old_expire_at = webhook_secret_rotate(
            endpoint=endpoint,
            overlap_seconds=serializer.validated_data.get("overlap_seconds"),
        )
        return Response(
            self.OutputSerializer(
                {"secret": secret, "previous_secret_expires_at": old_expire_at}
            ).data
        )


class WebhookDeliveryListApi(APIView):
    """An endpoint's delivery log, newest first, filterable by status and type."""

    required_scope = Scope.WEBHOOKS
    pagination_class = NewestFirstCursorPagination

    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(
            choices=WebhookDelivery.Status.choices, required=False
        )
        event_type = serializers.ChoiceField(choices=PUBLIC_EVENT_TYPES, required=False)

    @extend_schema(
        parameters=[FilterSerializer],
        responses={200: DeliveryOutputSerializer(many=True)},
    )
    def get(self, request: Request, endpoint_id: str) -> Response:
        endpoint = _endpoint_for(request, endpoint_id)
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        deliveries = webhook_deliveries_for_partner(
            partner=request_partner(request)
        ).filter(endpoint=endpoint)
        if "status" in filters.validated_data:
            deliveries = deliveries.filter(status=filters.validated_data["status"])
        if "event_type" in filters.validated_data:
            deliveries = deliveries.filter(
                event__type=filters.validated_data["event_type"]
            )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(deliveries, request, view=self)
        return paginator.get_paginated_response(
            DeliveryOutputSerializer(page, many=True).data
        )


def _delivery_for(request: Request, delivery_id: str) -> WebhookDelivery:
    return get_by_public_id(
        webhook_deliveries_for_partner(partner=request_partner(request)),
        delivery_id,
        label="webhook delivery",
    )


class WebhookDeliveryDetailApi(APIView):
    required_scope = Scope.WEBHOOKS

    @extend_schema(responses={200: DeliveryOutputSerializer})
    def get(self, request: Request, delivery_id: str) -> Response:
        return Response(
            DeliveryOutputSerializer(_delivery_for(request, delivery_id)).data
        )


class WebhookDeliveryReplayApi(APIView):
    """Send the delivery again: same event id, same body, new signature."""

    required_scope = Scope.WEBHOOKS

    @extend_schema(request=None, responses={202: DeliveryOutputSerializer})
    @idempotent
    def post(self, request: Request, delivery_id: str) -> Response:
        delivery = webhook_delivery_replay(delivery=_delivery_for(request, delivery_id))
        delivery = _delivery_for(request, str(delivery.public_id))
        return Response(
            DeliveryOutputSerializer(delivery).data, status=status.HTTP_202_ACCEPTED
        )
