"""500s: the API answers in its error shape, never with a traceback."""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.defaults import server_error as html_server_error

from issuer.kernel.api.errors import error_body


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
