"""Partner API where fraud adds to cards: the authorization with its score."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Scope
from cards.apis import AuthorizationDetailOutputSerializer, authorization_for
from cards.models import Authorization
from fraud.selectors import authorization_fraud_score


class AuthorizationWithFraudOutputSerializer(AuthorizationDetailOutputSerializer):
    def get_fraud(self, authorization: Authorization) -> dict[str, Any] | None:
        score = authorization_fraud_score(authorization=authorization)
        if score is None:
            return None
        return {
            "score": round(score.score, 6),
            "tier": score.tier,
            "model_version": str(score.model_version.public_id),
        }


class AuthorizationDetailApi(APIView):
    """The authorization as created, its amounts so far, and its fraud score."""

    required_scope = Scope.AUTHORIZATIONS

    @extend_schema(responses={200: AuthorizationWithFraudOutputSerializer})
    def get(self, request: Request, authorization_id: str) -> Response:
        authorization = authorization_for(request, authorization_id)
        return Response(AuthorizationWithFraudOutputSerializer(authorization).data)
