"""Forms of the portal's signed-out pages: sign-up and password reset."""

from collections.abc import Iterator
from typing import Any

from django import forms
from django.contrib.auth.forms import PasswordResetForm

from accounts.models import User


class SignupForm(forms.Form):
    code = forms.CharField(
        label="Activation code",
        max_length=40,
        help_text="The code we gave you, for example 7KQ4-M2XD-9PRT.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "characters"}
        ),
    )
    username = forms.CharField(
        label="Choose a username",
        max_length=150,
        help_text="Letters, digits and @ . + - _ only.",
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    password1 = forms.CharField(
        label="Choose a password",
        strip=False,
        help_text="At least 12 characters; not a common password.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="Type the password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords differ.")
        return cleaned


class CardholderPasswordResetForm(PasswordResetForm):
    """Send reset links to cardholders' portal logins only (staff reset their
    passwords through an access administrator, with their second factor)."""

    def get_users(self, email: str) -> Iterator[Any]:
        for user in super().get_users(email):
            if (
                isinstance(user, User)
                and not user.is_staff
                and not user.is_superuser
                and hasattr(user, "cardholder")
            ):
                yield user
