"""API plumbing shared by the apps' views."""

from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Model, QuerySet
from rest_framework.pagination import CursorPagination

from issuer.kernel.errors import NotFound

M = TypeVar("M", bound=Model)


def get_by_public_id(queryset: QuerySet[M], public_id: Any, *, label: str) -> M:
    """Fetch one object by its public UUID, or a 404 naming what was missing.

    The queryset carries the caller's object-level scope, so another
    partner's object is indistinguishable from a missing one.
    """
    try:
        return queryset.get(public_id=public_id)
    except (ObjectDoesNotExist, ValueError, TypeError, ValidationError):
        raise NotFound(f"No {label} with id {public_id}.") from None


class NewestFirstCursorPagination(CursorPagination):
    """Stable cursor pages (no offset scans), newest first."""

    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    ordering = "-created_at"
