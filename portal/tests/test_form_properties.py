"""Any input to the portal's forms, posted by a signed-in cardholder through
the whole stack, either saves exactly what it says or is refused with the
form shown again naming what is wrong, and changes nothing: never a 500.

Hypothesis writes the inputs: numbers in every spelling (exponents, NaN,
other scripts' digits, more decimals than the currency has, 40 digits),
any text (NUL included), choices that do not exist. PORTAL_FUZZ_EXAMPLES
sets the examples per form (CI keeps the default).
"""

import os
import re
import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

import pytest
from django.core.cache import cache
from django.db.models import QuerySet
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from accounts.models import (
    Cardholder,
    CreditAccount,
    NotificationPreference,
    Payment,
    User,
)
from accounts.services.portal_access import portal_activation_code_issue
from cards.models import Card, Dispute
from cards.tests.conftest import cleared_capture
from portal.billing_selectors import account_payment_due
from portal.tests.billing_world import billed_holder

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("PORTAL_FUZZ_EXAMPLES", "40"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Text a browser can send (no lone surrogates), NUL and all.
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
AMOUNTS = st.one_of(
    TEXT,
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.from_regex(r"\s?-?\d{1,16}(\.\d{0,4})?\s?", fullmatch=True),
    st.sampled_from(["", "0", "0.00", "-0", "0.001", "1e9999", "1E+3", "NaN", "١٢"]),
)
# Amounts a person would type, in major units with up to two decimals.
TYPICAL = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(100), places=2).map(
    str
)
CHECKBOX = st.sampled_from([None, "on", "", "false", "FALSE", "0"])


def _major(text: str) -> Decimal | None:
    """What the kernel's money field reads from `text` (None: not a number):
    ASCII digits only (Django's DecimalField would read other scripts' too)."""
    text = text.strip()
    if not text.isascii() or not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", text):
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _minor(text: str) -> int:
    value = _major(text)
    assert value is not None
    return int(value.scaleb(2))


def _ticked(value: str | None) -> bool:
    """What Django's CheckboxInput reads: absent, empty or "false" is off."""
    return value is not None and value.lower() not in ("", "false")


def _form_errors(response: Any) -> dict[str, Any]:
    form = response.context.get("form") or response.context.get("controls_form")
    return dict(form.errors)


def _post_creating(
    rows: QuerySet[Any], client: Any, path: str, data: dict[str, Any]
) -> tuple[Any, list[Any]]:
    """Post `data` to `path`; the response and the rows of `rows` it made."""
    before = set(rows.values_list("pk", flat=True))
    response = client.post(path, data)
    event(f"status {response.status_code}")
    return response, list(rows.exclude(pk__in=before))


def _post_data(**fields: Any) -> dict[str, Any]:
    """Form data as a browser sends it: an unticked checkbox is left out."""
    return {name: value for name, value in fields.items() if value is not None}


@pytest.fixture
def holder(issue_card, cardholder_user, cardholder_client):  # type: ignore[no-untyped-def]
    """A signed-in cardholder with an active card and a large credit line."""
    card = issue_card(limit=100_000_000)
    return cardholder_client(cardholder_user(card)), card


@pytest.fixture
def billed(cardholder_client):  # type: ignore[no-untyped-def]
    ann = billed_holder("ann")
    return cardholder_client(ann.user), ann.account


@FUZZ
@given(
    choice=st.one_of(st.sampled_from(["minimum", "statement_balance", "other"]), TEXT),
    other=st.one_of(TYPICAL, AMOUNTS),
    token=st.one_of(st.uuids().map(str), TEXT),
)
@example(choice="other", other="12.34", token=str(uuid.UUID(int=1)))
@example(choice="other", other="999999.99", token=str(uuid.UUID(int=2)))
def test_a_payment_is_the_amount_chosen_or_refused(billed, choice, other, token):
    client, account = billed
    due = account_payment_due(account=account)
    assert due is not None

    response, made = _post_creating(
        Payment.objects.all(),
        client,
        f"/portal/accounts/{account.public_id}/pay/",
        {"choice": choice, "other_amount": other, "token": token},
    )

    if response.status_code == 302:
        assert response["Location"] == "/portal/payments/"
        expected = {
            "minimum": due.minimum_remaining,
            "statement_balance": due.statement_balance_remaining,
        }.get(choice)
        if expected is None:
            assert choice == "other"
            expected = _minor(other)
        # A token already paid with pays nothing again.
        assert [payment.amount for payment in made] in ([expected], [])
    else:
        # 200: the form refused it; 400: the service did (above what is owed
        # plus the credit-balance allowance).
        assert response.status_code in (200, 400)
        assert _form_errors(response)
        assert made == []


@FUZZ
@given(
    per_transaction=st.one_of(st.none(), TYPICAL, AMOUNTS),
    daily=st.one_of(st.none(), TYPICAL, AMOUNTS),
    monthly=st.one_of(st.none(), TYPICAL, AMOUNTS),
    ecommerce=CHECKBOX,
    atm=CHECKBOX,
    contactless=CHECKBOX,
)
@example(
    per_transaction="25.00",
    daily=None,
    monthly=" 1000 ",
    ecommerce="on",
    atm=None,
    contactless="on",
)
def test_spending_controls_save_what_was_typed_or_nothing(
    holder, per_transaction, daily, monthly, ecommerce, atm, contactless
):
    client, sandbox_card = holder
    card = sandbox_card.issued.card
    fields = ("per_transaction_limit", "daily_limit", "monthly_limit")
    flags = ("is_ecommerce_enabled", "is_atm_enabled", "is_contactless_enabled")
    before = Card.objects.values(*fields, *flags).get(pk=card.pk)
    typed = dict(zip(fields, (per_transaction, daily, monthly), strict=True))

    response = client.post(
        f"/portal/cards/{card.public_id}/controls/",
        _post_data(
            **typed,
            is_ecommerce_enabled=ecommerce,
            is_atm_enabled=atm,
            is_contactless_enabled=contactless,
        ),
    )
    event(f"status {response.status_code}")

    after = Card.objects.values(*fields, *flags).get(pk=card.pk)
    if response.status_code == 302:
        for name, text in typed.items():
            blank = text is None or not text.strip()
            assert after[name] == (None if blank else _minor(text)), name
        ticked = [_ticked(value) for value in (ecommerce, atm, contactless)]
        assert [after[flag] for flag in flags] == ticked
    else:
        assert response.status_code == 400
        assert _form_errors(response)
        assert after == before


@FUZZ
@given(
    amount=st.one_of(TYPICAL, AMOUNTS),
    reason=st.one_of(st.sampled_from(Dispute.Reason.values), TEXT),
    description=st.one_of(st.just("Not what I ordered."), TEXT),
)
@example(amount="12.50", reason="other", description="Not what I ordered.")
def test_a_dispute_is_filed_as_typed_or_refused(holder, amount, reason, description):
    client, sandbox_card = holder
    capture = cleared_capture(sandbox_card, amount=5_000)

    response, filed = _post_creating(
        Dispute.objects.all(),
        client,
        f"/portal/captures/{capture.public_id}/dispute/",
        {"amount": amount, "reason": reason, "description": description},
    )

    if response.status_code == 302:
        [dispute] = filed
        assert (dispute.capture_id, dispute.reason) == (capture.pk, reason)
        assert dispute.amount == _minor(amount)
        assert 0 < dispute.amount <= capture.amount
        assert dispute.description == description.strip()
    else:
        assert response.status_code == 400
        assert _form_errors(response)
        assert filed == []


@FUZZ
@given(
    threshold=st.one_of(TYPICAL, AMOUNTS),
    decline=CHECKBOX,
    large=CHECKBOX,
    fraud=CHECKBOX,
    due=CHECKBOX,
)
@example(threshold="250.00", decline="on", large="on", fraud=None, due="on")
def test_notification_settings_save_what_was_typed_or_nothing(
    holder, threshold, decline, large, fraud, due
):
    client, _ = holder
    cardholder = Cardholder.objects.get(user__isnull=False)
    before = list(NotificationPreference.objects.filter(cardholder=cardholder).values())

    response = client.post(
        "/portal/notifications/settings/",
        _post_data(
            large_transaction_threshold=threshold,
            is_decline_email_enabled=decline,
            is_large_transaction_email_enabled=large,
            is_fraud_alert_email_enabled=fraud,
            is_due_date_email_enabled=due,
        ),
    )
    event(f"status {response.status_code}")

    after = list(NotificationPreference.objects.filter(cardholder=cardholder).values())
    if response.status_code == 302:
        [saved] = after
        assert saved["large_transaction_threshold"] == _minor(threshold) > 0
        flags = (decline, large, fraud, due)
        assert [
            saved["is_decline_email_enabled"],
            saved["is_large_transaction_email_enabled"],
            saved["is_fraud_alert_email_enabled"],
            saved["is_due_date_email_enabled"],
        ] == [_ticked(value) for value in flags]
    else:
        assert response.status_code == 200
        assert _form_errors(response)
        assert after == before


@FUZZ
@given(autopay=st.one_of(st.sampled_from(CreditAccount.Autopay.values), TEXT))
@example(autopay="minimum")
def test_autopay_is_one_of_its_choices_or_unchanged(billed, autopay):
    client, account = billed
    before = CreditAccount.objects.get(pk=account.pk).autopay

    response = client.post(
        f"/portal/accounts/{account.public_id}/autopay/", {"autopay": autopay}
    )
    event(f"status {response.status_code}")

    after = CreditAccount.objects.get(pk=account.pk).autopay
    if response.status_code == 302:
        assert after == autopay
    else:
        assert response.status_code == 200
        assert _form_errors(response)
        assert after == before


@FUZZ
@given(
    params=st.dictionaries(
        st.sampled_from(["q", "status", "card", "date_from", "date_to", "page"]),
        st.one_of(TEXT, AMOUNTS, st.dates().map(str)),
    )
)
def test_any_transaction_search_answers(holder, params):
    client, _ = holder

    response = client.get("/portal/transactions/", params)

    assert response.status_code == 200


@pytest.fixture
def code_issuer(issue_card):  # type: ignore[no-untyped-def]
    """Issue a fresh activation code to a new cardholder without a login."""

    def issue() -> tuple[Cardholder, str]:
        card = issue_card()
        cardholder = Cardholder.objects.get(pk=card.issued.card.account.cardholder_id)
        code, _ = portal_activation_code_issue(cardholder=cardholder, issued_by=None)
        return cardholder, code

    return issue


@FUZZ
@given(
    use_the_code=st.booleans(),
    typed_code=TEXT,
    username=st.one_of(
        TEXT, st.from_regex(r"[a-z][a-z0-9_.@+-]{2,20}", fullmatch=True)
    ),
    password=st.one_of(st.just("a-long-enough-passphrase-42"), TEXT),
    retyped=st.one_of(st.none(), TEXT),
)
@example(
    use_the_code=True,
    typed_code="",
    username="new-holder",
    password="a-long-enough-passphrase-42",
    retyped=None,
)
def test_sign_up_opens_a_login_only_with_the_code_and_a_good_password(
    client, code_issuer, use_the_code, typed_code, username, password, retyped
):
    cache.clear()  # the wrong-code throttle counts per address, across examples
    cardholder, code = code_issuer()
    users_before = User.objects.count()

    response = client.post(
        "/portal/signup/",
        {
            "code": code if use_the_code else typed_code,
            "username": username,
            "password1": password,
            "password2": password if retyped is None else retyped,
        },
    )
    event(f"status {response.status_code}")

    cardholder.refresh_from_db()
    if response.status_code == 302:
        assert use_the_code or typed_code.strip() == code
        assert retyped in (None, password)
        assert cardholder.user is not None
        assert cardholder.user.check_password(password)
        assert User.objects.count() == users_before + 1
        client.logout()
    else:
        assert response.status_code == 200
        assert _form_errors(response)
        assert cardholder.user is None
        assert User.objects.count() == users_before


@FUZZ
@given(username=TEXT, password=TEXT, code=TEXT)
def test_any_sign_in_attempt_answers(client, username, password, code):
    response = client.post(
        "/portal/login/",
        {"username": username, "password": password, "otp_token": code},
    )
    event(f"status {response.status_code}")

    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in client.session


@FUZZ
@given(email=st.one_of(TEXT, st.emails()))
def test_any_password_reset_request_answers_the_same(client, email):
    response = client.post("/portal/password-reset/", {"email": email})

    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert response["Location"] == "/portal/password-reset/sent/"


def test_the_strategies_reach_both_sides():
    """The amount strategy yields numbers Django reads and ones it refuses."""
    assert _major("12.50") == Decimal("12.50")
    assert _major("NaN") is None
    assert _major("\u0661\u0662") is None
    assert _post_data(a=None, b="on") == {"b": "on"}
    assert uuid.UUID(str(uuid.uuid4()))
