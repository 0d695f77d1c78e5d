"""Partner API: read disputes (scope `disputes`).

A partner sees the disputes of the accounts it may see (its own program's
and issuer-managed ones, as GET /accounts/{id}); any other is a 404.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_auth import request_partner
from accounts.apis import credit_account_for
from accounts.models import Scope
from cards.models import Dispute
from cards.selectors import disputes_for_partner
from issuer.kernel.api.views import NewestFirstCursorPagination, get_by_public_id


class DisputeOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    account_id = serializers.UUIDField(source="account.public_id")
    card_id = serializers.UUIDField(source="capture.card.public_id")
    capture_id = serializers.UUIDField(source="capture.public_id")
    authorization_id = serializers.UUIDField(
        source="capture.authorization.public_id", allow_null=True, default=None
    )
    amount = serializers.IntegerField()
    currency = serializers.CharField()
    reason = serializers.ChoiceField(choices=Dispute.Reason.choices)
    description = serializers.CharField()
    status = serializers.ChoiceField(choices=Dispute.Status.choices)
    filed_at = serializers.DateTimeField()
    submission_due_at = serializers.DateTimeField()
    decision_due_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    resolved_at = serializers.DateTimeField(allow_null=True)
    has_evidence = serializers.SerializerMethodField()

    def get_has_evidence(self, dispute: Dispute) -> bool:
        return bool(dispute.evidence)


class DisputesNewestFirstPagination(NewestFirstCursorPagination):
    ordering = "-filed_at"


class DisputeDetailApi(APIView):
    required_scope = Scope.DISPUTES

    @extend_schema(responses={200: DisputeOutputSerializer})
    def get(self, request: Request, dispute_id: str) -> Response:
        dispute = get_by_public_id(
            disputes_for_partner(partner=request_partner(request)),
            dispute_id,
            label="dispute",
        )
        return Response(DisputeOutputSerializer(dispute).data)


class AccountDisputeListApi(APIView):
    required_scope = Scope.DISPUTES
    pagination_class = DisputesNewestFirstPagination

    @extend_schema(responses={200: DisputeOutputSerializer(many=True)})
    def get(self, request: Request, account_id: str) -> Response:
        account = credit_account_for(request, account_id)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            disputes_for_partner(partner=request_partner(request)).filter(
                account=account
            ),
            request,
            view=self,
        )
        return paginator.get_paginated_response(
            DisputeOutputSerializer(page, many=True).data
        )
