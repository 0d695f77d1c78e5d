"""Partner API for card transactions: one APIView per operation, thin."""

from functools import partial
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_auth import request_partner
from accounts.models import Scope
from cards.models import Authorization, Capture, Channel, Refund
from cards.security import pan_fingerprint
from cards.selectors import authorizations_for_partner, cards_for_partner
from cards.services.authorizations import AuthorizationRequest, authorization_decide
from cards.services.clearing import (
    authorization_capture,
    authorization_reverse,
    force_capture,
    refund_create,
    unlinked_refund_sender_check,
)
from cards.services.realtime_decisions import authorization_decision_await
from issuer.kernel.api.idempotency import FinishAfterCommit, idempotent
from issuer.kernel.api.views import get_by_public_id
from issuer.kernel.errors import InvalidInput, NotFound
from issuer.kernel.fields.api import (
    AmountField,
    CountryField,
    CurrencyField,
    CvvField,
    ExpiryField,
    MccField,
    MerchantIdField,
    PanField,
    StrictUuidField,
)


class MerchantSerializer(serializers.Serializer):
    id = MerchantIdField()
    name = serializers.CharField(
        max_length=120, required=False, default="", allow_blank=True
    )
    mcc = MccField()
    country = CountryField()


class AmountSerializer(serializers.Serializer):
    amount = AmountField(required=False)


class AuthorizationOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    status = serializers.CharField()
    response_code = serializers.CharField()
    reason = serializers.CharField()
    amount = serializers.IntegerField()
    currency = serializers.CharField()
    card_id = serializers.SerializerMethodField()
    account_id = serializers.SerializerMethodField()
    approved_amount = serializers.SerializerMethodField(
        help_text="What was approved: `amount`, less on a partial approval "
        "(response code 10), 0 when declined."
    )
    realtime_decision = serializers.SerializerMethodField(
        help_text="The card program's real-time decision, or null when not asked."
    )

    def get_approved_amount(self, authorization: Authorization) -> int:
        if authorization.status != Authorization.Status.APPROVED:
            return 0
        return authorization.approved_amount or authorization.amount

    def get_realtime_decision(
        self, authorization: Authorization
    ) -> dict[str, Any] | None:
        if not authorization.realtime_decision:
            return None
        return {
            "outcome": authorization.realtime_decision,
            "latency_ms": authorization.realtime_latency_ms,
        }

    def get_card_id(self, authorization: Authorization) -> str | None:
        return str(authorization.card.public_id) if authorization.card else None

    def get_account_id(self, authorization: Authorization) -> str | None:
        return str(authorization.account.public_id) if authorization.account else None


class AuthorizationDetailOutputSerializer(AuthorizationOutputSerializer):
    captured_amount = serializers.IntegerField()
    reversed_amount = serializers.IntegerField()
    refunded_amount = serializers.IntegerField()
    pending_amount = serializers.SerializerMethodField()
    merchant = serializers.SerializerMethodField()
    channel = serializers.CharField()
    created = serializers.DateTimeField(source="created_at")
    fraud = serializers.SerializerMethodField()

    def get_pending_amount(self, authorization: Authorization) -> int:
        hold = authorization.hold
        return hold.pending_amount if hold else 0

    def get_merchant(self, authorization: Authorization) -> dict[str, str]:
        return {
            "id": authorization.merchant_id,
            "name": authorization.merchant_name,
            "mcc": authorization.mcc,
            "country": authorization.merchant_country,
        }

    def get_fraud(self, authorization: Authorization) -> dict[str, Any] | None:
        """Filled in by the fraud app, which scores authorizations."""
        return None


class CaptureOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    authorization_id = serializers.SerializerMethodField()
    amount = serializers.IntegerField()
    currency = serializers.CharField()
    is_over_capture = serializers.BooleanField()
    is_after_expiry = serializers.BooleanField()
    is_without_authorization = serializers.BooleanField()
    is_forced_post = serializers.BooleanField()
    created = serializers.DateTimeField(source="created_at")

    def get_authorization_id(self, capture: Capture) -> str | None:
        return str(capture.authorization.public_id) if capture.authorization else None


class AuthorizationCreateApi(APIView):
    required_scope = Scope.AUTHORIZATIONS

    class InputSerializer(serializers.Serializer):
        pan = PanField()
        expiry = ExpiryField()
        cvv = CvvField(required=False)
        amount = AmountField()
        currency = CurrencyField()
        merchant = MerchantSerializer()
        channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.POS)

    @extend_schema(
        request=InputSerializer,
        responses={201: AuthorizationOutputSerializer},
        summary="Authorize a card transaction (approved or declined, both 201)",
    )
    @idempotent
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        merchant = data["merchant"]
        authorization = authorization_decide(
            request=AuthorizationRequest(
                pan=data["pan"],
                expiry=data["expiry"],
                cvv=data.get("cvv"),
                amount=data["amount"],
                currency=data["currency"],
                merchant_id=merchant["id"],
                merchant_name=merchant["name"],
                mcc=merchant["mcc"],
                merchant_country=merchant["country"],
                channel=data["channel"],
            ),
            partner=request_partner(request),
        )
        if authorization.status == Authorization.Status.PENDING:
            # Its program decides once the hold has committed (no lock held).
            return FinishAfterCommit(
                partial(_authorization_created, authorization=authorization)
            )
        return _authorization_created(authorization=authorization)


def _authorization_created(*, authorization: Authorization) -> Response:
    authorization = authorization_decision_await(authorization=authorization)
    return Response(
        AuthorizationOutputSerializer(authorization).data,
        status=status.HTTP_201_CREATED,
    )


def authorization_for(request: Request, authorization_id: Any) -> Authorization:
    return get_by_public_id(
        authorizations_for_partner(partner=request_partner(request)),
        authorization_id,
        label="authorization",
    )


class AuthorizationCaptureApi(APIView):
    required_scope = Scope.AUTHORIZATIONS

    class InputSerializer(AmountSerializer):
        final = serializers.BooleanField(required=False, default=False)
        force = serializers.BooleanField(
            required=False,
            default=False,
            help_text="Force-post a network-forced clearing after the "
            "authorization was fully reversed or expired (flagged, audited, "
            "within the over-capture tolerance).",
        )

    @extend_schema(request=InputSerializer, responses={201: CaptureOutputSerializer})
    @idempotent
    def post(self, request: Request, authorization_id: str) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        capture = authorization_capture(
            authorization=authorization_for(request, authorization_id),
            amount=serializer.validated_data.get("amount"),
            final=serializer.validated_data["final"],
            force=serializer.validated_data["force"],
        )
        return Response(
            CaptureOutputSerializer(capture).data, status=status.HTTP_201_CREATED
        )


class AuthorizationReverseApi(APIView):
    required_scope = Scope.AUTHORIZATIONS

    @extend_schema(
        request=AmountSerializer, responses={200: AuthorizationDetailOutputSerializer}
    )
    @idempotent
    def post(self, request: Request, authorization_id: str) -> Response:
        serializer = AmountSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        authorization = authorization_reverse(
            authorization=authorization_for(request, authorization_id),
            amount=serializer.validated_data.get("amount"),
        )
        if authorization.hold is not None:
            authorization.hold.refresh_from_db()
        return Response(AuthorizationDetailOutputSerializer(authorization).data)


class ForceCaptureApi(APIView):
    """A clearing with no authorization (force post): posted and flagged."""

    required_scope = Scope.AUTHORIZATIONS

    class InputSerializer(serializers.Serializer):
        pan = PanField()
        amount = AmountField()
        currency = CurrencyField()
        merchant = MerchantSerializer()

    @extend_schema(request=InputSerializer, responses={201: CaptureOutputSerializer})
    @idempotent
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        capture = force_capture(
            card=_card_by_pan(request, data["pan"]),
            amount=data["amount"],
            currency=data["currency"],
            merchant_id=data["merchant"]["id"],
            merchant_name=data["merchant"]["name"],
            partner=request_partner(request),
        )
        return Response(
            CaptureOutputSerializer(capture).data, status=status.HTTP_201_CREATED
        )


def _card_by_pan(request: Request, pan: str):  # type: ignore[no-untyped-def]
    card = (
        cards_for_partner(partner=request_partner(request))
        .filter(pan_fingerprint=pan_fingerprint(pan=pan))
        .first()
    )
    if card is None:
        raise NotFound("No card with that number.", fields={"pan": ["Unknown card."]})
    return card


class RefundOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    authorization_id = serializers.SerializerMethodField()
    card_id = serializers.UUIDField(source="card.public_id")
    amount = serializers.IntegerField()
    currency = serializers.CharField()
    created = serializers.DateTimeField(source="created_at")

    def get_authorization_id(self, refund: Refund) -> str | None:
        return str(refund.authorization.public_id) if refund.authorization else None


class RefundCreateApi(APIView):
    required_scope = Scope.REFUNDS

    class InputSerializer(serializers.Serializer):
        authorization_id = StrictUuidField(required=False)
        pan = PanField(required=False)
        merchant = MerchantSerializer(required=False)
        amount = AmountField()
        currency = CurrencyField()

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            linked = "authorization_id" in attrs
            unlinked = "pan" in attrs
            if linked == unlinked:
                raise serializers.ValidationError(
                    {
                        "authorization_id": [
                            "Give authorization_id, or pan and merchant."
                        ]
                    }
                )
            if unlinked and "merchant" not in attrs:
                raise serializers.ValidationError(
                    {"merchant": ["An unlinked refund needs the merchant."]}
                )
            return attrs

    @extend_schema(request=InputSerializer, responses={201: RefundOutputSerializer})
    @idempotent
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "authorization_id" in data:
            authorization = authorization_for(request, data["authorization_id"])
            if authorization.card is None:
                raise InvalidInput.for_field("authorization_id", "No card to refund.")
            refund = refund_create(
                card=authorization.card,
                authorization=authorization,
                amount=data["amount"],
                currency=data["currency"],
                partner=request_partner(request),
            )
        else:
            # Refused before the card look-up: no card-number oracle for a
            # partner that may not send unlinked refunds at all.
            unlinked_refund_sender_check(partner=request_partner(request))
            refund = refund_create(
                card=_card_by_pan(request, data["pan"]),
                amount=data["amount"],
                currency=data["currency"],
                partner=request_partner(request),
                merchant_id=data["merchant"]["id"],
                merchant_name=data["merchant"]["name"],
            )
        return Response(
            RefundOutputSerializer(refund).data, status=status.HTTP_201_CREATED
        )
