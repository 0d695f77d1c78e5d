"""The cardholder portal's routes, under /portal/."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from portal.second_factor import PortalLoginView
from portal.views.dashboard import dashboard

urlpatterns = [
    path(
        "login/",
        PortalLoginView.as_view(),
        name="portal-login",
    ),
    path(
        "logout/",
        auth_views.LogoutView.as_view(next_page="portal-login"),
        name="portal-logout",
    ),
    path("", dashboard, name="portal-dashboard"),
    path("", include("portal.urls_access")),
    path("", include("portal.urls_account")),
    path("", include("portal.urls_cards")),
    path("", include("portal.urls_notifications")),
    path("", include("portal.urls_security")),
]
