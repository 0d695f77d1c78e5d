"""400s and 500s Django answers itself: the API answers in its error shape,
never with an HTML page or a traceback."""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.defaults import bad_request as html_bad_request
from django.views.defaults import server_error as html_server_error

from issuer.kernel.api.errors import error_body
from issuer.kernel.api.parsers import BODY, body_limit_message


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(
            error_body(
                code="server_error",
                message="Something went wrong on our side; it was not your input. "
                "Retrying with the same Idempotency-Key is safe.",
            ),
            status=500,
        )
    return html_server_error(request)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's own refusals (a body past DATA_UPLOAD_MAX_MEMORY_SIZE, too
    many fields, a disallowed host): the error shape under /api/."""
    if not request.path.startswith("/api/"):
        return html_bad_request(request, exception)
    if isinstance(exception, RequestDataTooBig):
        message = body_limit_message(settings.API_MAX_BODY_BYTES)
        return JsonResponse(
            error_body(
                code="payload_too_large", message=message, fields={BODY: [message]}
            ),
            status=413,
        )
    return JsonResponse(
        error_body(code="malformed_request", message="The request is malformed."),
        status=400,
    )
