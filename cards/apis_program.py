"""Partner API for program managers: cardholders and their cards."""

from typing import Any

import django_filters
from django.db import transaction
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_auth import request_partner
from accounts.models import Cardholder, Scope
from accounts.selectors import cardholders_for_partner
from accounts.services.credit_accounts import cardholder_create, credit_account_open
from cards.models import Card, CardProduct, CardStatusChange
from cards.selectors import cards_for_partner
from cards.services.lifecycle import (
    Actor,
    card_activate,
    card_close,
    card_freeze,
    card_issue,
    card_replace,
    card_unfreeze,
)
from issuer.kernel.api.idempotency import idempotent
from issuer.kernel.api.views import NewestFirstCursorPagination, get_by_public_id
from issuer.kernel.errors import InvalidInput
from issuer.kernel.fields.api import (
    AmountField,
    CountryField,
    StrictDateField,
    StrictIntegerField,
    StrictUuidField,
)
from issuer.kernel.fields.filters import AsciiIsoDateTimeFilter, AsciiUUIDFilter


def _actor(request: Request) -> Actor:
    return Actor(channel=CardStatusChange.Channel.API, partner=request_partner(request))


class CardOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    account_id = serializers.UUIDField(source="account.public_id")
    last_four = serializers.CharField()
    expiry = serializers.CharField()
    status = serializers.CharField()
    status_reason = serializers.CharField()
    replaces_id = serializers.SerializerMethodField()
    created = serializers.DateTimeField(source="created_at")

    def get_replaces_id(self, card: Card) -> str | None:
        return str(card.replaces.public_id) if card.replaces else None


class CardholderOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    email = serializers.EmailField()
    country = serializers.CharField()
    account_ids = serializers.SerializerMethodField()
    created = serializers.DateTimeField(source="created_at")

    def get_account_ids(self, cardholder: Cardholder) -> list[str]:
        return [str(a.public_id) for a in cardholder.credit_accounts.all()]


class CardholderListCreateApi(APIView):
    required_scope = Scope.CARDS
    pagination_class = NewestFirstCursorPagination

    class InputSerializer(serializers.Serializer):
        first_name = serializers.CharField(max_length=100)
        last_name = serializers.CharField(max_length=100)
        date_of_birth = StrictDateField()
        address_line1 = serializers.CharField(max_length=200)
        address_line2 = serializers.CharField(
            max_length=200, required=False, default="", allow_blank=True
        )
        city = serializers.CharField(max_length=100)
        postal_code = serializers.CharField(max_length=20)
        country = CountryField()
        email = serializers.EmailField()
        phone = serializers.CharField(max_length=30)
        product_id = StrictUuidField()
        credit_limit = AmountField(min_value=0, required=False)
        billing_cycle_day = StrictIntegerField(
            min_value=1, max_value=28, required=False, default=1
        )

    @extend_schema(request=InputSerializer, responses={201: CardholderOutputSerializer})
    @idempotent
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        product = CardProduct.objects.filter(
            public_id=data.pop("product_id"), is_active=True
        ).first()
        if product is None:
            raise InvalidInput.for_field(
                "product_id", "No active product with this id."
            )
        credit_limit = data.pop("credit_limit", product.default_credit_limit)
        cycle_day = data.pop("billing_cycle_day")
        with transaction.atomic():
            cardholder = cardholder_create(
                **data, program_partner=request_partner(request)
            )
            credit_account_open(
                cardholder=cardholder,
                credit_limit=credit_limit,
                currency=product.currency,
                apr_bps=product.apr_basis_points,
                billing_cycle_day=cycle_day,
                late_fee=product.late_fee,
                returned_payment_fee=product.returned_payment_fee,
                billing_time_zone=product.billing_time_zone,
            )
        return Response(
            CardholderOutputSerializer(cardholder).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(responses={200: CardholderOutputSerializer(many=True)})
    def get(self, request: Request) -> Response:
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            cardholders_for_partner(partner=request_partner(request)),
            request,
            view=self,
        )
        return paginator.get_paginated_response(
            CardholderOutputSerializer(page, many=True).data
        )


class CardholderDetailApi(APIView):
    required_scope = Scope.CARDS

    @extend_schema(responses={200: CardholderOutputSerializer})
    def get(self, request: Request, cardholder_id: str) -> Response:
        cardholder = get_by_public_id(
            cardholders_for_partner(partner=request_partner(request)),
            cardholder_id,
            label="cardholder",
        )
        return Response(CardholderOutputSerializer(cardholder).data)


class CardFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Card.Status.choices)
    account_id = AsciiUUIDFilter(field_name="account__public_id")
    created_after = AsciiIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")

    class Meta:
        model = Card
        fields = ["status", "account_id", "created_after"]


def _card(request: Request, card_id: Any) -> Card:
    return get_by_public_id(
        cards_for_partner(partner=request_partner(request)), card_id, label="card"
    )


class CardListCreateApi(APIView):
    required_scope = Scope.CARDS
    pagination_class = NewestFirstCursorPagination
    # The schema documents the filters from these (the list filters by hand).
    filter_backends = (DjangoFilterBackend,)
    filterset_class = CardFilter
    queryset = Card.objects.none()

    class InputSerializer(serializers.Serializer):
        account_id = StrictUuidField()
        product_id = StrictUuidField()
        activate = serializers.BooleanField(default=False)

    @extend_schema(request=InputSerializer, responses={201: CardOutputSerializer})
    @idempotent
    def post(self, request: Request) -> Response:
        from accounts.apis import credit_account_for

        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        product = CardProduct.objects.filter(
            public_id=data["product_id"], is_active=True
        ).first()
        if product is None:
            raise InvalidInput.for_field(
                "product_id", "No active product with this id."
            )
        issued = card_issue(
            account=credit_account_for(request, data["account_id"]),
            product=product,
            actor=_actor(request),
            activate=data["activate"],
        )
        return Response(
            CardOutputSerializer(issued.card).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(responses={200: CardOutputSerializer(many=True)})
    def get(self, request: Request) -> Response:
        filtered = self.filterset_class(
            request.query_params,
            queryset=cards_for_partner(partner=request_partner(request)),
        )
        if not filtered.is_valid():
            raise InvalidInput(
                "Invalid filter.",
                fields={k: [str(e) for e in v] for k, v in filtered.errors.items()},
            )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(filtered.qs, request, view=self)
        return paginator.get_paginated_response(
            CardOutputSerializer(page, many=True).data
        )


class CardDetailApi(APIView):
    required_scope = Scope.CARDS

    @extend_schema(responses={200: CardOutputSerializer})
    def get(self, request: Request, card_id: str) -> Response:
        return Response(CardOutputSerializer(_card(request, card_id)).data)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(
        choices=CardStatusChange.Reason.choices,
        default=CardStatusChange.Reason.ISSUER_REQUEST,
    )


class _CardActionApi(APIView):
    """One card lifecycle action per subclass: POST /cards/{id}/<action>."""

    required_scope = Scope.CARDS
    action = ""

    @idempotent
    def post(self, request: Request, card_id: str) -> Response:
        serializer = ReasonSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reason = serializer.validated_data["reason"]
        card = _card(request, card_id)
        actor = _actor(request)
        if self.action == "replace":
            new_card = card_replace(card=card, reason=reason, actor=actor).card
            return Response(
                CardOutputSerializer(new_card).data, status=status.HTTP_201_CREATED
            )
        if self.action == "freeze":
            card_freeze(card=card, reason=reason, actor=actor)
        elif self.action == "unfreeze":
            card_unfreeze(card=card, actor=actor)
        elif self.action == "activate":
            card_activate(card=card, actor=actor)
        elif self.action == "close":
            card_close(card=card, reason=reason, actor=actor)
        return Response(CardOutputSerializer(card).data)


@extend_schema(request=ReasonSerializer, responses={200: CardOutputSerializer})
class CardFreezeApi(_CardActionApi):
    action = "freeze"


@extend_schema(request=ReasonSerializer, responses={200: CardOutputSerializer})
class CardUnfreezeApi(_CardActionApi):
    action = "unfreeze"


@extend_schema(request=ReasonSerializer, responses={200: CardOutputSerializer})
class CardActivateApi(_CardActionApi):
    action = "activate"


@extend_schema(request=ReasonSerializer, responses={200: CardOutputSerializer})
class CardCloseApi(_CardActionApi):
    action = "close"


@extend_schema(request=ReasonSerializer, responses={201: CardOutputSerializer})
class CardReplaceApi(_CardActionApi):
    action = "replace"


CARD_ACTION_APIS = (
    CardFreezeApi,
    CardUnfreezeApi,
    CardActivateApi,
    CardCloseApi,
    CardReplaceApi,
)
