"""PAN encryption at rest, key rotation and the look-up fingerprint."""

import pytest

from cards.security import (
    DecryptionFailed,
    EncryptedPan,
    KeyConfigurationError,
    UnknownKeyId,
    pan_decrypt,
    pan_encrypt,
    pan_fingerprint,
    pan_generate,
    pan_reencrypt,
    vault_current_key_id,
)
from cards.tests.conftest import new_key

PAN = "4111111111111111"


def _flip_bit(blob: bytes, index: int) -> bytes:
    return blob[:index] + bytes([blob[index] ^ 0x01]) + blob[index + 1 :]


def test_a_pan_round_trips_through_the_vault(card_keys):
    encrypted = pan_encrypt(pan=PAN)

    assert encrypted.key_id == "k1"
    assert PAN.encode() not in encrypted.ciphertext
    assert len(encrypted.ciphertext) == 12 + len(PAN) + 16
    assert pan_decrypt(encrypted=encrypted) == PAN


def test_a_nineteen_digit_pan_fits_the_documented_size(card_keys):
    pan = pan_generate(bin_prefix="4242424", length=19)

    encrypted = pan_encrypt(pan=pan)

    assert len(encrypted.ciphertext) == 47
    assert pan_decrypt(encrypted=encrypted) == pan


def test_each_encryption_gives_a_new_ciphertext(card_keys):
    """A fresh nonce per call: equal PANs do not give equal ciphertexts."""
    first = pan_encrypt(pan=PAN)
    second = pan_encrypt(pan=PAN)

    assert first.ciphertext != second.ciphertext
    assert first.ciphertext[:12] != second.ciphertext[:12]
    assert pan_decrypt(encrypted=first) == pan_decrypt(encrypted=second) == PAN


def test_a_ciphertext_read_back_as_memoryview_still_decrypts(card_keys):
    encrypted = pan_encrypt(pan=PAN)

    stored = EncryptedPan(
        key_id=encrypted.key_id, ciphertext=memoryview(encrypted.ciphertext)
    )

    assert stored == encrypted
    assert pan_decrypt(encrypted=stored) == PAN


def test_after_rotation_old_rows_decrypt_and_new_rows_use_the_new_key(settings):
    old_key, new = new_key(), new_key()
    settings.CARD_DATA_KEYS = f"k1:{old_key}"
    settings.CARD_FINGERPRINT_KEY = new_key()
    sealed_before = pan_encrypt(pan=PAN)

    settings.CARD_DATA_KEYS = f"k2:{new},k1:{old_key}"
    sealed_after = pan_encrypt(pan=PAN)
    moved = pan_reencrypt(encrypted=sealed_before)

    assert vault_current_key_id() == "k2"
    assert sealed_before.key_id == "k1"
    assert pan_decrypt(encrypted=sealed_before) == PAN
    assert sealed_after.key_id == "k2"
    assert moved.key_id == "k2"
    assert pan_decrypt(encrypted=moved) == PAN


def test_a_key_id_missing_from_the_ring_is_a_clear_error(settings):
    settings.CARD_DATA_KEYS = f"k1:{new_key()}"
    sealed = pan_encrypt(pan=PAN)
    settings.CARD_DATA_KEYS = f"k2:{new_key()}"

    with pytest.raises(UnknownKeyId) as raised:
        pan_decrypt(encrypted=sealed)

    assert "'k1'" in str(raised.value)
    assert "CARD_DATA_KEYS" in str(raised.value)


@pytest.mark.parametrize(
    "where", [0, 11, 12, 20, -1], ids=["nonce", "nonce-end", "body", "body2", "tag"]
)
def test_a_tampered_ciphertext_is_rejected(card_keys, where):
    sealed = pan_encrypt(pan=PAN)
    tampered = EncryptedPan(
        key_id=sealed.key_id,
        ciphertext=_flip_bit(sealed.ciphertext, where % len(sealed.ciphertext)),
    )

    with pytest.raises(DecryptionFailed):
        pan_decrypt(encrypted=tampered)


def test_a_truncated_ciphertext_is_rejected(card_keys):
    sealed = pan_encrypt(pan=PAN)

    with pytest.raises(DecryptionFailed):
        pan_decrypt(
            encrypted=EncryptedPan(key_id="k1", ciphertext=sealed.ciphertext[:20])
        )


def test_a_ciphertext_relabelled_with_another_key_id_is_rejected(settings):
    settings.CARD_DATA_KEYS = f"k2:{new_key()},k1:{new_key()}"
    sealed = pan_encrypt(pan=PAN)

    with pytest.raises(DecryptionFailed):
        pan_decrypt(encrypted=EncryptedPan(key_id="k1", ciphertext=sealed.ciphertext))


def test_a_ciphertext_opens_only_in_the_context_it_was_bound_to(card_keys):
    """Copied to another card's row, a ciphertext does not decrypt."""
    sealed = pan_encrypt(pan=PAN, context="card:1f0c")

    assert pan_decrypt(encrypted=sealed, context="card:1f0c") == PAN
    with pytest.raises(DecryptionFailed):
        pan_decrypt(encrypted=sealed, context="card:9a9a")
    with pytest.raises(DecryptionFailed):
        pan_decrypt(encrypted=sealed)


def test_the_fingerprint_is_stable_across_rotation_and_distinct_per_pan(settings):
    settings.CARD_FINGERPRINT_KEY = new_key()
    settings.CARD_DATA_KEYS = f"k1:{new_key()}"
    before = pan_fingerprint(pan=PAN)

    settings.CARD_DATA_KEYS = f"k2:{new_key()},k1:{new_key()}"
    after = pan_fingerprint(pan=PAN)
    other = pan_fingerprint(pan="4242424242424242")

    assert before == after
    assert len(before) == 64
    assert int(before, 16) >= 0
    assert other != before


def test_the_fingerprint_depends_on_its_key(settings):
    settings.CARD_FINGERPRINT_KEY = new_key()
    first = pan_fingerprint(pan=PAN)
    settings.CARD_FINGERPRINT_KEY = new_key()

    assert pan_fingerprint(pan=PAN) != first


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("CARD_DATA_KEYS", ""),
        ("CARD_DATA_KEYS", "no-separator"),
        ("CARD_DATA_KEYS", "k1:not base64!"),
        ("CARD_DATA_KEYS", "k1:c2hvcnQ="),  # "short": 5 bytes
        ("CARD_DATA_KEYS", "bad id:" + "A" * 44),
        ("CARD_DATA_KEYS", "k1:" + "A" * 44 + ",k1:" + "A" * 44),
        ("CARD_FINGERPRINT_KEY", ""),
        ("CARD_FINGERPRINT_KEY", "c2hvcnQ="),
    ],
)
def test_a_missing_or_malformed_key_setting_is_a_clear_error(card_keys, setting, value):
    setattr(card_keys, setting, value)

    with pytest.raises(KeyConfigurationError) as raised:
        if setting == "CARD_DATA_KEYS":
            pan_encrypt(pan=PAN)
        else:
            pan_fingerprint(pan=PAN)

    assert setting in str(raised.value)
    assert "c2hvcnQ=" not in str(raised.value)
    assert "A" * 44 not in str(raised.value)
