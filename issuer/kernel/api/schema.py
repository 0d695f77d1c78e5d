"""OpenAPI schema tweaks: the house style of nested serializers, the error
shape on every operation, and the `Idempotency-Key` header."""

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, inline_serializer
from rest_framework import serializers

from issuer.kernel.api.idempotency import HEADER, MAX_KEY_LENGTH, is_idempotent

NESTED_NAMES = {"Input", "Output"}


# The error shape of CONTRACTS.md (`fields` cannot be a declared field name).
ERROR_SERIALIZER = inline_serializer(
    name="Error",
    fields={
        "error": inline_serializer(
            name="ErrorDetail",
            fields={
                "code": serializers.CharField(
                    help_text="Machine-readable, e.g. `invalid`."
                ),
                "message": serializers.CharField(help_text="For people; no card data."),
                "fields": serializers.DictField(
                    child=serializers.JSONField(),
                    help_text="Each bad input field with its messages (nested for "
                    "nested objects); empty when no one field is at fault.",
                ),
            },
        )
    },
)


# Why each error status can come back, by status.
ERROR_STATUSES = {
    400: "Invalid input: `error.fields` names each bad field (`body` for a body "
    "that is not one JSON document within the nesting limit, `cursor` for a "
    "cursor this list did not hand out).",
    401: "No API key, or an invalid, revoked or expired one.",
    403: "The API key lacks the scope this operation needs.",
    404: "No such object among those this partner may see.",
    406: "The request does not accept JSON, the only answer there is.",
    409: "The request clashes with the object's state, or reuses an "
    "Idempotency-Key with another body.",
    413: "The body is larger than this API takes (API_MAX_BODY_BYTES).",
    415: "The body is not JSON in UTF-8.",
}


class IssuerAutoSchema(AutoSchema):
    """Name nested `InputSerializer`/`OutputSerializer` after their view, and
    document the errors and headers every operation shares.

    Every view has its own `InputSerializer`; without this they would all be
    the one component "Input" in the schema.
    """

    def _get_serializer_name(
        self, serializer: Any, direction: str, bypass_extensions: bool = False
    ) -> str:
        name = super()._get_serializer_name(serializer, direction, bypass_extensions)
        # COMPONENT_SPLIT_REQUEST names request components "<name>Request".
        base = name.removesuffix("Request") if direction == "request" else name
        if base in NESTED_NAMES and type(serializer).__qualname__.count(".") == 1:
            owner = type(serializer).__qualname__.split(".")[0].removesuffix("Api")
            return f"{owner}{base}"
        return name

    def _error_statuses(self) -> list[int]:
        """The error statuses this operation can answer with."""
        has_body = self.method in ("POST", "PUT", "PATCH")
        has_path_ids = "{" in self.path
        has_filters = getattr(self.view, "filterset_class", None) is not None
        is_paged = self._is_list_view() and self._get_paginator() is not None
        statuses = [401, 403, 406]
        if has_body or has_filters or is_paged:
            statuses.append(400)
        # A body may name an object (an account, an authorization, a card by
        # PAN); a page's cursor may be unknown; a view on the caller's one
        # object (`names_the_callers_object`) finds none until it is made.
        names_callers = getattr(self.view, "names_the_callers_object", False)
        if has_body or has_path_ids or is_paged or names_callers:
            statuses.append(404)
        if has_body:
            statuses += [409, 413, 415]
        return sorted(statuses)

    def _get_filter_parameters(self) -> list[dict[str, Any]]:
        """A list's filters; an empty value means "no filter" (django-filter)."""
        parameters: list[dict[str, Any]] = super()._get_filter_parameters()
        for parameter in parameters:
            parameter["allowEmptyValue"] = True
        return parameters

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        for status in self._error_statuses():
            if str(status) in responses:
                continue
            response = self._get_response_for_code(
                ERROR_SERIALIZER, str(status), direction=direction
            )
            response["description"] = ERROR_STATUSES[status]
            responses[str(status)] = response
        return responses

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        handler = getattr(self.view, self.method.lower(), None)
        if is_idempotent(handler):
            parameters.append(
                OpenApiParameter(
                    HEADER,
                    {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH},
                    OpenApiParameter.HEADER,
                    description="Any string up to "
                    f"{MAX_KEY_LENGTH} characters: a retry with the same key and "
                    "body returns the stored response; another body is a 409.",
                )
            )
        return parameters
