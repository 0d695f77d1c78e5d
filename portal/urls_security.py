"""The portal's security routes: two-step sign-in on and off."""

from django.urls import path

from portal.views import security

urlpatterns = [
    path("security/", security.security, name="portal-security"),
    path(
        "security/two-step/",
        security.two_step_enrol,
        name="portal-two-step-enrol",
    ),
    path(
        "security/two-step/off/",
        security.two_step_disable,
        name="portal-two-step-disable",
    ),
]
