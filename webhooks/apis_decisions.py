"""Partner API for the program's real-time authorization decision endpoint.

One endpoint per program, always the calling partner's own: there is no id
in the path, so a partner cannot reach another program's.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_auth import request_partner
from accounts.models import Scope
from cards.services.realtime_decisions import DEFAULT_BUDGET_MS, MAX_BUDGET_MS
from issuer.kernel.errors import NotFound
from webhooks.models import AuthorizationDecisionEndpoint
from webhooks.services.decisions import (
    MIN_BUDGET_MS,
    decision_endpoint_delete,
    decision_endpoint_put,
    decision_endpoint_rotate_secret,
)


class DecisionEndpointOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    url = serializers.URLField()
    budget_ms = serializers.IntegerField()
    default_decision = serializers.SerializerMethodField()
    created = serializers.DateTimeField(source="created_at")
    updated = serializers.DateTimeField(source="updated_at")

    def get_default_decision(self, endpoint: AuthorizationDecisionEndpoint) -> str:
        return "approve" if endpoint.default_approves else "decline"


class DecisionEndpointSecretOutputSerializer(DecisionEndpointOutputSerializer):
    secret = serializers.CharField(help_text="Shown once, when made: store it now.")


def _endpoint_of(request: Request) -> AuthorizationDecisionEndpoint:
    endpoint = AuthorizationDecisionEndpoint.objects.filter(
        partner=request_partner(request)
    ).first()
    if endpoint is None:
        raise NotFound("No authorization-decision endpoint is registered.")
    return endpoint


class DecisionEndpointApi(APIView):
    """Register (PUT; 201 with the secret the first time, else 200), read or
    delete the program's authorization-decision endpoint."""

    required_scope = Scope.WEBHOOKS
    names_the_callers_object = True  # 404 until the program registers one

    class InputSerializer(serializers.Serializer):
        url = serializers.URLField(max_length=500)
        budget_ms = serializers.IntegerField(
            min_value=MIN_BUDGET_MS,
            max_value=MAX_BUDGET_MS,
            required=False,
            default=DEFAULT_BUDGET_MS,
        )
        default_decision = serializers.ChoiceField(
            choices=["approve", "decline"], required=False, default="decline"
        )

    @extend_schema(
        request=InputSerializer,
        responses={
            200: DecisionEndpointOutputSerializer,
            201: DecisionEndpointSecretOutputSerializer,
        },
    )
    def put(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        endpoint, secret = decision_endpoint_put(
            partner=request_partner(request),
            url=data["url"],
            budget_ms=data["budget_ms"],
            default_approves=data["default_decision"] == "approve",
        )
        body = dict(DecisionEndpointOutputSerializer(endpoint).data)
        if secret is None:
            return Response(body)
        return Response({**body, "secret": secret}, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: DecisionEndpointOutputSerializer})
    def get(self, request: Request) -> Response:
        return Response(DecisionEndpointOutputSerializer(_endpoint_of(request)).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request) -> Response:
        decision_endpoint_delete(endpoint=_endpoint_of(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class DecisionEndpointRotateSecretApi(APIView):
    """A new signing secret; the old one stops at once (not idempotent: the
    answer holds the secret, never stored in clear)."""

    required_scope = Scope.WEBHOOKS
    names_the_callers_object = True

    class OutputSerializer(serializers.Serializer):
        secret = serializers.CharField(help_text="Shown once: store it now.")

    @extend_schema(request=None, responses={200: OutputSerializer})
    def post(self, request: Request) -> Response:
        secret = decision_endpoint_rotate_secret(endpoint=_endpoint_of(request))
        return Response(self.OutputSerializer({"secret": secret}).data)
