"""The program's real-time decision on an authorization (DESIGN.md §5, last).

Where the card's program registered an authorization-decision endpoint, an
authorization that passed every local check is decided in three steps
(docs/realtime-decisions.md):

1. Transaction 1 (`cards.services.authorizations`): under the credit
   account's row lock the hold is placed and counted as for any approval,
   and the authorization is recorded `pending`, with the program's default.
   It commits: credit cannot be over-committed while the program thinks.
2. No transaction open (`authorization_decision_await`): the program is
   asked, a signed POST, and waited for at most its budget.
3. Transaction 2 (`authorization_decision_finalize`): under the same lock,
   approve; decline, releasing the hold and the counted approval exactly;
   or approve a lower amount, releasing the difference. Only then is
   `authorization.approved` or `authorization.declined` published.

A crash between 1 and 3 leaves a pending authorization holding credit: the
beat sweeper (`realtime_decisions_resolve_stale`) finalizes it with the
default recorded in step 1.

The endpoint itself (URL, sealed secret, budget, default) belongs to
webhooks, at the top of the stack, which registers a `ProgramDecider` here
when it starts: cards never imports it (as the outbox's consumers).
"""

import datetime
import logging
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings
from django.db import connection
from django.db.models import F
from django.utils import timezone

from accounts.lock_objects import credit_account_lock
from cards.lock_objects import authorization_lock
from cards.models import Authorization
from cards.services.activity import activity_release, activity_uncount_approval
from issuer.kernel.db import atomic_with_retry
from issuer.kernel.outbox import event_publish
from ledger.services.holds import hold_void

logger = logging.getLogger(__name__)

Decision = Authorization.RealtimeDecision

# ISO 8583 codes a program may decline with.
PROGRAM_DECLINE_CODES = {
    "05": "Declined by the card program.",
    "51": "Not enough funds, says the card program.",
    "57": "Not permitted to this cardholder, says the card program.",
    "59": "Suspected fraud, says the card program.",
    "61": "Above an amount limit of the card program.",
    "62": "Restricted card, says the card program.",
    "65": "Too many transactions, says the card program.",
}
PARTIAL_APPROVAL_CODE = "10"
DEFAULT_DECLINE_CODE = "05"
MAX_REASON_CHARS = 200
DEFAULT_BUDGET_MS = 1000
MAX_BUDGET_MS = 2000


@dataclass(frozen=True)
class ProgramAnswer:
    """What came back from the program, as the transport read it.

    `decision`: "approve" or "decline" when the program answered; "timeout"
    or "error" (no usable answer). `amount`: an approval's amount, when the
    program named one. Cards checks it all (`_outcome`).
    """

    decision: str
    latency_ms: int
    amount: int | None = None
    response_code: str = ""
    reason: str = ""


@dataclass(frozen=True)
class ProgramTarget:
    """Whom to ask for a card's program, within how long, and the default."""

    endpoint_id: str
    budget_ms: int
    default_approves: bool


class ProgramDecider(Protocol):
    def target_for(self, *, account_id: int) -> ProgramTarget | None: ...

    def ask(self, *, target: ProgramTarget, payload: dict[str, Any]) -> ProgramAnswer:
        """POST the payload, signed; answer within `target.budget_ms`."""
        ...


_decider: ProgramDecider | None = None


def program_decider_register(decider: ProgramDecider | None) -> None:
    """Set who finds and asks programs' endpoints (webhooks, at start-up)."""
    global _decider
    _decider = decider


def program_target_for(*, account_id: int) -> ProgramTarget | None:
    """The program's endpoint when the account's program registered one."""
    return _decider.target_for(account_id=account_id) if _decider else None


def decision_request_payload(authorization: Authorization) -> dict[str, Any]:
    """The `data` the program receives: ids, amount, merchant, channel and the
    fraud score when one is on the authorization. Never card data."""
    score = getattr(authorization, "fraud_score", None)
    fraud = (
        {
            "score": score,
            "tier": getattr(authorization, "fraud_tier", None),
            "model_version": getattr(authorization, "fraud_model_version", None),
        }
        if score is not None
        else None
    )
    return {
        "authorization_id": str(authorization.public_id),
        "card_id": str(authorization.card.public_id) if authorization.card else None,
        "account_id": (
            str(authorization.account.public_id) if authorization.account else None
        ),
        "amount": authorization.amount,
        "currency": authorization.currency,
        "merchant": {
            "id": authorization.merchant_id,
            "name": authorization.merchant_name,
            "mcc": authorization.mcc,
            "country": authorization.merchant_country,
        },
        "channel": authorization.channel,
        "created": authorization.created_at.isoformat(),
        "fraud": fraud,
        "default_decision": (
            "approve" if authorization.realtime_default_approves else "decline"
        ),
    }


def authorization_decision_await(*, authorization: Authorization) -> Authorization:
    """Ask the program about a pending authorization and finalize it.

    Call it with no transaction open: the wait must hold no lock and no
    connection's transaction.
    """
    if authorization.status != Authorization.Status.PENDING:
        return authorization
    if connection.in_atomic_block:
        raise RuntimeError("A program is asked with no database transaction open.")
    target = program_target_for(account_id=authorization.account_id or 0)
    if target is None or _decider is None:
        answer = ProgramAnswer(decision="error", latency_ms=0, reason="no endpoint")
    else:
        answer = _decider.ask(
            target=target, payload=decision_request_payload(authorization)
        )
    return authorization_decision_finalize(
        authorization_id=authorization.pk, answer=answer
    )


@dataclass(frozen=True)
class _Outcome:
    decision: str
    approved_amount: int  # 0: declined
    response_code: str
    reason: str


def _default(authorization: Authorization, decision: str, why: str) -> _Outcome:
    if authorization.realtime_default_approves:
        reason = f"Approved by the program's default ({why})."
        return _Outcome(decision, authorization.amount, "00", reason)
    reason = f"Declined by the program's default ({why})."
    return _Outcome(decision, 0, DEFAULT_DECLINE_CODE, reason)


def _outcome(authorization: Authorization, answer: ProgramAnswer) -> _Outcome:
    """Read the answer by the contract; anything else is an error."""
    if answer.decision == "timeout":
        return _default(authorization, Decision.TIMEOUT_DEFAULT, "no answer in time")
    if answer.decision == "decline" and answer.response_code in PROGRAM_DECLINE_CODES:
        printable = "".join(char for char in answer.reason if char.isprintable())
        reason = (
            printable[:MAX_REASON_CHARS]
            or (PROGRAM_DECLINE_CODES[answer.response_code])
        )
        return _Outcome(Decision.DECLINED, 0, answer.response_code, reason)
    if answer.decision == "approve":
        amount = authorization.amount if answer.amount is None else answer.amount
        if amount == authorization.amount:
            from cards.services.authorizations import APPROVED_REASON

            return _Outcome(Decision.APPROVED, amount, "00", APPROVED_REASON)
        if 0 < amount < authorization.amount:
            reason = (
                f"Approved for a partial amount: {amount} of {authorization.amount}."
            )
            return _Outcome(Decision.PARTIAL, amount, PARTIAL_APPROVAL_CODE, reason)
    return _default(authorization, Decision.ERROR_DEFAULT, "no valid answer")


@atomic_with_retry
def authorization_decision_finalize(
    *, authorization_id: int, answer: ProgramAnswer
) -> Authorization:
    """Apply the program's answer to a pending authorization (transaction 2).

    Under the credit account's lock: a decline voids the hold and takes the
    counted approval back; a partial approval voids the difference. Once
    final, an authorization is never changed here again: a second call (a
    retry, the sweeper) returns it as it is.
    """
    account_id = (
        Authorization.objects.filter(pk=authorization_id)
        .values_list("account_id", flat=True)
        .get()
    )
    assert account_id is not None
    credit_account_lock(account_id=account_id)
    locked = authorization_lock(authorization_id=authorization_id)
    if locked.status != Authorization.Status.PENDING:
        return locked
    outcome = _outcome(locked, answer)
    hold = locked.hold
    assert hold is not None and locked.card_id is not None
    released = locked.amount - outcome.approved_amount
    if released:
        hold_void(
            hold=hold,
            amount=released,
            idempotency_key=f"program-decision:{locked.public_id}",
        )
    if outcome.approved_amount == 0:
        activity_uncount_approval(
            card_id=locked.card_id,
            account_id=account_id,
            amount=locked.amount,
            at=locked.created_at,
        )
        locked.status = Authorization.Status.DECLINED
    else:
        activity_release(
            card_id=locked.card_id,
            account_id=account_id,
            amount=released,
            at=locked.created_at,
        )
        locked.status = Authorization.Status.APPROVED
    locked.realtime_decision = outcome.decision
    locked.realtime_latency_ms = answer.latency_ms
    locked.response_code = outcome.response_code
    locked.reason = outcome.reason
    if outcome.decision == Decision.PARTIAL:
        locked.approved_amount = outcome.approved_amount
    Authorization.objects.filter(pk=locked.pk).update(
        status=locked.status,
        realtime_decision=locked.realtime_decision,
        realtime_latency_ms=locked.realtime_latency_ms,
        response_code=locked.response_code,
        reason=locked.reason,
        approved_amount=locked.approved_amount,
        reversed_amount=F("reversed_amount")
        + (released if outcome.approved_amount else 0),
    )
    if outcome.approved_amount:
        locked.reversed_amount += released
    _publish_final(locked)
    return locked


def _publish_final(authorization: Authorization) -> None:
    # Imported here: authorizations imports this module for step 1.
    from cards.services.authorizations import authorization_event_payload

    event_publish(
        type=f"authorization.{authorization.status}",
        aggregate_type="authorization",
        aggregate_id=str(authorization.public_id),
        payload=authorization_event_payload(authorization),
    )


def realtime_decisions_resolve_stale(*, now: datetime.datetime | None = None) -> int:
    """Finalize, by their recorded default, authorizations whose program was
    asked longer ago than AUTHORIZATION_DECISION_STALE_SECONDS (the process
    waiting for the answer died); return how many."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(
        seconds=settings.AUTHORIZATION_DECISION_STALE_SECONDS
    )
    stale = list(
        Authorization.objects.filter(
            status=Authorization.Status.PENDING, created_at__lt=cutoff
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:500]
    )
    for authorization_id in stale:
        try:
            authorization = authorization_decision_finalize(
                authorization_id=authorization_id,
                answer=ProgramAnswer(decision="timeout", latency_ms=0),
            )
        except Exception:  # one that cannot finish must not hold up the rest
            logger.exception("authorization %s could not be resolved", authorization_id)
            continue
        logger.warning(
            "authorization %s resolved by its program's default: %s",
            authorization.public_id,
            authorization.status,
        )
    return len(stale)
