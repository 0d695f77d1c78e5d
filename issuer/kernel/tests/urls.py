"""A test-only endpoint that creates a row, to exercise the kernel's API plumbing."""

from django.contrib.auth.models import Group
from django.db import OperationalError
from django.urls import path
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from issuer.kernel.api.idempotency import idempotent
from issuer.kernel.errors import Conflict


class GroupCreateApi(APIView):
    required_scope = "cards"

    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=100)
        size = serializers.IntegerField(min_value=1)

    @idempotent
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        name = serializer.validated_data["name"]
        Group.objects.create(name=f"{name}-{Group.objects.count()}")
        if name == "explode-after-write":
            raise Conflict("Refused after a write.", code="refused")
        return Response(
            {"name": name, "groups": Group.objects.count()},
            status=status.HTTP_201_CREATED,
        )


class ExplodingApi(APIView):
    required_scope = "cards"

    def get(self, request: Request) -> Response:
        raise RuntimeError("a bug, with a secret 4111111111111111 inside")


class DatabaseGoneApi(APIView):
    """Writes, then loses the database server (MySQL client error 2013)."""

    required_scope = "cards"

    @idempotent
    def post(self, request: Request) -> Response:
        Group.objects.create(name="written-before-the-database-went")
        raise OperationalError(2013, "Lost connection to server during query")


urlpatterns = [
    path("groups", GroupCreateApi.as_view()),
    path("api/v1/database-gone", DatabaseGoneApi.as_view()),
    path("api/v1/explode", ExplodingApi.as_view()),
]
handler400 = "issuer.kernel.api.server_errors.bad_request"
handler500 = "issuer.kernel.api.server_errors.server_error"
