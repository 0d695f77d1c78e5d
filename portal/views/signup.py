"""Sign up with an activation code: the new login is signed in at once."""

from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.debug import sensitive_post_parameters

from accounts.services.portal_access import portal_signup
from issuer.kernel.errors import InvalidInput
from portal.access_forms import SignupForm
from portal.forms import add_service_errors
from portal.signup_throttle import signup_failure_count, signup_is_throttled

TEMPLATE = "portal/access/signup.html"
THROTTLED = (
    "Too many wrong activation codes from this connection. "
    "Try again in an hour, or call us for a new code."
)
WELCOME = "Welcome! Your portal login is ready and you are signed in."
# The service checks the password itself; the form shows it on its first box.
_FORM_FIELD = {"password": "password1"}


@sensitive_post_parameters("code", "password1", "password2")
def signup(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return render(request, TEMPLATE, {"form": SignupForm()})
    if signup_is_throttled(request):
        context = {"form": SignupForm(), "throttled": THROTTLED}
        return render(request, TEMPLATE, context, status=429)
    form = SignupForm(request.POST)
    if form.is_valid():
        try:
            user = portal_signup(
                code=form.cleaned_data["code"],
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password1"],
            )
        except InvalidInput as error:
            if "code" in error.fields:
                signup_failure_count(request, username=form.cleaned_data["username"])
            error.fields = {
                _FORM_FIELD.get(field, field): errors
                for field, errors in error.fields.items()
            }
            add_service_errors(form, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, WELCOME)
            return redirect("portal-dashboard")
    return render(request, TEMPLATE, {"form": form})
