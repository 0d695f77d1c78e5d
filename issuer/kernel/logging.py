"""Logging helpers: nothing shaped like a card number leaves the process."""

import logging
import re

# 13-19 digits, optionally grouped by single spaces or dashes.
_CARD_NUMBER_SHAPE = re.compile(r"(?<![\dA-Za-z])(?:\d[ -]?){12,18}\d(?![\dA-Za-z])")


def _passes_luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        digit = int(char)
        if index % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _mask_match(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    if not 13 <= len(digits) <= 19 or not _passes_luhn(digits):
        return match.group(0)
    return f"[card ****{digits[-4:]}]"


def mask_card_numbers(text: str) -> str:
    """Replace every Luhn-valid 13-19 digit run in `text` by its last four."""
    return _CARD_NUMBER_SHAPE.sub(_mask_match, text)


class MaskCardNumbersFilter(logging.Filter):
    """Render the message, mask anything that looks like a PAN, drop the args."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_card_numbers(message)
        if masked != message:
            record.msg = masked
            record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_card_numbers(record.exc_text)
        return True


class ClientErrorsWithoutTraceback(logging.Filter):
    """Django logs a refused or missing page (403, 404, 4xx) with the
    exception's traceback; keep its one line and drop the traceback, which
    says nothing about a client's mistake. 5xx keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
