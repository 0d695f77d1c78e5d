"""Sign up at /portal/signup/ with an activation code: signed in to the
overview at once; wrong input is shown on its field; wrong codes are
throttled per connection."""

import pytest
from django.core.cache import cache

from accounts.models import Cardholder, PortalActivationCode, User
from accounts.services.portal_access import portal_activation_code_issue
from accounts.tests.factories import CardholderFactory

pytestmark = pytest.mark.django_db

PASSWORD = "violet-harbour-lantern-42"


@pytest.fixture(autouse=True)
def _forget_failures():
    """Start every test with no wrong codes counted (the cache outlives tests)."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def code_for(test_card):
    """A fresh activation code for the sandbox card's cardholder."""

    def issue() -> str:
        cardholder = Cardholder.objects.get(
            pk=test_card.issued.card.account.cardholder_id
        )
        code, _ = portal_activation_code_issue(cardholder=cardholder, issued_by=None)
        return code

    return issue


def _form(code: str, /, **changes: str) -> dict[str, str]:
    return {
        "code": code,
        "username": "rosa.diaz",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **changes,
    }


def test_the_login_page_links_to_sign_up_and_password_reset(client):
    page = client.get("/portal/login/").content.decode()

    assert '<a href="/portal/signup/">New here? Activate your card access</a>' in page
    assert '<a href="/portal/password-reset/">Forgot your password?</a>' in page


def test_signing_up_signs_in_to_the_overview(client, code_for, test_card):
    response = client.post("/portal/signup/", _form(code_for()), follow=True)

    user = User.objects.get(username="rosa.diaz")
    assert response.redirect_chain == [("/portal/", 302)]
    assert response.wsgi_request.user == user
    assert user.cardholder.pk == test_card.issued.card.account.cardholder_id
    holder = user.cardholder
    assert f"<h1>Hello, {holder.first_name}</h1>" in response.content.decode()
    assert "Your portal login is ready" in response.content.decode()
    assert client.post("/portal/logout/").status_code == 302
    assert client.login(
        request=response.wsgi_request, username="rosa.diaz", password=PASSWORD
    )


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"code": "AAAA-BBBB-CCCC"}, "code", "This activation code is not valid."),
        ({"password2": PASSWORD + "x"}, "password2", "The two passwords differ."),
        ({"password1": "short", "password2": "short"}, "password1", "too short"),
        ({"username": "has space"}, "username", "Enter a valid username."),
    ],
)
def test_wrong_input_is_shown_and_nothing_is_created(
    client, code_for, changes, field, message
):
    response = client.post("/portal/signup/", _form(code_for(), **changes))

    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field]
    assert message in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert not User.objects.filter(username="rosa.diaz").exists()
    assert PortalActivationCode.objects.get().used_at is None


def test_wrong_codes_are_throttled_even_for_a_right_code(client, code_for, settings):
    settings.SIGNUP_CODE_FAILURE_LIMIT = 3
    code = code_for()
    for _ in range(3):
        client.post("/portal/signup/", _form("AAAA-BBBB-CCCC"))

    response = client.post("/portal/signup/", _form(code))

    assert response.status_code == 429
    assert "Too many wrong activation codes" in response.content.decode()
    assert not User.objects.filter(username="rosa.diaz").exists()


def test_wrong_passwords_do_not_count_towards_the_throttle(client, code_for, settings):
    settings.SIGNUP_CODE_FAILURE_LIMIT = 2
    code = code_for()
    for _ in range(2):
        client.post("/portal/signup/", _form(code, password2="different-one-123"))

    response = client.post("/portal/signup/", _form(code), follow=True)

    assert response.redirect_chain == [("/portal/", 302)]


def test_a_code_for_another_cardholder_links_that_cardholder(client):
    holder = CardholderFactory.create(first_name="Tom", last_name="Hale")
    code, _ = portal_activation_code_issue(cardholder=holder, issued_by=None)

    client.post("/portal/signup/", _form(code))

    assert Cardholder.objects.get(user__username="rosa.diaz") == holder
