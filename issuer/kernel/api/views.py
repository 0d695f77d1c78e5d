"""API plumbing shared by the apps' views."""

import uuid
from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Model, QuerySet
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request

from issuer.kernel.errors import NotFound

M = TypeVar("M", bound=Model)


def get_by_public_id(queryset: QuerySet[M], public_id: Any, *, label: str) -> M:
    """Fetch one object by its public UUID, or a 404 naming what was missing.

    The queryset carries the caller's object-level scope, so another
    partner's object is indistinguishable from a missing one. The message
    repeats the id only when it is a UUID: whatever else a caller put there
    (a card number by mistake) is never echoed.
    """
    try:
        return queryset.get(public_id=public_id)
    except (ObjectDoesNotExist, ValueError, TypeError, ValidationError):
        try:
            shown = f"id {uuid.UUID(str(public_id))}"
        except ValueError:
            shown = "this id"
        raise NotFound(f"No {label} with {shown}.") from None


class NewestFirstCursorPagination(CursorPagination):
    """Stable cursor pages (no offset scans), newest first.

    A `page_size` that is not a whole number from 1 to `max_page_size` is a
    400 naming it, not silently replaced by the default.
    """

    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    ordering = "-created_at"

    def get_page_size(self, request: Request) -> int:
        asked = request.query_params.getlist(self.page_size_query_param)
        if not asked:
            return self.page_size
        message = f"A whole number from 1 to {self.max_page_size}."
        if len(asked) > 1 or not asked[0].isascii() or not asked[0].isdigit():
            raise ApiValidationError({self.page_size_query_param: [message]})
        size = int(asked[0])
        if not 1 <= size <= self.max_page_size:
            raise ApiValidationError({self.page_size_query_param: [message]})
        return size

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters: list[dict[str, Any]] = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters
