"""Describe partner API-key authentication in the OpenAPI schema."""

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class PartnerApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.api_auth.PartnerApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Api-Key <key>`; create one with manage.py create_partner.",
        }
