"""Codes and amounts are taken in one canonical form, ASCII only.

The partner API's schema is walked operation by operation, and every portal
and admin form class field by field: no field that expects a code, an amount
or another number takes digits of another script (Arabic-Indic, fullwidth,
Devanagari, ...), and no amount is taken as a string, a decimal or `true`.
A blocked MCC written in other digits is refused, never approved.
"""

import copy
import importlib
import pkgutil
import secrets
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from django import forms
from django.contrib import admin
from django.test import RequestFactory
from drf_spectacular.generators import SchemaGenerator
from rest_framework import serializers

from accounts.models import User
from cards.models import Authorization, Card
from cards.security import luhn_check_digit
from cards.services.authorizations import authorization_create
from cards.tests.conftest import authorization_body, authorization_request
from issuer.kernel.errors import InvalidInput
from issuer.kernel.fields import CODES, MCC, PAN, Code, ascii_integer, rules
from issuer.kernel.fields.forms import CodeFormField, MoneyField
from issuer.kernel.money import MAX_AMOUNT, AmountError, major_to_minor

# The zero of each script's run of ten decimal digits.
DIGIT_ZEROS = {
    "Arabic-Indic": 0x0660,
    "Extended Arabic-Indic": 0x06F0,
    "Devanagari": 0x0966,
    "Bengali": 0x09E6,
    "Thai": 0x0E50,
    "Fullwidth": 0xFF10,
    "Mathematical bold": 0x1D7CE,
}
FULLWIDTH_A = 0xFF21


def in_script(text: str, zero: int) -> str:
    """`text` with each ASCII digit written in the script whose zero is `zero`."""
    return "".join(
        chr(zero + ord(char) - 48) if "0" <= char <= "9" else char for char in text
    )


def fullwidth_letters(text: str) -> str:
    return "".join(
        chr(FULLWIDTH_A + ord(char) - 65) if "A" <= char <= "Z" else char
        for char in text
    )


def generated_pan() -> str:
    """A Luhn-valid test card number, made now (never a literal)."""
    payload = "4" + "".join(secrets.choice("0123456789") for _ in range(14))
    return payload + luhn_check_digit(payload)


def code_example(code: Code) -> str:
    """A valid ASCII value of each code, generated where it is card data."""
    examples = {
        "pan": generated_pan,
        "expiry": lambda: "09/29",
        "cvv": lambda: "".join(secrets.choice("0123456789") for _ in range(3)),
        "mcc": lambda: "5411",
        "country": lambda: "US",
        "currency": lambda: "USD",
        "response_code": lambda: "05",
        "merchant_id": lambda: "m-1",
        "bin_prefix": lambda: "411111",
        "totp_token": lambda: "123456",
    }
    return examples[code.name]()


def non_canonical(example: str) -> list[str]:
    """The same value in every other spelling a careless parser takes."""
    spellings = [in_script(example, zero) for zero in DIGIT_ZEROS.values()]
    spellings += [fullwidth_letters(example), example + "\n", " " + example]
    return [spelling for spelling in spellings if spelling != example]


NUMBER_SPELLINGS: list[Any] = [
    "12",
    *(in_script("12", zero) for zero in DIGIT_ZEROS.values()),
    12.0,
    True,
]


# -- The rules themselves ---------------------------------------------------


@pytest.mark.parametrize("code", CODES, ids=lambda code: code.name)
def test_each_code_takes_its_ascii_form_and_no_other_spelling(code):
    example = code_example(code)

    assert code.matches(example), example
    taken = [spelling for spelling in non_canonical(example) if code.matches(spelling)]
    assert taken == []
    assert not code.matches(None)
    if example.isdigit():
        assert not code.matches(int(example))


def test_a_pan_needs_its_check_digit_and_13_to_19_digits():
    pan = generated_pan()
    wrong_check = pan[:-1] + str((int(pan[-1]) + 1) % 10)

    assert PAN.matches(pan)
    assert not PAN.matches(wrong_check)
    assert not PAN.matches(pan[:12])


@pytest.mark.parametrize("text", [*NUMBER_SPELLINGS[1:-2], "1e3", " 12", "+12", ""])
def test_whole_numbers_are_ascii_digits(text):
    with pytest.raises(ValueError):
        ascii_integer(text)


def test_a_whole_number_in_ascii_digits_parses():
    assert ascii_integer("-12") == -12


@pytest.mark.parametrize(
    "typed",
    [in_script("12.50", zero) for zero in DIGIT_ZEROS.values()]
    + ["1e3", " 12.50", "Infinity", "NaN", "12,50"],
)
def test_major_units_are_ascii_decimals(typed):
    """`Decimal()` takes every one of these; money does not."""
    with pytest.raises(AmountError):
        major_to_minor(typed, "USD")


@pytest.mark.parametrize(
    ("typed", "currency", "minor"),
    [("12.50", "USD", 1250), ("1250", "JPY", 1250), ("1.250", "BHD", 1250)],
)
def test_major_units_convert_with_the_currencys_exponent(typed, currency, minor):
    assert major_to_minor(typed, currency) == minor


# -- Every API request field ------------------------------------------------


def _request_operations() -> Iterator[tuple[str, str, serializers.Serializer]]:
    """Each API operation with a body, and the serializer that reads it."""
    generator = SchemaGenerator()
    generator._initialise_endpoints()
    for path, _regex, method, view in generator._get_paths_and_endpoints():
        if method not in ("POST", "PUT", "PATCH"):
            continue
        serializer = view.schema.get_request_serializer()
        if serializer is None:
            continue
        if isinstance(serializer, type):
            serializer = serializer()
        yield path, method, serializer


def _schema_property(
    schema: dict[str, Any], component: dict[str, Any], name: str
) -> dict[str, Any]:
    prop = component["properties"][name]
    for key in ("$ref",):
        if key in prop:
            return _component(schema, prop[key])
    if "allOf" in prop:
        return _component(schema, prop["allOf"][0]["$ref"])
    return prop


def _component(schema: dict[str, Any], ref: str) -> dict[str, Any]:
    component: dict[str, Any] = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    return component


def _fields_with_schema(
    schema: dict[str, Any], serializer: serializers.Serializer, component: dict
) -> Iterator[tuple[str, serializers.Field, dict[str, Any]]]:
    """Each writable leaf field beside its schema, nested objects walked."""
    for name, field in serializer.fields.items():
        if field.read_only:
            continue
        prop = _schema_property(schema, component, name)
        if isinstance(field, serializers.Serializer):
            for inner, leaf, leaf_prop in _fields_with_schema(schema, field, prop):
                yield f"{name}.{inner}", leaf, leaf_prop
        elif isinstance(field, serializers.ListField):
            yield f"{name}[]", field.child, prop.get("items", {})
        else:
            yield name, field, prop


CODE_NAMES = {"pan", "expiry", "cvv", "mcc", "country", "currency", "response_code"}
PATTERNS = {code.schema_pattern: code for code in CODES}


def _refuses(field: serializers.Field, value: Any) -> bool:
    try:
        field.run_validation(value)
    except serializers.ValidationError:
        return True
    return False


def _api_request_fields() -> list[tuple[str, serializers.Field, dict[str, Any]]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = []
    for path, method, serializer in _request_operations():
        operation = schema["paths"][path][method.lower()]
        ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        component = _component(schema, ref)
        for name, field, prop in _fields_with_schema(schema, serializer, component):
            found.append((f"{method} {path} {name}", field, prop))
    return found


API_FIELDS = _api_request_fields()


def test_the_walk_reaches_the_fields_that_matter():
    """The walk is not vacuous: it sees the authorization's codes and amount."""
    names = {label.rsplit(" ", 1)[-1] for label, _, _ in API_FIELDS}
    assert {"pan", "expiry", "cvv", "amount", "currency", "merchant.mcc"} <= names


@pytest.mark.parametrize(
    ("label", "field", "prop"), API_FIELDS, ids=[label for label, _, _ in API_FIELDS]
)
def test_no_api_field_takes_a_code_or_number_in_other_digits(label, field, prop):
    name = label.rsplit(" ", 1)[-1].split(".")[-1].rstrip("[]")
    if "pattern" in prop:
        # One definition of each code: the kernel's, never a local regex.
        assert prop["pattern"] in PATTERNS, f"{label}: {prop['pattern']}"
        example = code_example(PATTERNS[prop["pattern"]])
        assert not _refuses(field, example), label
        taken = [
            value for value in non_canonical(example) if not _refuses(field, value)
        ]
        assert taken == [], label
        if example.isdigit():
            assert _refuses(field, int(example)), label
    elif prop.get("type") == "integer":
        assert not _refuses(field, max(prop.get("minimum", 1), 1)), label
        taken = [value for value in NUMBER_SPELLINGS if not _refuses(field, value)]
        assert taken == [], label
    elif prop.get("format") == "uuid":
        example = str(uuid.uuid4())
        assert not _refuses(field, example), label
        assert _refuses(field, in_script(example, DIGIT_ZEROS["Arabic-Indic"]))
    elif prop.get("format") == "date":
        assert not _refuses(field, "2000-01-31"), label
        assert _refuses(field, in_script("2000-01-31", DIGIT_ZEROS["Fullwidth"]))
    else:
        assert name not in CODE_NAMES, f"{label} is a code without a pattern"


def test_amounts_are_bounded_json_integers():
    amount = next(field for label, field, _ in API_FIELDS if label.endswith(" amount"))

    assert amount.run_validation(MAX_AMOUNT) == MAX_AMOUNT
    for value in (0, -1, MAX_AMOUNT + 1, 2**53, "1250", 1250.0, 1e3, None, [1250]):
        assert _refuses(amount, value), value


# -- Every portal and admin form ----------------------------------------------

PROJECT_PACKAGES = (
    "accounts",
    "cards",
    "fraud",
    "issuer",
    "ledger",
    "portal",
    "webhooks",
)
FORM_CODE_NAMES = CODE_NAMES | {"prefix", "otp_token", "merchant_country"}


def _import_project_modules() -> None:
    for package_name in PROJECT_PACKAGES:
        package = importlib.import_module(package_name)
        for module in pkgutil.walk_packages(package.__path__, f"{package_name}."):
            parts = module.name.split(".")
            if {"tests", "migrations", "management", "settings"} & set(parts):
                continue
            importlib.import_module(module.name)


def _subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _project_forms() -> list[tuple[str, dict[str, forms.Field]]]:
    """Every form class the project declares, and every form the admin builds
    (ModelAdmins and their inlines), with their fields."""
    _import_project_modules()
    found = []
    for cls in set(_subclasses(forms.BaseForm)):
        if cls.__module__.split(".")[0] not in PROJECT_PACKAGES:
            continue
        if ".tests." in cls.__module__:
            continue
        found.append((f"{cls.__module__}.{cls.__qualname__}", dict(cls.base_fields)))
    request = RequestFactory().get("/admin/")
    request.user = User(is_staff=True, is_superuser=True)
    for model, model_admin in admin.site._registry.items():
        forms_of_admin = []
        # Only forms a staff member can submit: read-only admins show values.
        if model_admin.has_change_permission(request) or model_admin.has_add_permission(
            request
        ):
            forms_of_admin.append(("", model_admin.get_form(request)))
        forms_of_admin += [
            (f" inline {inline.model.__name__}", inline.get_formset(request).form)
            for inline in model_admin.get_inline_instances(request)
            if inline.has_add_permission(request, None)
            or inline.has_change_permission(request)
        ]
        for suffix, form in forms_of_admin:
            label = f"admin {model._meta.label}{suffix}"
            found.append((label, dict(form.base_fields)))
    # Sorted: every xdist worker must collect the same tests in one order.
    return sorted(found, key=lambda item: item[0])


FORMS = _project_forms()
FORM_FIELDS = [
    (f"{label}.{name}", field)
    for label, fields in FORMS
    for name, field in sorted(fields.items())
]


def _form_refuses(field: forms.Field, value: Any) -> bool:
    try:
        field.clean(value)
    except forms.ValidationError:
        return True
    return False


def test_the_form_walk_reaches_portal_and_admin_forms():
    labels = {label for label, _ in FORMS}
    assert "portal.forms.CardControlsForm" in labels
    assert "portal.payment_forms.PaymentForm" in labels
    assert "admin cards.CardProduct" in labels
    assert "admin cards.Bin" in labels


@pytest.mark.parametrize(
    ("label", "field"), FORM_FIELDS, ids=[label for label, _ in FORM_FIELDS]
)
def test_no_form_field_takes_a_code_or_number_in_other_digits(label, field):
    name = label.rsplit(".", 1)[-1]
    field = copy.deepcopy(field)
    field.required = False
    if isinstance(field, MoneyField):
        field.currency = "USD"
        spellings = [in_script("12.50", zero) for zero in DIGIT_ZEROS.values()]
        assert field.clean("12.50") == 1250, label
        assert [value for value in spellings if not _form_refuses(field, value)] == []
    elif isinstance(field, forms.IntegerField | forms.DecimalField | forms.FloatField):
        low = field.min_value if field.min_value is not None else 1  # type: ignore[attr-defined]
        assert not _form_refuses(field, str(max(low, 1))), label
        spellings = [in_script("12", zero) for zero in DIGIT_ZEROS.values()]
        assert [value for value in spellings if not _form_refuses(field, value)] == []
    elif isinstance(field, CodeFormField):
        example = code_example(field.code)
        assert not _form_refuses(field, example), label
        taken = [
            value
            for value in non_canonical(example)
            if value.strip() != example and not _form_refuses(field, value)
        ]
        assert taken == [], label
    elif isinstance(field, forms.JSONField) and name.startswith("blocked_"):
        code = MCC if "mcc" in name else rules.COUNTRY
        example = code_example(code)
        assert not _form_refuses(field, f'["{example}"]'), label
        taken = [
            value
            for value in non_canonical(example)
            if value.strip() != example
            and not _form_refuses(field, f'["{value.strip()}"]')
        ]
        assert taken == [], label
    else:
        assert name not in FORM_CODE_NAMES, f"{label} is a code without its field"


# -- The observed bypass ------------------------------------------------------


@pytest.mark.parametrize("script", sorted(DIGIT_ZEROS))
def test_a_blocked_mcc_in_other_digits_is_refused_not_approved(
    partner_client, test_card, script
):
    """Given a card blocking MCC 7995, when a partner authorizes at 7995
    written in another script's digits, then it is a 400 naming the MCC and
    no authorization is recorded, approved or not."""
    Card.objects.filter(pk=test_card.issued.card.pk).update(blocked_mccs=["7995"])
    merchant = {"id": "m-9", "name": "Casino", "mcc": "7995", "country": "US"}
    merchant["mcc"] = in_script("7995", DIGIT_ZEROS[script])

    response = partner_client.post(
        "/api/v1/authorizations",
        authorization_body(test_card, merchant=merchant),
        format="json",
    )

    assert response.status_code == 400, response.content
    assert response.json()["error"]["fields"] == {"merchant": {"mcc": [MCC.message]}}
    assert Authorization.objects.count() == 0


def test_a_blocked_mcc_in_ascii_digits_is_declined(partner_client, test_card):
    Card.objects.filter(pk=test_card.issued.card.pk).update(blocked_mccs=["7995"])
    merchant = {"id": "m-9", "name": "Casino", "mcc": "7995", "country": "US"}

    response = partner_client.post(
        "/api/v1/authorizations",
        authorization_body(test_card, merchant=merchant),
        format="json",
    )

    assert response.status_code == 201
    assert (response.json()["status"], response.json()["response_code"]) == (
        "declined",
        "57",
    )


def test_the_service_refuses_a_non_canonical_mcc_too(test_card):
    """Callers other than the API (imports, simulators) cannot bypass it."""
    Card.objects.filter(pk=test_card.issued.card.pk).update(blocked_mccs=["7995"])
    merchant = {"id": "m-9", "name": "Casino", "country": "US"}
    merchant["mcc"] = in_script("7995", DIGIT_ZEROS["Fullwidth"])

    with pytest.raises(InvalidInput) as raised:
        authorization_create(
            request=authorization_request(test_card, merchant=merchant), partner=None
        )

    assert raised.value.fields == {"mcc": ["Not in its canonical form."]}
    assert Authorization.objects.count() == 0


@pytest.mark.parametrize(
    "amount",
    ["1250", in_script("1250", DIGIT_ZEROS["Arabic-Indic"]), 1250.0, True, "1e3"],
    ids=["string", "Arabic-Indic string", "float", "true", "exponent string"],
)
def test_an_amount_that_is_not_a_json_integer_is_refused(
    partner_client, test_card, amount
):
    response = partner_client.post(
        "/api/v1/authorizations",
        authorization_body(test_card, amount=amount),
        format="json",
    )

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["amount"]
    assert Authorization.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "typed"),
    [
        ("blocked_mccs", in_script("7995", DIGIT_ZEROS["Arabic-Indic"])),
        ("blocked_mccs", in_script("7995", DIGIT_ZEROS["Fullwidth"])),
        ("blocked_countries", "\u0131t"),  # a dotless i: upper() makes it "IT"
        ("blocked_countries", fullwidth_letters("KP")),
    ],
)
def test_a_product_blocks_only_ascii_codes(db, field, typed):
    """The catalogue stores only ASCII codes, so a block always matches what
    the API lets through."""
    from cards.models import CardProduct
    from cards.services.catalogue import bin_create, card_product_create

    a_bin = bin_create(prefix="411111", network="visa", pan_length=16, currency="USD")

    with pytest.raises(InvalidInput) as raised:
        card_product_create(
            name="Gold",
            bin=a_bin,
            default_credit_limit=100_000,
            apr_basis_points=1_999,
            **{field: [typed]},
        )

    assert list(raised.value.fields) == [field]
    assert CardProduct.objects.count() == 0
