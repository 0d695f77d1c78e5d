"""Nothing shaped like a card number reaches a log line."""

import logging

from issuer.kernel.logging import MaskCardNumbersFilter, mask_card_numbers


def test_luhn_valid_numbers_are_masked_to_the_last_four():
    text = "pan=4111111111111111 spaced 4242 4242 4242 4242 dashed 5555-5555-5555-4444"

    masked = mask_card_numbers(text)

    assert "4111111111111111" not in masked
    assert "4242 4242 4242 4242" not in masked
    assert "5555-5555-5555-4444" not in masked
    assert masked.count("[card ****") == 3
    assert "[card ****1111]" in masked


def test_other_numbers_are_left_alone():
    text = "order 4111111111111112 amount 1250 at 2026-11-21"

    assert mask_card_numbers(text) == text


def test_digits_inside_an_identifier_are_left_alone():
    """A hex id's digits run into a date here, Luhn-valid (15 digits), but
    they start after a letter: part of a word, not a card number."""
    text = "statement-0b5c9e2f-a1d4-4e8b-9f6a-c3456785-2026-11-21.pdf"

    assert mask_card_numbers(text) == text
    assert mask_card_numbers("card:4111111111111111.") == "card:[card ****1111]."


def test_the_filter_masks_arguments_and_tracebacks(caplog):
    logger = logging.getLogger("issuer.test.masking")
    logger.addFilter(MaskCardNumbersFilter())
    try:
        with caplog.at_level(logging.INFO, logger="issuer.test.masking"):
            logger.info("authorizing %s", "4111111111111111")
            try:
                raise ValueError("bad card 4242424242424242")
            except ValueError:
                logger.exception("failed")
    finally:
        logger.filters.clear()

    rendered = caplog.text + "".join(r.exc_text or "" for r in caplog.records)
    assert "4111111111111111" not in rendered
    assert "4242424242424242" not in rendered
    assert "[card ****1111]" in rendered
