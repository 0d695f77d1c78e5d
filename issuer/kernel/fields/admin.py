"""Canonical inputs in every admin form: the admin site wraps each ModelAdmin
it registers (and its inlines) so whole numbers, decimals and codes read
ASCII only, whichever app or library registered it."""

from typing import Any, TypeVar

from django import forms
from django.db import models
from django.http import HttpRequest

from issuer.kernel.fields.forms import canonical_form_class

AdminT = TypeVar("AdminT", bound=type)


class CanonicalInputsAdminMixin:
    """For ModelAdmins and inlines: model fields get canonical form fields."""

    def formfield_for_dbfield(
        self, db_field: "models.Field[Any, Any]", request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        form_class = canonical_form_class(db_field)
        if form_class is not None:
            # A form's own Meta.field_classes still wins (it arrives here).
            kwargs.setdefault("form_class", form_class)
        return super().formfield_for_dbfield(db_field, request, **kwargs)  # type: ignore[misc]

    def get_inlines(self, request: HttpRequest, obj: Any) -> list[type]:
        inlines = super().get_inlines(request, obj)  # type: ignore[misc]
        return [canonical_inputs_admin(inline) for inline in inlines]


def canonical_inputs_admin(admin_class: AdminT) -> AdminT:
    """Return `admin_class` with canonical input fields in front of its own."""
    if issubclass(admin_class, CanonicalInputsAdminMixin):
        return admin_class
    return type(  # type: ignore[return-value]
        admin_class.__name__,
        (CanonicalInputsAdminMixin, admin_class),
        {"__module__": admin_class.__module__, "__doc__": admin_class.__doc__},
    )
