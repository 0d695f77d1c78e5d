"""The API's one body parser: JSON, UTF-8, bounded in size and depth.

Every malformed body is a 4xx in the error shape, never a 500 and never
Django's HTML page: more than API_MAX_BODY_BYTES is a 413; bytes that are not
UTF-8, a charset other than UTF-8, invalid JSON, NaN or Infinity, a key given
twice, or nesting deeper than API_MAX_JSON_DEPTH are a 400 naming the body.
"""

import codecs
import json
from collections.abc import Iterable, Mapping
from typing import IO, Any

from django.conf import settings
from django.utils.http import parse_header_parameters
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError, UnsupportedMediaType
from rest_framework.parsers import JSONParser

BODY = "body"


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is larger than this API takes."
    default_code = "payload_too_large"


class MalformedBody(ParseError):
    """A body that is not one canonical JSON document; names the body."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.fields = {BODY: [message]}


def body_limit_message(limit: int) -> str:
    return f"The request body is larger than {limit} bytes."


def _refuse_constant(name: str) -> Any:
    raise MalformedBody(f"{name} is not a JSON number this API takes.")


def _refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise MalformedBody("A JSON object in the body names a key twice.")
    return result


def json_depth(value: Any) -> int:
    """How deeply arrays and objects nest in `value` (a scalar is 0)."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children: Iterable[Any]
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _is_utf8(encoding: str) -> bool:
    try:
        return codecs.lookup(encoding).name == "utf-8"
    except LookupError:
        return False


class BoundedJSONParser(JSONParser):
    """JSON bodies only, read whole up to the size limit, then parsed strictly."""

    def parse(
        self,
        stream: IO[bytes] | None,
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        # The charset as sent: Django drops one it does not know, DRF would
        # decode with any text codec it names.
        _, parameters = parse_header_parameters(media_type or "")
        encoding = parameters.get("charset", "utf-8")
        if not _is_utf8(encoding):
            raise UnsupportedMediaType(
                media_type or "", "The body must be JSON in UTF-8."
            )
        limit = settings.API_MAX_BODY_BYTES
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise PayloadTooLarge(body_limit_message(limit))
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedBody("The body is not valid UTF-8.") from None
        try:
            data = json.loads(
                text,
                parse_constant=_refuse_constant,
                object_pairs_hook=_refuse_duplicate_keys,
            )
        except RecursionError:
            data = None
            depth = None
        except json.JSONDecodeError as error:
            raise MalformedBody(f"The body is not valid JSON: {error.msg}.") from None
        else:
            depth = json_depth(data)
        max_depth = settings.API_MAX_JSON_DEPTH
        if depth is None or depth > max_depth:
            raise MalformedBody(
                f"The body nests arrays and objects more than {max_depth} deep."
            )
        return data
