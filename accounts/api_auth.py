"""Partner authentication: `Authorization: Api-Key <key>` and scope checks."""

from typing import Any, cast

from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework_api_key.permissions import KeyParser

from accounts.models import Partner, PartnerApiKey


class PartnerApiKeyAuthentication(BaseAuthentication):
    """Authenticate a partner by a hashed, unrevoked, unexpired API key.

    `request.user` stays anonymous (partners are not users); `request.auth`
    is the PartnerApiKey with its partner loaded.
    """

    keyword = KeyParser.keyword

    def authenticate(self, request: Request) -> tuple[None, PartnerApiKey] | None:
        key = KeyParser().get(request)
        if key is None:
            return None
        try:
            api_key = cast(PartnerApiKey, PartnerApiKey.objects.get_from_key(key))
        except PartnerApiKey.DoesNotExist:
            raise AuthenticationFailed("Invalid or revoked API key.") from None
        if api_key.has_expired or not api_key.partner.is_active:
            raise AuthenticationFailed("Invalid or revoked API key.")
        return (None, api_key)

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class HasPartnerScope(BasePermission):
    """Allow an authenticated partner key holding the view's `required_scope`."""

    message = "This API key lacks the scope this operation needs."

    def has_permission(self, request: Request, view: Any) -> bool:
        api_key = request.auth
        if not isinstance(api_key, PartnerApiKey):
            return False
        required_scope = getattr(view, "required_scope", None)
        if required_scope is None:
            return False
        if not api_key.has_scope(required_scope):
            self.message = f"This API key lacks the '{required_scope}' scope."
            return False
        return True


def request_partner(request: Request) -> Partner:
    """The partner behind an authenticated API request."""
    return cast(PartnerApiKey, request.auth).partner
