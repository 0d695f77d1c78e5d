"""Partner authentication: `Authorization: Api-Key <key>` and scope checks."""

import hashlib
import threading
import time
from typing import Any, cast

from django.conf import settings
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework_api_key.permissions import KeyParser

from accounts.models import Partner, PartnerApiKey


class _VerifiedKeys:
    """Keys verified in the last few seconds, by the SHA-256 of the key.

    Spares a query and a hash on every partner request. A revocation clears
    this process's entries at once; other processes drop theirs within
    API_KEY_CACHE_SECONDS.
    """

    def __init__(self) -> None:
        self._entries: dict[str, tuple[float, PartnerApiKey]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _digest(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    def get(self, key: str) -> PartnerApiKey | None:
        entry = self._entries.get(self._digest(key))
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, key: str, api_key: PartnerApiKey) -> None:
        ttl = settings.API_KEY_CACHE_SECONDS
        if ttl <= 0:
            return
        with self._lock:
            if len(self._entries) > 10_000:
                self._entries.clear()
            self._entries[self._digest(key)] = (time.monotonic() + ttl, api_key)

    def forget(self, api_key_id: str) -> None:
        with self._lock:
            for digest, (_, cached) in list(self._entries.items()):
                if cached.pk == api_key_id:
                    del self._entries[digest]


verified_keys = _VerifiedKeys()


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
        api_key = verified_keys.get(key)
        if api_key is None:
            try:
                api_key = cast(PartnerApiKey, PartnerApiKey.objects.get_from_key(key))
            except PartnerApiKey.DoesNotExist:
                raise AuthenticationFailed("Invalid or revoked API key.") from None
            verified_keys.put(key, api_key)
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
