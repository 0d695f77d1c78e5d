"""API plumbing shared by the apps' views."""

import binascii
import datetime
import uuid
from base64 import b64decode
from collections.abc import Sequence
from typing import Any, TypeVar
from urllib.parse import parse_qs

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Model, QuerySet
from django.utils import timezone
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.pagination import Cursor, CursorPagination
from rest_framework.request import Request

from issuer.kernel.errors import NotFound
from issuer.kernel.fields import is_ascii_digits

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
    400 naming it, not silently replaced by the default. A `cursor` that is
    not one this API handed out (not base64, unknown keys, an offset or a
    position of the wrong shape) is a 400 naming it: DRF would pass a crafted
    position on to the database query and answer 500.
    """

    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    ordering = "-created_at"
    # Longer than any cursor handed out (a position is a timestamp or an id).
    max_cursor_length = 256
    _position_field: Any = None

    def paginate_queryset(
        self, queryset: QuerySet[Any], request: Request, view: Any = None
    ) -> list[Any] | None:
        ordering = self.get_ordering(request, queryset, view)
        self._position_field = queryset.model._meta.get_field(ordering[0].lstrip("-"))
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request: Request) -> Cursor | None:
        encoded = request.query_params.getlist(self.cursor_query_param)
        if not encoded:
            return None
        message = "Not a cursor from this list: use the next or previous link."
        try:
            return self._cursor(encoded)
        except (ValueError, TypeError, ValidationError, binascii.Error):
            raise ApiValidationError({self.cursor_query_param: [message]}) from None

    def _cursor(self, encoded: Sequence[str]) -> Cursor:
        """Decode strictly; raise ValueError for anything not handed out."""
        if len(encoded) != 1 or not 0 < len(encoded[0]) <= self.max_cursor_length:
            raise ValueError("one cursor of bounded length")
        text = b64decode(encoded[0].encode("ascii"), validate=True).decode("ascii")
        tokens = parse_qs(text, keep_blank_values=True, strict_parsing=True)
        if not set(tokens) <= {"o", "r", "p"} or any(
            len(values) != 1 for values in tokens.values()
        ):
            raise ValueError("known keys, once each")
        offset_text = tokens.get("o", ["0"])[0]
        if not is_ascii_digits(offset_text) or len(offset_text) > 6:
            raise ValueError("an offset of ASCII digits")
        offset = int(offset_text)
        if offset > self.offset_cutoff:
            raise ValueError("an offset within the cutoff")
        reverse = tokens.get("r", ["0"])[0]
        if reverse not in ("0", "1"):
            raise ValueError("a direction of 0 or 1")
        position = tokens.get("p", [None])[0]
        if position is not None:
            if not position.isascii() or self._position_field is None:
                raise ValueError("an ASCII position")
            # The value the ordering field holds, or ValidationError; a time
            # handed out carries its offset.
            value = self._position_field.to_python(position)
            if isinstance(value, datetime.datetime) and timezone.is_naive(value):
                raise ValueError("a position with its UTC offset")
        # DRF's stubs type the position as int; it is the ordering's value text.
        return Cursor(
            offset=offset,
            reverse=reverse == "1",
            position=position,  # type: ignore[arg-type]
        )

    def get_page_size(self, request: Request) -> int:
        asked = request.query_params.getlist(self.page_size_query_param)
        if not asked:
            return self.page_size
        message = f"A whole number from 1 to {self.max_page_size}."
        if len(asked) > 1 or not is_ascii_digits(asked[0]) or len(asked[0]) > 6:
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
