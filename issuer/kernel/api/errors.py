"""The one exception handler that gives every API error the same shape.

{"error": {"code": "...", "message": "...", "fields": {...}}}
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response

from issuer.kernel.api.parsers import (
    BODY,
    MalformedBody,
    PayloadTooLarge,
    body_limit_message,
)
from issuer.kernel.db import is_database_unavailable
from issuer.kernel.errors import DomainError

DATABASE_RETRY_AFTER_SECONDS = 1

_CODES_BY_EXCEPTION: dict[type[exceptions.APIException], str] = {
    PayloadTooLarge: "payload_too_large",
    exceptions.ParseError: "malformed_request",
    exceptions.AuthenticationFailed: "unauthenticated",
    exceptions.NotAuthenticated: "unauthenticated",
    exceptions.PermissionDenied: "forbidden",
    exceptions.NotFound: "not_found",
    exceptions.MethodNotAllowed: "method_not_allowed",
    exceptions.NotAcceptable: "not_acceptable",
    exceptions.UnsupportedMediaType: "unsupported_media_type",
    exceptions.Throttled: "rate_limited",
    exceptions.ValidationError: "invalid",
}


def error_body(
    *, code: str, message: str, fields: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def _flatten(detail: Any) -> Any:
    """Turn DRF's ErrorDetail trees into plain strings, lists and dicts."""
    if isinstance(detail, dict):
        return {str(key): _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        return [_flatten(item) for item in detail]
    return str(detail)


def _validation_response(exc: exceptions.ValidationError) -> Response:
    detail = exc.detail
    if isinstance(detail, dict):
        fields = _flatten(detail)
        named = ", ".join(sorted(fields))
        message = f"Invalid input: {named}."
    else:
        fields = {"non_field_errors": _flatten(detail)}
        message = "; ".join(fields["non_field_errors"]) or "Invalid input."
    return Response(
        error_body(code="invalid", message=message, fields=fields),
        status=status.HTTP_400_BAD_REQUEST,
    )


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Render domain and DRF errors, and a database out of reach as 503 with
    Retry-After; leave anything unexpected to the 500 path."""
    if isinstance(exc, DatabaseError) and is_database_unavailable(exc):
        response = Response(
            error_body(
                code="service_unavailable",
                message="The service is briefly unavailable; nothing was done. "
                "Retry, with the same Idempotency-Key.",
            ),
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
        )
        response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
        return response
    if isinstance(exc, DomainError):
        return Response(
            error_body(code=exc.code, message=exc.message, fields=exc.fields),
            status=exc.status_code,
        )
    if isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge(body_limit_message(settings.API_MAX_BODY_BYTES))
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if isinstance(exc, exceptions.ValidationError):
        return _validation_response(exc)
    if not isinstance(exc, exceptions.APIException):
        return None
    code = next(
        (code for kind, code in _CODES_BY_EXCEPTION.items() if isinstance(exc, kind)),
        "error",
    )
    fields: dict[str, Any] | None = None
    if isinstance(exc, MalformedBody):
        fields = exc.fields
    elif isinstance(exc, exceptions.ParseError | PayloadTooLarge):
        fields = {BODY: [str(exc.detail)]}
    response = Response(
        error_body(code=code, message=str(exc.detail), fields=fields),
        status=exc.status_code,
    )
    wait = getattr(exc, "wait", None)
    if wait:
        response["Retry-After"] = str(int(wait))
    authenticate_header = getattr(exc, "auth_header", None)
    if authenticate_header:
        response["WWW-Authenticate"] = authenticate_header
    return response
