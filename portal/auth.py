"""Who may use the cardholder portal, and the cardholder behind a request.

Every portal view is wrapped in `cardholder_required`: signed in, and the
login belongs to a cardholder (staff logins are not cardholders). Views then
scope every query to `request_cardholder(request)`, so another cardholder's
object is simply not found (404), never forbidden: its existence is not
revealed. A cardholder who turned on two-step sign-in must have signed this
session in with their code; otherwise they are sent to sign in again.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from accounts.models import Cardholder
from portal.second_factor import session_needs_code

PORTAL_LOGIN_URL = "/portal/login/"


def request_cardholder(request: HttpRequest) -> Cardholder:
    """The signed-in user's cardholder record (the view is `cardholder_required`)."""
    cardholder = getattr(request.user, "cardholder", None)
    if cardholder is None:
        raise PermissionDenied("This login is not a cardholder's.")
    return cardholder


def cardholder_required(
    view: Callable[..., HttpResponse],
) -> Callable[..., HttpResponse]:
    """Require a signed-in cardholder; others go to the portal's sign-in page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        request_cardholder(request)
        if session_needs_code(request):
            return redirect_to_login(request.get_full_path(), PORTAL_LOGIN_URL)
        return view(request, *args, **kwargs)

    return login_required(wrapper, login_url=PORTAL_LOGIN_URL)
