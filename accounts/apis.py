"""Partner API for credit accounts: balances and payments."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_auth import request_partner
from accounts.models import CreditAccount, Scope
from accounts.selectors import (
    credit_account_balance,
    credit_accounts_for_partner,
    statements_for_account,
)
from accounts.services.payments import credit_account_payment_post
from issuer.kernel.api.idempotency import idempotent
from issuer.kernel.api.views import get_by_public_id
from issuer.kernel.errors import InvalidInput
from issuer.kernel.fields.api import AmountField, CurrencyField


def credit_account_for(request: Request, account_id: Any) -> CreditAccount:
    return get_by_public_id(
        credit_accounts_for_partner(partner=request_partner(request)),
        account_id,
        label="account",
    )


class AccountOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.CharField()
    credit_limit = serializers.IntegerField()
    posted_balance = serializers.IntegerField()
    pending = serializers.IntegerField()
    available = serializers.IntegerField()
    pending_credits = serializers.IntegerField(
        help_text="Payments posted but not yet settled: already off the "
        "balance, not yet in `available`."
    )
    currency = serializers.CharField()


def account_body(account: CreditAccount) -> dict[str, Any]:
    balance = credit_account_balance(account=account)
    return {
        "id": str(account.public_id),
        "status": account.status,
        "credit_limit": balance.credit_limit,
        "posted_balance": balance.posted_balance,
        "pending": balance.pending,
        "available": balance.available,
        "pending_credits": balance.pending_credits,
        "currency": balance.currency,
    }


class AccountDetailApi(APIView):
    required_scope = Scope.ACCOUNTS

    @extend_schema(responses={200: AccountOutputSerializer})
    def get(self, request: Request, account_id: str) -> Response:
        return Response(account_body(credit_account_for(request, account_id)))


class PaymentOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    account_id = serializers.UUIDField()
    amount = serializers.IntegerField()
    currency = serializers.CharField()
    received_at = serializers.DateTimeField()
    settles_at = serializers.DateTimeField(
        help_text="When the payment becomes available credit."
    )


class AccountPaymentCreateApi(APIView):
    required_scope = Scope.PAYMENTS

    class InputSerializer(serializers.Serializer):
        amount = AmountField()
        currency = CurrencyField(required=False)

    @extend_schema(request=InputSerializer, responses={201: PaymentOutputSerializer})
    @idempotent
    def post(self, request: Request, account_id: str) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        account = credit_account_for(request, account_id)
        currency = serializer.validated_data.get("currency", account.currency)
        if currency != account.currency:
            raise InvalidInput.for_field(
                "currency", f"The account is in {account.currency}."
            )
        payment = credit_account_payment_post(
            account=account,
            amount=serializer.validated_data["amount"],
            idempotency_key=f"payment-api:{request_partner(request).pk}:{_payment_ref(request)}",
        )
        body = {
            "id": str(payment.public_id),
            "account_id": str(account.public_id),
            "amount": serializer.validated_data["amount"],
            "currency": currency,
            "received_at": payment.received_at,
            "settles_at": payment.settles_at,
        }
        return Response(
            PaymentOutputSerializer(body).data, status=status.HTTP_201_CREATED
        )


def _payment_ref(request: Request) -> str:
    """The ledger key: the partner's Idempotency-Key, or a fresh one."""
    import uuid

    return request.headers.get("Idempotency-Key") or str(uuid.uuid4())


class StatementOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    previous_balance = serializers.IntegerField()
    purchases = serializers.IntegerField()
    payments = serializers.IntegerField()
    fees = serializers.IntegerField()
    interest = serializers.IntegerField()
    new_balance = serializers.IntegerField()
    minimum_payment = serializers.IntegerField()
    due_date = serializers.DateField()
    currency = serializers.CharField()
    credit_limit = serializers.IntegerField()
    available_credit = serializers.IntegerField()
    days_in_cycle = serializers.IntegerField()
    apr_bps = serializers.IntegerField()
    is_grace_applied = serializers.BooleanField()


class AccountStatementListApi(APIView):
    """The account's statements, newest first (one a month: never paged)."""

    required_scope = Scope.ACCOUNTS

    @extend_schema(responses={200: StatementOutputSerializer(many=True)})
    def get(self, request: Request, account_id: str) -> Response:
        account = credit_account_for(request, account_id)
        statements = statements_for_account(account=account)
        return Response(StatementOutputSerializer(statements, many=True).data)
