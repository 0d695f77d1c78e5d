"""Domain errors: raised by services, turned into the API error shape at the edge.

Each carries a machine-readable `code`, a human `message` and, for bad input,
`fields` naming what was wrong. Services raise them before writing anything,
so a raised error means nothing changed.
"""

from typing import ClassVar

from django.core.exceptions import PermissionDenied


class DomainError(Exception):
    """A request that cannot be done as asked; nothing was changed."""

    status_code: ClassVar[int] = 400
    default_code: ClassVar[str] = "invalid_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        fields: dict[str, list[str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.fields = fields or {}


class InvalidInput(DomainError):
    """Input that fails validation; `fields` names each bad field."""

    default_code = "invalid"

    @classmethod
    def for_field(cls, field: str, message: str) -> "InvalidInput":
        return cls(message, fields={field: [message]})


class NotFound(DomainError):
    status_code = 404
    default_code = "not_found"


class Conflict(DomainError):
    """The request clashes with the current state or an earlier request."""

    status_code = 409
    default_code = "conflict"


class Forbidden(DomainError):
    status_code = 403
    default_code = "forbidden"


class MissingPermission(PermissionDenied):
    """A staff page refused for want of one permission ("app_label.codename");
    the staff 403 page names the roles that hold it."""

    def __init__(self, permission: str, message: str = "") -> None:
        super().__init__(message or f"This needs the {permission} permission.")
        self.permission = permission
