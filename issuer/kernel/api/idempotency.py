"""`Idempotency-Key` for POSTs that move money or create objects.

Same key and body: the stored response, once, whatever the concurrency.
Same key, another body: 409. Keys compare byte-exact ("Key" and "key" are
two keys, on every database). The first request is remembered by a keyed
MAC over its canonical form without card data (issuer/kernel/request_mac.py),
never by a plain hash of its body. The effect and the stored response share one
transaction (see IdempotencyRecord), retried whole on lock conflicts.

A handler whose work must finish outside any transaction (an authorization
its card program decides in real time) returns `FinishAfterCommit`: its
first transaction commits with the key marked in progress (a repeat meanwhile
is a 409), the rest runs with no transaction open, and its response is
stored under the key in a second transaction.
"""

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db import IntegrityError, transaction
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from issuer.kernel.db import atomic_with_retry
from issuer.kernel.errors import Conflict, InvalidInput
from issuer.kernel.models import IdempotencyRecord
from issuer.kernel.request_mac import (
    RequestFingerprint,
    request_fingerprint,
    request_fingerprint_matches,
)

HEADER = "Idempotency-Key"
REPLAY_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255

Handler = Callable[..., Response]
IN_PROGRESS = 0  # response_status of a key whose request has not finished


class FinishAfterCommit(Response):
    """Not the response yet: `finish` makes it, once the handler's
    transaction has committed, with no transaction open."""

    def __init__(self, finish: Callable[[], Response]) -> None:
        super().__init__(status=202)
        self.finish = finish


def _finish_without_key(response: Response) -> Response:
    return response.finish() if isinstance(response, FinishAfterCommit) else response


def _request_data(request: Request) -> Any:
    """The parsed body, as plain JSON values (a form's fields as lists)."""
    data = request.data
    if hasattr(data, "lists"):
        return {name: values for name, values in data.lists()}
    return data


def _fingerprint(request: Request) -> RequestFingerprint:
    return request_fingerprint(
        method=request.method or "", path=request.path, data=_request_data(request)
    )


def _is_same_request(record: IdempotencyRecord, request: Request) -> bool:
    stored = RequestFingerprint(
        key_id=record.request_fingerprint_key_id, mac=record.request_fingerprint
    )
    return request_fingerprint_matches(
        stored=stored,
        method=request.method or "",
        path=request.path,
        data=_request_data(request),
    )


def _owner(request: Request) -> str:
    partner_id = getattr(request.auth, "partner_id", None)
    if partner_id is not None:
        return f"partner:{partner_id}"
    return f"user:{getattr(request.user, 'pk', None)}"


def _respond(
    view: APIView, handler: Handler, request: Request, *args: Any, **kwargs: Any
) -> Response:
    """Run the handler in a savepoint; a handled error rolls its writes back
    and its response is returned (and stored)."""
    try:
        with transaction.atomic():
            return handler(view, request, *args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - DRF decides which are handled
        return view.handle_exception(exc)


@atomic_with_retry
def _respond_once(
    view: APIView, handler: Handler, request: Request, *args: Any, **kwargs: Any
) -> Response:
    """Without a key: one transaction; an error rolls all of it back."""
    return handler(view, request, *args, **kwargs)


def _storable(response: Response) -> Any:
    return json.loads(JSONRenderer().render(response.data) or b"null")


def _replay(record: IdempotencyRecord) -> Response:
    return Response(
        record.response_body,
        status=record.response_status,
        headers={REPLAY_HEADER: "true"},
    )


@atomic_with_retry
def _store(*, owner: str, key: str, response: Response) -> None:
    IdempotencyRecord.objects.filter(
        owner=owner, key=key, response_status=IN_PROGRESS
    ).update(response_status=response.status_code, response_body=_storable(response))


def idempotent(handler: Handler) -> Handler:
    """Decorate an APIView `post` so it honours the `Idempotency-Key` header."""

    @wraps(handler)
    def wrapper(view: APIView, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(HEADER)
        if key is None:
            return _finish_without_key(
                _respond_once(view, handler, request, *args, **kwargs)
            )
        if not key or len(key) > MAX_KEY_LENGTH:
            raise InvalidInput.for_field(
                HEADER, f"Must be 1 to {MAX_KEY_LENGTH} characters."
            )
        owner, fingerprint = _owner(request), _fingerprint(request)

        @atomic_with_retry
        def run_once() -> Response:
            try:
                with transaction.atomic():
                    record = IdempotencyRecord.objects.create(
                        owner=owner,
                        key=key,
                        request_fingerprint=fingerprint.mac,
                        request_fingerprint_key_id=fingerprint.key_id,
                        response_status=IN_PROGRESS,
                        response_body={},
                    )
            except IntegrityError:
                earlier = IdempotencyRecord.objects.get(owner=owner, key=key)
                if not _is_same_request(earlier, request):
                    raise Conflict(
                        "This Idempotency-Key was used with a different request.",
                        code="idempotency_key_reused",
                        fields={HEADER: ["Already used with a different body."]},
                    ) from None
                if earlier.response_status == IN_PROGRESS:
                    raise Conflict(
                        "A request with this Idempotency-Key is still in progress.",
                        code="idempotency_request_in_progress",
                        fields={HEADER: ["Still in progress: retry shortly."]},
                    ) from None
                return _replay(earlier)
            response = _respond(view, handler, request, *args, **kwargs)
            if isinstance(response, FinishAfterCommit):
                return response  # the key stays in progress until it finishes
            if response.status_code >= 500:
                transaction.set_rollback(True)
                return response
            record.response_status = response.status_code
            record.response_body = _storable(response)
            record.save(update_fields=["response_status", "response_body"])
            return response

        response = run_once()
        if not isinstance(response, FinishAfterCommit):
            return response
        final = response.finish()
        if final.status_code < 500:
            _store(owner=owner, key=key, response=final)
        return final

    wrapper.is_idempotent = True  # type: ignore[attr-defined]
    return wrapper


def is_idempotent(handler: object) -> bool:
    """Whether a view's handler honours the `Idempotency-Key` header."""
    return getattr(handler, "is_idempotent", False) is True
