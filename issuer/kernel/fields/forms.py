"""Django form fields for canonical inputs: every portal and admin form uses
these for codes, amounts and whole numbers.

Django's IntegerField and DecimalField parse with `int()` and `Decimal()`,
which take other scripts' digits ("١٢٥" is 125): these take 0-9 only.
A money field reads major units with the currency's own exponent (JPY has
no decimals, BHD three) and cleans to integer minor units.
"""

from typing import Any, ClassVar

from django import forms
from django.db import models

from issuer.kernel.fields import rules
from issuer.kernel.money import (
    MAX_AMOUNT,
    AmountError,
    currency_exponent,
    format_money,
    major_to_minor,
)


class AsciiIntegerField(forms.IntegerField):
    """A whole number in the digits 0-9 (an optional leading minus)."""

    default_error_messages = {"invalid": "Enter a whole number with the digits 0-9."}

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        if isinstance(value, bool):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if isinstance(value, int):
            return value
        try:
            return rules.ascii_integer(str(value).strip())
        except ValueError:
            raise forms.ValidationError(
                self.error_messages["invalid"], code="invalid"
            ) from None


class MoneyField(forms.CharField):
    """An amount typed in major units ("57.16"), cleaned to minor units.

    The form sets `currency` (see `CurrencyFormMixin`); decimals beyond the
    currency's exponent are refused, never rounded.
    """

    def __init__(
        self,
        *,
        currency: str | None = None,
        min_minor: int = 0,
        max_minor: int = MAX_AMOUNT,
        **kwargs: Any,
    ) -> None:
        # Checked on the text in to_python: the cleaned value is an int.
        self.max_text_length = kwargs.pop("max_length", 24)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("maxlength", str(self.max_text_length))
        self.currency = currency
        self.min_minor = min_minor
        self.max_minor = max_minor
        self.widget.attrs.setdefault("inputmode", "decimal")

    def prepare_value(self, value: Any) -> Any:
        # An int initial value is minor units: show it in major units.
        if isinstance(value, int) and not isinstance(value, bool) and self.currency:
            return format_money(value, self.currency).replace(",", "")
        return value

    def to_python(self, value: Any) -> int | None:  # type: ignore[override]
        text = super().to_python(value)
        if text is None or text in self.empty_values:
            return None
        if len(text) > self.max_text_length:
            raise forms.ValidationError(
                f"At most {self.max_text_length} characters.", code="max_length"
            )
        if self.currency is None:
            raise forms.ValidationError("No currency to read the amount in.")
        exponent = currency_exponent(self.currency)
        try:
            rules.ascii_decimal(text)
        except ValueError:
            example = "57" if exponent == 0 else "57." + "1" * exponent
            raise forms.ValidationError(
                f"Write the amount in {self.currency} with the digits 0-9 and at "
                f"most {exponent} decimals, e.g. {example}.",
                code="invalid",
            ) from None
        try:
            minor = major_to_minor(text, self.currency)
        except AmountError as error:
            raise forms.ValidationError(str(error), code="invalid") from None
        if minor < self.min_minor:
            low = format_money(self.min_minor, self.currency).replace(",", "")
            raise forms.ValidationError(
                f"Ensure this value is greater than or equal to {low}.",
                code="min_value",
            )
        if minor > self.max_minor:
            high = format_money(self.max_minor, self.currency).replace(",", "")
            raise forms.ValidationError(
                f"Ensure this value is less than or equal to {high}.",
                code="max_value",
            )
        return minor


class CurrencyFormMixin:
    """Give every MoneyField of the form its currency: `Form(..., currency=)`."""

    fields: dict[str, forms.Field]

    def __init__(self, *args: Any, currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        self.currency = currency
        for field in self.fields.values():
            if isinstance(field, MoneyField):
                field.currency = currency


class CodeFormField(forms.CharField):
    """A code of one `rules.Code` shape, ASCII only; surrounding spaces go,
    letters are taken in either case when the code is capitals."""

    code: ClassVar[rules.Code]

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", self.code.max_length)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str | None:
        text = super().to_python(value)
        if text is None or text in self.empty_values:
            return text
        if text.isascii() and self.code.matches(text.upper()):
            return text.upper()
        if self.code.matches(text):
            return text
        raise forms.ValidationError(self.code.message, code="invalid")


class MccFormField(CodeFormField):
    code = rules.MCC


class CountryFormField(CodeFormField):
    code = rules.COUNTRY


class CurrencyFormField(CodeFormField):
    code = rules.CURRENCY


class BinPrefixFormField(CodeFormField):
    code = rules.BIN_PREFIX


class ResponseCodeFormField(CodeFormField):
    code = rules.RESPONSE_CODE


def _require_ascii_decimal(field: forms.Field, value: Any) -> None:
    if isinstance(value, str) and value.strip():
        try:
            rules.ascii_decimal(value.strip())
        except ValueError:
            raise forms.ValidationError(
                field.error_messages["invalid"], code="invalid"
            ) from None


class AsciiDecimalField(forms.DecimalField):
    """A decimal number in the digits 0-9 (no exponent, no other scripts)."""

    def to_python(self, value: Any) -> Any:
        _require_ascii_decimal(self, value)
        return super().to_python(value)


class AsciiFloatField(forms.FloatField):
    """A number in the digits 0-9 (no exponent, no other scripts)."""

    def to_python(self, value: Any) -> Any:
        _require_ascii_decimal(self, value)
        return super().to_python(value)


class CodeListFormField(forms.JSONField):
    """A JSON list of codes of one shape, e.g. `["7995", "6011"]`."""

    code: ClassVar[rules.Code]

    def to_python(self, value: Any) -> Any:
        codes = super().to_python(value)
        if codes in self.empty_values:
            return codes
        if not isinstance(codes, list):
            raise forms.ValidationError("Give a JSON list.", code="invalid")
        cleaned = []
        for item in codes:
            if not isinstance(item, str) or not item.isascii():
                raise forms.ValidationError(self.code.message, code="invalid")
            code = item.strip().upper()
            if not self.code.matches(code):
                raise forms.ValidationError(self.code.message, code="invalid")
            cleaned.append(code)
        return cleaned


class MccListFormField(CodeListFormField):
    code = rules.MCC


class CountryListFormField(CodeListFormField):
    code = rules.COUNTRY


# Model fields holding a code, by name, wherever they are.
_CODE_FIELDS_BY_NAME: dict[str, type[forms.Field]] = {
    "currency": CurrencyFormField,
    "country": CountryFormField,
    "merchant_country": CountryFormField,
    "mcc": MccFormField,
    "response_code": ResponseCodeFormField,
    "blocked_mccs": MccListFormField,
    "blocked_countries": CountryListFormField,
}


def canonical_form_class(
    db_field: "models.Field[Any, Any]",
) -> type[forms.Field] | None:
    """The canonical form field for a model field, or None for Django's own.

    Whole numbers, decimals and floats read ASCII digits only; a field named
    for a code (currency, country, mcc, ...) reads that code.
    """
    if db_field.choices or db_field.is_relation:
        return None
    by_name = _CODE_FIELDS_BY_NAME.get(db_field.name)
    if by_name is not None and isinstance(
        db_field, models.CharField | models.JSONField
    ):
        return by_name
    if isinstance(db_field, models.IntegerField):
        return AsciiIntegerField
    if isinstance(db_field, models.DecimalField):
        return AsciiDecimalField
    if isinstance(db_field, models.FloatField):
        return AsciiFloatField
    return None


def canonical_formfield(
    db_field: "models.Field[Any, Any]", **kwargs: Any
) -> forms.Field | None:
    """A ModelForm's `formfield_callback` (`Meta.formfield_callback`):
    every field canonical, as `canonical_form_class` says."""
    form_class = canonical_form_class(db_field)
    if form_class is not None:
        kwargs.setdefault("form_class", form_class)
    return db_field.formfield(**kwargs)
