"""No PAN or CVV reaches an exception's text, repr, traceback or a log."""

import logging
import traceback

import pytest

from cards.security import (
    CardDataError,
    EncryptedPan,
    cvv_generate,
    cvv_verify,
    pan_decrypt,
    pan_display,
    pan_encrypt,
    pan_fingerprint,
    pan_generate,
    pan_last_four,
    pan_validate,
)
from cards.tests.conftest import new_key


def _all_text(error: BaseException) -> str:
    """Everything an error handler or log formatter could print of `error`."""
    parts = [str(error), repr(error), *map(str, error.args)]
    parts.append("".join(traceback.format_exception(error)))
    chained = error.__cause__ or error.__context__
    if chained is not None:
        parts.append(_all_text(chained))
    return "\n".join(parts)


@pytest.fixture
def pan(card_keys):
    return pan_generate(bin_prefix="411111", length=16)


def _failures(pan: str):
    """Calls carrying `pan` that must each fail with a CardDataError."""
    not_luhn = pan[:-1] + str((int(pan[-1]) + 1) % 10)
    with_letter = pan[:-1] + "x"
    sealed = pan_encrypt(pan=pan, context="card:1")
    tampered = EncryptedPan(
        key_id=sealed.key_id,
        ciphertext=sealed.ciphertext[:-1] + bytes([sealed.ciphertext[-1] ^ 1]),
    )
    unknown_key = EncryptedPan(key_id="gone", ciphertext=sealed.ciphertext)
    return [
        lambda: pan_validate(not_luhn),
        lambda: pan_validate(with_letter),
        lambda: pan_encrypt(pan=with_letter),
        lambda: pan_fingerprint(pan=with_letter),
        lambda: pan_last_four(with_letter),
        lambda: pan_display(pan),
        lambda: pan_decrypt(encrypted=tampered, context="card:1"),
        lambda: pan_decrypt(encrypted=sealed, context="card:2"),
        lambda: pan_decrypt(encrypted=unknown_key, context="card:1"),
        lambda: cvv_generate(pan=pan, expiry="1329"),
        lambda: cvv_generate(pan=pan, expiry="1229", service_code="x01"),
        lambda: cvv_generate(pan=with_letter, expiry="1229"),
    ]


def test_no_error_message_repr_or_traceback_carries_the_pan(pan):
    digits = {pan, pan[:-1], pan[:6] + pan[6:-4]}
    for index, call in enumerate(_failures(pan)):
        with pytest.raises(CardDataError) as raised:
            call()

        text = _all_text(raised.value)
        assert not any(value in text for value in digits), index


def test_no_error_carries_the_cvv(pan):
    cvv = cvv_generate(pan=pan, expiry="1229")

    with pytest.raises(CardDataError) as raised:
        cvv_generate(pan=pan, expiry="1329")

    assert cvv_verify(pan=pan, expiry="1229", cvv=cvv + "0") is False
    assert cvv not in str(raised.value)


def test_the_key_ring_error_does_not_print_a_key(settings):
    key = new_key()
    settings.CARD_DATA_KEYS = f"bad id:{key}"

    with pytest.raises(CardDataError) as raised:
        pan_encrypt(pan="4111111111111111")

    assert key not in _all_text(raised.value)


def test_an_encrypted_pan_repr_shows_no_ciphertext(pan):
    sealed = pan_encrypt(pan=pan)

    assert repr(sealed) == "EncryptedPan(key_id='k1')"
    assert pan not in repr(sealed)


def test_the_card_data_primitives_log_nothing(pan, caplog):
    with caplog.at_level(logging.DEBUG):
        sealed = pan_encrypt(pan=pan)
        pan_decrypt(encrypted=sealed)
        pan_fingerprint(pan=pan)
        cvv = cvv_generate(pan=pan, expiry="1229")
        cvv_verify(pan=pan, expiry="1229", cvv=cvv)
        for call in _failures(pan):
            with pytest.raises(CardDataError):
                call()

    assert pan not in caplog.text
    assert [r for r in caplog.records if r.name.startswith("cards")] == []
