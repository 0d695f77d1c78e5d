"""CVVs derived from a secret key, verified in constant time."""

import base64
import hashlib
import hmac

import pytest

from cards.security import InvalidCardData, cvv_generate, cvv_verify, expiry_mmyy
from cards.security import cvv as cvv_module

PAN = "4111111111111111"
# Fixed keys so the assertions below are exact, not probabilistic.
KEY_A = "Y3Z2LXRlc3Qta2V5LWEtMDEyMzQ1Njc4OWFiY2RlZjAx"
KEY_B = "Y3Z2LXRlc3Qta2V5LWItMDEyMzQ1Njc4OWFiY2RlZjAx"


@pytest.fixture
def cvv_key_a(settings):
    settings.CARD_CVV_KEY = KEY_A
    return settings


def test_the_cvv_is_the_decimalised_hmac_of_pan_expiry_and_service_code(cvv_key_a):
    """The documented derivation, recomputed independently."""
    mac = hmac.new(
        base64.b64decode(KEY_A),
        b"issuer/cards/cvv/v1|4111111111111111|1229|101",
        hashlib.sha256,
    ).digest()

    assert cvv_generate(pan=PAN, expiry="1229") == f"{int.from_bytes(mac) % 1000:03d}"


def test_the_cvv_is_deterministic_and_three_digits(cvv_key_a):
    first = cvv_generate(pan=PAN, expiry="1229")

    assert cvv_generate(pan=PAN, expiry="1229") == first
    assert len(first) == 3
    assert first.isdigit()


def test_cvvs_stay_three_digits_with_leading_zeros(cvv_key_a):
    cvvs = {
        cvv_generate(pan=PAN, expiry=f"{m:02d}{y:02d}")
        for m in range(1, 13)
        for y in range(26, 36)
    }

    assert all(len(value) == 3 and value.isdigit() for value in cvvs)
    assert len(cvvs) > 50  # 120 inputs spread over the 1,000 values


def test_the_cvv_changes_with_expiry_service_code_pan_and_key(cvv_key_a):
    base = cvv_generate(pan=PAN, expiry="1229")

    other_expiry = cvv_generate(pan=PAN, expiry="0130")
    other_service_code = cvv_generate(pan=PAN, expiry="1229", service_code="000")
    other_pan = cvv_generate(pan="4242424242424242", expiry="1229")
    cvv_key_a.CARD_CVV_KEY = KEY_B
    other_key = cvv_generate(pan=PAN, expiry="1229")

    assert len({base, other_expiry, other_service_code, other_pan, other_key}) == 5


def test_verify_accepts_the_right_cvv_and_refuses_others(cvv_key_a):
    right = cvv_generate(pan=PAN, expiry="1229")
    wrong = f"{(int(right) + 1) % 1000:03d}"

    assert cvv_verify(pan=PAN, expiry="1229", cvv=right) is True
    assert cvv_verify(pan=PAN, expiry="1229", cvv=wrong) is False
    assert cvv_verify(pan=PAN, expiry="0130", cvv=right) is False
    assert cvv_verify(pan=PAN, expiry="1229", cvv=right, service_code="000") is (
        cvv_generate(pan=PAN, expiry="1229", service_code="000") == right
    )


@pytest.mark.parametrize(
    "supplied", ["", "12", "1234", "abc", "\uff11\uff12\uff13", "\ud800"]
)
def test_verify_treats_a_malformed_cvv_as_a_mismatch(cvv_key_a, supplied):
    assert cvv_verify(pan=PAN, expiry="1229", cvv=supplied) is False


def test_verify_compares_in_constant_time(cvv_key_a, monkeypatch):
    """The comparison goes through hmac.compare_digest, not ==."""
    calls = []
    compare_digest = hmac.compare_digest

    def spy(left, right):
        calls.append((type(left), type(right)))
        return compare_digest(left, right)

    monkeypatch.setattr(cvv_module.hmac, "compare_digest", spy)
    right = cvv_generate(pan=PAN, expiry="1229")

    assert cvv_verify(pan=PAN, expiry="1229", cvv=right) is True
    assert calls == [(bytes, bytes)]


@pytest.mark.parametrize(
    ("expiry", "service_code"),
    [
        ("1329", "101"),
        ("0029", "101"),
        ("12/29", "101"),
        ("1229", "11"),
        ("1229", "1a1"),
    ],
)
def test_malformed_expiry_or_service_code_is_refused(cvv_key_a, expiry, service_code):
    with pytest.raises(InvalidCardData):
        cvv_generate(pan=PAN, expiry=expiry, service_code=service_code)


def test_expiry_mmyy_formats_month_and_year():
    assert expiry_mmyy(month=3, year=2029) == "0329"
    assert expiry_mmyy(month=12, year=30) == "1230"
    with pytest.raises(InvalidCardData):
        expiry_mmyy(month=13, year=2029)
