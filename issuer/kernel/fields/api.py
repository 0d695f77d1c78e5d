"""DRF serializer fields for canonical inputs: every API serializer uses these
for codes, amounts, integers, ids and dates.

A code is a JSON string matched whole against its ASCII shape (never trimmed,
never a number); an amount or any other integer is a JSON integer (never a
string, a decimal, or true); ids and dates are ASCII.
"""

import datetime
import re
import uuid
from typing import Any, ClassVar

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from issuer.kernel.fields import rules
from issuer.kernel.money import MAX_AMOUNT

_UUID = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
    re.ASCII,
)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


def code_schema(code: rules.Code) -> dict[str, Any]:
    return {
        "type": "string",
        "pattern": code.schema_pattern,
        "minLength": code.min_length,
        "maxLength": code.max_length,
    }


class CodeField(serializers.CharField):
    """A code of one `rules.Code` shape, as written: a JSON string, ASCII."""

    code: ClassVar[rules.Code]
    # Card data: never in a response.
    is_card_data: ClassVar[bool] = False

    def __init__(self, **kwargs: Any) -> None:
        if self.is_card_data:
            kwargs.setdefault("write_only", True)
        kwargs["trim_whitespace"] = False
        kwargs.setdefault("max_length", self.code.max_length)
        super().__init__(**kwargs)
        self.error_messages["invalid"] = self.code.message

    def to_internal_value(self, data: Any) -> str:
        if not self.code.matches(data):
            self.fail("invalid")
        return str(data)


@extend_schema_field(code_schema(rules.PAN))
class PanField(CodeField):
    code = rules.PAN
    is_card_data = True


@extend_schema_field(code_schema(rules.EXPIRY))
class ExpiryField(CodeField):
    code = rules.EXPIRY


@extend_schema_field(code_schema(rules.CVV))
class CvvField(CodeField):
    code = rules.CVV
    is_card_data = True


@extend_schema_field(code_schema(rules.MCC))
class MccField(CodeField):
    code = rules.MCC


@extend_schema_field(code_schema(rules.COUNTRY))
class CountryField(CodeField):
    code = rules.COUNTRY


@extend_schema_field(code_schema(rules.CURRENCY))
class CurrencyField(CodeField):
    code = rules.CURRENCY


@extend_schema_field(code_schema(rules.MERCHANT_ID))
class MerchantIdField(CodeField):
    code = rules.MERCHANT_ID


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer only: `"12"`, `"١٢"`, `12.0` and `true` are refused
    (DRF's IntegerField takes all four)."""

    default_error_messages = {
        "invalid": "Must be a JSON integer (not a string, a decimal or true)."
    }

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return int(data)


class AmountField(StrictIntegerField):
    """An amount in minor units: a JSON integer from 1 to MAX_AMOUNT."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_AMOUNT)
        kwargs.setdefault("help_text", "Integer minor units of the currency.")
        super().__init__(**kwargs)


class StrictUuidField(serializers.UUIDField):
    """A UUID in its hyphenated ASCII form (`uuid.UUID` takes other
    scripts' digits, braces and `urn:uuid:`)."""

    def to_internal_value(self, data: Any) -> uuid.UUID:
        if not isinstance(data, str) or not data.isascii():
            self.fail("invalid", value=data)
        if _UUID.fullmatch(data) is None:
            self.fail("invalid", value=data)
        return uuid.UUID(data)


class StrictDateField(serializers.DateField):
    """A date as YYYY-MM-DD in ASCII digits only."""

    def to_internal_value(self, value: Any) -> datetime.date:
        if not isinstance(value, str) or _DATE.fullmatch(value) is None:
            self.fail("invalid", format="YYYY-MM-DD")
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            self.fail("invalid", format="YYYY-MM-DD")
