"""Program managers' real-time authorization decision endpoints: register,
change, delete, and ask one about an authorization.

The authorization side (transactions, holds, what an answer does) lives in
`cards.services.realtime_decisions`; this module registers the `decider`
there when webhooks starts. Requests are signed exactly as webhook
deliveries (`Webhook-Signature`), to URLs the webhook URL policy allows.
"""

import json
import logging
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Partner
from cards.services.realtime_decisions import (
    DEFAULT_BUDGET_MS,
    MAX_BUDGET_MS,
    ProgramAnswer,
    ProgramTarget,
)
from issuer.kernel.errors import Forbidden, InvalidInput
from webhooks.models import AuthorizationDecisionEndpoint
from webhooks.secret_box import SealedSecret, secret_generate, secret_open, secret_seal
from webhooks.signing import HEADER, signature_header
from webhooks.transport import post_signed
from webhooks.url_policy import UrlRefused, url_check, url_resolve_checked

logger = logging.getLogger(__name__)

MIN_BUDGET_MS = 50
EVENT_TYPE = "authorization.decision_requested"
# Requests run on these threads so the wait is bounded as a whole (httpx's
# timeout bounds each phase); a late one finishes on its own in the background.
_asking = ThreadPoolExecutor(max_workers=32, thread_name_prefix="program-decision")
# Whether any program registered an endpoint, re-read at most every few
# seconds: while none has, an approval costs no extra statement.
ANY_ENDPOINT_TTL_SECONDS = 5.0
_any_endpoint: tuple[float, bool] = (0.0, False)


def decision_endpoints_exist() -> bool:
    global _any_endpoint
    read_at, exists = _any_endpoint
    if time.monotonic() - read_at > ANY_ENDPOINT_TTL_SECONDS:
        exists = AuthorizationDecisionEndpoint.objects.exists()
        _any_endpoint = (time.monotonic(), exists)
    return exists


def decision_endpoints_forget() -> None:
    """Read again at the next authorization (after a change here, in tests)."""
    global _any_endpoint
    _any_endpoint = (0.0, False)


def _budget(budget_ms: object) -> int:
    if (
        isinstance(budget_ms, bool)
        or not isinstance(budget_ms, int)
        or not MIN_BUDGET_MS <= budget_ms <= MAX_BUDGET_MS
    ):
        raise InvalidInput.for_field(
            "budget_ms",
            f"Give whole milliseconds from {MIN_BUDGET_MS} to {MAX_BUDGET_MS}.",
        )
    return budget_ms


def _seal_new_secret(endpoint: AuthorizationDecisionEndpoint) -> str:
    secret = secret_generate()
    sealed = secret_seal(secret=secret, context=str(endpoint.public_id))
    endpoint.key_id, endpoint.ciphertext = sealed.key_id, sealed.ciphertext
    return secret


def decision_endpoint_put(
    *,
    partner: Partner,
    url: str,
    budget_ms: int = DEFAULT_BUDGET_MS,
    default_approves: bool = False,
) -> tuple[AuthorizationDecisionEndpoint, str | None]:
    """Register or change the partner's program's endpoint; return it and,
    when this call made its signing secret, the secret (shown once)."""
    if partner.kind != Partner.Kind.PROGRAM_MANAGER:
        raise Forbidden("Only a program manager decides its authorizations.")
    url = url_check(url)
    budget_ms = _budget(budget_ms)
    with transaction.atomic():
        Partner.objects.select_for_update().get(pk=partner.pk)
        endpoint = AuthorizationDecisionEndpoint.objects.filter(partner=partner).first()
        secret = None
        if endpoint is None:
            endpoint = AuthorizationDecisionEndpoint(partner=partner)
            secret = _seal_new_secret(endpoint)
        endpoint.url = url
        endpoint.budget_ms = budget_ms
        endpoint.default_approves = bool(default_approves)
        endpoint.save()
    decision_endpoints_forget()
    return endpoint, secret


def decision_endpoint_rotate_secret(*, endpoint: AuthorizationDecisionEndpoint) -> str:
    """A new signing secret (the old one stops at once); shown once."""
    secret = _seal_new_secret(endpoint)
    endpoint.save(update_fields=["key_id", "ciphertext", "updated_at"])
    return secret


def decision_endpoint_delete(*, endpoint: AuthorizationDecisionEndpoint) -> None:
    """Stop asking: the program's authorizations are decided locally again."""
    endpoint.delete()
    decision_endpoints_forget()


class WebhooksDecider:
    """Finds a program's endpoint and asks it (cards' `ProgramDecider`)."""

    def target_for(self, *, account_id: int) -> ProgramTarget | None:
        if not decision_endpoints_exist():
            return None
        row = (
            AuthorizationDecisionEndpoint.objects.filter(
                partner__cardholders__credit_accounts__id=account_id,
                partner__is_active=True,
            )
            .values_list("public_id", "budget_ms", "default_approves")
            .first()
        )
        if row is None:
            return None
        public_id, budget_ms, default_approves = row
        return ProgramTarget(
            endpoint_id=str(public_id),
            budget_ms=budget_ms,
            default_approves=default_approves,
        )

    def ask(self, *, target: ProgramTarget, payload: dict[str, Any]) -> ProgramAnswer:
        started = time.monotonic()
        budget = target.budget_ms / 1000

        def elapsed_ms() -> int:
            return int((time.monotonic() - started) * 1000)

        try:
            endpoint = AuthorizationDecisionEndpoint.objects.get(
                public_id=target.endpoint_id
            )
            checked = url_resolve_checked(endpoint.url)
            secret = secret_open(
                sealed=SealedSecret(endpoint.key_id, bytes(endpoint.ciphertext)),
                context=str(endpoint.public_id),
            )
        except (AuthorizationDecisionEndpoint.DoesNotExist, UrlRefused) as exc:
            return ProgramAnswer("error", elapsed_ms(), reason=type(exc).__name__)
        except Exception:  # a secret that does not open: the default applies
            logger.exception("decision endpoint %s cannot sign", target.endpoint_id)
            return ProgramAnswer("error", elapsed_ms(), reason="cannot sign")
        body = decision_request_body(payload)
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            HEADER: signature_header(secrets=[secret], timestamp=timestamp, body=body),
        }
        future = _asking.submit(
            post_signed,
            target=checked,
            body=body,
            headers=headers,
            timeout_seconds=budget,
        )
        try:
            result = future.result(
                timeout=max(budget - (time.monotonic() - started), 0)
            )
        except FutureTimeout:
            return ProgramAnswer("timeout", elapsed_ms())
        if result.status_code is None:
            kind = "timeout" if result.error.startswith("timed out") else "error"
            return ProgramAnswer(kind, elapsed_ms(), reason=result.error)
        if result.status_code != 200:
            return ProgramAnswer(
                "error", elapsed_ms(), reason=f"HTTP {result.status_code}"
            )
        return answer_parse(result.snippet, latency_ms=elapsed_ms())


def decision_request_body(payload: dict[str, Any]) -> bytes:
    """The envelope of a webhook delivery around the authorization."""
    return json.dumps(
        {
            "id": str(uuid.uuid4()),
            "type": EVENT_TYPE,
            "created": timezone.now().isoformat(),
            "data": payload,
        },
        separators=(",", ":"),
    ).encode()


def answer_parse(text: str, *, latency_ms: int) -> ProgramAnswer:
    """`{"decision": "approve"[, "amount": n]}` or `{"decision": "decline",
    "response_code": "05", "reason": "..."}`; anything else is an error."""
    try:
        answer = json.loads(text)
    except ValueError:
        return ProgramAnswer("error", latency_ms, reason="not JSON")
    if not isinstance(answer, dict) or answer.get("decision") not in (
        "approve",
        "decline",
    ):
        return ProgramAnswer("error", latency_ms, reason="no decision")
    amount = answer.get("amount")
    if amount is not None and (isinstance(amount, bool) or not isinstance(amount, int)):
        return ProgramAnswer("error", latency_ms, reason="amount not an integer")
    code, reason = answer.get("response_code", ""), answer.get("reason", "")
    return ProgramAnswer(
        decision=answer["decision"],
        latency_ms=latency_ms,
        amount=amount,
        response_code=code if isinstance(code, str) else "",
        reason=reason if isinstance(reason, str) else "",
    )
