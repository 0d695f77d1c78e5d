"""Refuse an oversized API body before anything reads it."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from issuer.kernel.api.errors import error_body
from issuer.kernel.api.parsers import BODY, body_limit_message
from issuer.kernel.fields import is_ascii_digits

API_PREFIX = "/api/"


class ApiBodyLimitMiddleware:
    """A declared Content-Length above API_MAX_BODY_BYTES on /api/ is a 413
    in the error shape, answered before authentication, the Idempotency-Key
    look-up or the parser read a byte (the parser bounds what it reads of a
    body without a length the same way)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(API_PREFIX):
            limit = settings.API_MAX_BODY_BYTES
            declared = request.META.get("CONTENT_LENGTH") or "0"
            length = int(declared) if is_ascii_digits(declared) else 0
            if length > limit:
                message = body_limit_message(limit)
                return JsonResponse(
                    error_body(
                        code="payload_too_large",
                        message=message,
                        fields={BODY: [message]},
                    ),
                    status=413,
                )
        return self.get_response(request)
