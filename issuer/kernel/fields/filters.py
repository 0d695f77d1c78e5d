"""django-filter filters for canonical query parameters: ids and times in
ASCII only (`uuid.UUID` and Django's date parsing take other scripts'
digits)."""

from typing import Any

import django_filters
from django import forms
from django_filters.fields import IsoDateTimeField

_ASCII_ONLY = "Write this with ASCII characters only."


def _require_ascii(value: Any) -> None:
    if isinstance(value, str) and not value.isascii():
        raise forms.ValidationError(_ASCII_ONLY, code="invalid")


class AsciiUUIDFormField(forms.UUIDField):
    def to_python(self, value: Any) -> Any:
        _require_ascii(value)
        return super().to_python(value)


class AsciiIsoDateTimeFormField(IsoDateTimeField):
    def to_python(self, value: Any) -> Any:
        _require_ascii(value)
        return super().to_python(value)


class AsciiUUIDFilter(django_filters.UUIDFilter):
    field_class = AsciiUUIDFormField


class AsciiIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = AsciiIsoDateTimeFormField
