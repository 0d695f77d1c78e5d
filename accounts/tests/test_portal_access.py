"""Portal activation codes: issued once per request, hashed, single use,
expiring; sign-up refusals name their field and change nothing."""

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from accounts.models import Cardholder, PortalActivationCode, User
from accounts.services.portal_access import (
    activation_code_hash,
    portal_activation_code_issue,
    portal_signup,
)
from accounts.tests.factories import CardholderFactory
from issuer.kernel.errors import Conflict, InvalidInput

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PASSWORD = "violet-harbour-lantern-42"


@pytest.fixture
def agent(make_staff):
    return make_staff("agent-ann", "Support agent")


@pytest.fixture
def holder():
    return CardholderFactory.create(
        first_name="Rosa", last_name="Diaz", email="rosa@example.com"
    )


def _state() -> tuple:
    """Everything a sign-up could change."""
    return (
        list(User.objects.order_by("pk").values_list("username", flat=True)),
        list(Cardholder.objects.order_by("pk").values_list("user_id", flat=True)),
        list(
            PortalActivationCode.objects.order_by("pk").values_list(
                "used_at", "used_by_id", "revoked_at"
            )
        ),
    )


def test_issue_stores_only_the_hash_of_a_readable_code(holder, agent):
    code, record = portal_activation_code_issue(
        cardholder=holder, issued_by=agent, now=NOW
    )

    assert len(code) == 14 and code[4] == code[9] == "-"
    assert set(code.replace("-", "")) <= set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    record.refresh_from_db()
    plain = code.replace("-", "")
    assert record.code_hash == hashlib.sha256(plain.encode()).hexdigest()
    assert code.replace("-", "") not in str(
        PortalActivationCode.objects.filter(pk=record.pk).values().get()
    )
    assert (record.cardholder, record.issued_by) == (holder, agent)
    assert (record.created_at, record.expires_at) == (NOW, NOW + timedelta(days=14))
    assert (record.used_at, record.revoked_at) == (None, None)


def test_issue_is_refused_when_the_cardholder_has_a_login(holder, agent):
    user = User.objects.create_user(username="rosa")
    Cardholder.objects.filter(pk=holder.pk).update(user=user)

    with pytest.raises(Conflict) as refused:
        portal_activation_code_issue(cardholder=holder, issued_by=agent)

    assert refused.value.code == "cardholder_has_login"
    assert PortalActivationCode.objects.count() == 0


def test_a_new_code_revokes_the_unused_one(holder, agent):
    first, _ = portal_activation_code_issue(cardholder=holder, issued_by=agent, now=NOW)
    second, _ = portal_activation_code_issue(
        cardholder=holder, issued_by=agent, now=NOW + timedelta(hours=1)
    )

    with pytest.raises(InvalidInput) as refused:
        portal_signup(code=first, username="rosa", password=PASSWORD, now=NOW)
    user = portal_signup(
        code=second, username="rosa", password=PASSWORD, now=NOW + timedelta(hours=2)
    )

    assert list(refused.value.fields) == ["code"]
    assert user.cardholder == holder


def test_signup_creates_the_login_links_the_cardholder_and_spends_the_code(
    holder, agent
):
    code, record = portal_activation_code_issue(
        cardholder=holder, issued_by=agent, now=NOW
    )

    user = portal_signup(
        code=code.lower().replace("-", " "),
        username=" rosa.diaz ",
        password=PASSWORD,
        now=NOW + timedelta(days=1),
    )

    holder.refresh_from_db()
    record.refresh_from_db()
    assert holder.user == user
    assert (user.username, user.email, user.first_name, user.last_name) == (
        "rosa.diaz",
        "rosa@example.com",
        "Rosa",
        "Diaz",
    )
    assert (user.is_staff, user.is_superuser, user.is_active) == (False, False, True)
    assert user.check_password(PASSWORD)
    assert (record.used_at, record.used_by) == (NOW + timedelta(days=1), user)


def test_signup_takes_a_chosen_email(holder, agent):
    code, _ = portal_activation_code_issue(cardholder=holder, issued_by=agent)

    user = portal_signup(
        code=code, username="rosa", password=PASSWORD, email="r.diaz@example.org"
    )

    assert user.email == "r.diaz@example.org"


def test_a_code_works_once(holder, agent):
    code, _ = portal_activation_code_issue(cardholder=holder, issued_by=agent, now=NOW)
    portal_signup(code=code, username="rosa", password=PASSWORD, now=NOW)
    before = _state()

    with pytest.raises(InvalidInput) as refused:
        portal_signup(code=code, username="rosa2", password=PASSWORD, now=NOW)

    assert refused.value.fields == {
        "code": [
            "This activation code is not valid. Check it, or ask us for a new one."
        ]
    }
    assert _state() == before


def test_an_expired_code_is_refused(holder, agent):
    code, record = portal_activation_code_issue(
        cardholder=holder, issued_by=agent, now=NOW
    )
    before = _state()

    with pytest.raises(InvalidInput) as refused:
        portal_signup(
            code=code, username="rosa", password=PASSWORD, now=record.expires_at
        )
    unchanged = _state() == before
    just_before = portal_signup(
        code=code,
        username="rosa",
        password=PASSWORD,
        now=record.expires_at - timedelta(seconds=1),
    )

    assert refused.value.fields == {
        "code": ["This activation code has expired. Ask us for a new one."]
    }
    assert unchanged
    assert just_before.username == "rosa"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"code": "AAAA-BBBB-CCCC"}, "code"),
        ({"code": ""}, "code"),
        ({"username": "taken"}, "username"),
        ({"username": "TAKEN"}, "username"),
        ({"username": "no spaces please"}, "username"),
        ({"username": ""}, "username"),
        ({"password": "short"}, "password"),
        ({"password": "password1234"}, "password"),
        ({"password": "rosa.diaz.example"}, "password"),
        ({"email": "not-an-email"}, "email"),
    ],
)
def test_each_refusal_names_its_field_and_changes_nothing(
    holder, agent, changes, field
):
    User.objects.create_user(username="taken")
    code, _ = portal_activation_code_issue(cardholder=holder, issued_by=agent)
    before = _state()
    arguments = {"code": code, "username": "rosa.diaz", "password": PASSWORD}

    with pytest.raises(InvalidInput) as refused:
        portal_signup(**{**arguments, **changes})

    assert list(refused.value.fields) == [field]
    assert _state() == before


def test_a_code_of_a_cardholder_who_got_a_login_meanwhile_is_refused(holder, agent):
    code, _ = portal_activation_code_issue(cardholder=holder, issued_by=agent)
    other = User.objects.create_user(username="linked-by-hand")
    Cardholder.objects.filter(pk=holder.pk).update(user=other)
    before = _state()

    with pytest.raises(InvalidInput) as refused:
        portal_signup(code=code, username="rosa", password=PASSWORD)

    assert list(refused.value.fields) == ["code"]
    assert _state() == before


def test_the_code_hash_ignores_dashes_spaces_and_case():
    assert activation_code_hash("abcd-efgh 2345") == activation_code_hash(
        "ABCDEFGH2345"
    )
