"""OpenAPI schema tweaks for the house style of nested serializers."""

from typing import Any

from drf_spectacular.openapi import AutoSchema

NESTED_NAMES = {"Input", "Output"}


class IssuerAutoSchema(AutoSchema):
    """Name nested `InputSerializer`/`OutputSerializer` after their view.

    Every view has its own `InputSerializer`; without this they would all be
    the one component "Input" in the schema.
    """

    def _get_serializer_name(
        self, serializer: Any, direction: str, bypass_extensions: bool = False
    ) -> str:
        name = super()._get_serializer_name(serializer, direction, bypass_extensions)
        if name in NESTED_NAMES and type(serializer).__qualname__.count(".") == 1:
            owner = type(serializer).__qualname__.split(".")[0].removesuffix("Api")
            return f"{owner}{name}"
        return name
