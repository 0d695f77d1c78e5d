"""The portal's signed-out routes: sign up with an activation code, reset a
forgotten password by email (Django's views, for cardholder logins only)."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from portal.access_forms import CardholderPasswordResetForm
from portal.views.signup import signup

urlpatterns = [
    path("signup/", signup, name="portal-signup"),
    path(
        "password-reset/",
        auth_views.PasswordResetView.as_view(
            form_class=CardholderPasswordResetForm,
            template_name="portal/access/password_reset_form.html",
            email_template_name="portal/access/password_reset_email.txt",
            subject_template_name="portal/access/password_reset_subject.txt",
            success_url=reverse_lazy("portal-password-reset-sent"),
        ),
        name="portal-password-reset",
    ),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="portal/access/password_reset_sent.html"
        ),
        name="portal-password-reset-sent",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="portal/access/password_reset_confirm.html",
            success_url=reverse_lazy("portal-password-reset-complete"),
        ),
        name="portal-password-reset-confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="portal/access/password_reset_complete.html"
        ),
        name="portal-password-reset-complete",
    ),
]
