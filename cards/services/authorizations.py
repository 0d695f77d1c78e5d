"""The synchronous authorization decision (DESIGN.md §5).

Checks run in this order, each decline with its ISO 8583 response code and
a human reason: card exists (14), not closed (46), not frozen/blocked/
inactive (62), not expired and expiry matches (54), a CVV present where the
product requires one for card-not-present (N7), CVV matches (N7),
spending controls (61 amounts, 57 not permitted), velocity rules (65), no
fraud review on the card (59), available credit (51), then the program's
real-time decision where the card's program registered an endpoint
(`cards.services.realtime_decisions`: asked after the hold commits, with no
transaction open). Every attempt is recorded.

Every control with a limit is decided where the credit limit is: the
daily/monthly windows and velocity rules read the running counters
(`cards.services.activity`) under the credit account's row lock, and an
approval places its ledger hold and counts itself in the same transaction
under the same lock (docs/spending-controls.md).

A wrong expiry date and a wrong CVV are verification failures: they are
counted under the card's row lock, consecutive ones across both kinds, and
the card is blocked (owner: card security) at the threshold. Attempts that
race the block are answered as the card then stands (62), never an error.
"""

import datetime
import enum
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from accounts.lock_objects import LockedCredit, credit_account_lock_with_balance
from accounts.models import CreditAccount, Partner
from accounts.services.credit_accounts import CreditRefusal, credit_hold_try
from cards.lock_objects import card_lock
from cards.models import (
    AccountSpendingControls,
    Authorization,
    Card,
    Channel,
    SpendingControls,
    VelocityRule,
)
from cards.security import cvv_verify, pan_fingerprint
from cards.services.activity import (
    Granularity,
    Scope,
    Window,
    activity_count_approval,
    activity_totals,
    bucket_start,
    calendar_window,
    trailing_window,
)
from cards.services.lifecycle import card_block_for_failures, expiry_is_past
from cards.services.realtime_decisions import (
    ProgramTarget,
    authorization_decision_await,
    program_target_for,
)
from issuer.kernel.db import atomic_with_retry
from issuer.kernel.errors import InvalidInput
from issuer.kernel.fields import (
    COUNTRY,
    CURRENCY,
    CVV,
    EXPIRY,
    MCC,
    MERCHANT_ID,
    is_pan,
    strict_integer,
)
from issuer.kernel.outbox import event_publish

_REQUEST_CODES = (
    ("expiry", EXPIRY),
    ("currency", CURRENCY),
    ("merchant_id", MERCHANT_ID),
    ("mcc", MCC),
    ("merchant_country", COUNTRY),
)
VERIFICATION_FAILURES_BEFORE_BLOCK = 3
CVV_FAILURES_BEFORE_BLOCK = VERIFICATION_FAILURES_BEFORE_BLOCK  # the older name
CARD_NOT_PRESENT_CHANNELS = frozenset({Channel.ECOMMERCE})
VELOCITY_RULES_TTL_SECONDS = 5.0


@dataclass(frozen=True)
class AuthorizationRequest:
    """What the network sends. Lives only in memory: it holds the PAN."""

    pan: str
    expiry: str
    amount: int
    currency: str
    merchant_id: str
    merchant_name: str
    mcc: str
    merchant_country: str
    channel: str
    cvv: str | None = None

    def __post_init__(self) -> None:
        """Refuse codes and amounts not in their one canonical form: a blocked
        MCC must not pass written in other digits (see issuer.kernel.fields)."""
        bad = [
            name
            for name, code in _REQUEST_CODES
            if not code.matches(getattr(self, name))
        ]
        if self.cvv is not None and not CVV.matches(self.cvv):
            bad.append("cvv")
        try:
            strict_integer(self.amount)
        except ValueError:
            bad.append("amount")
        if bad:
            raise InvalidInput(
                "Invalid input: " + ", ".join(bad) + ".",
                fields={name: ["Not in its canonical form."] for name in bad},
            )

    def __repr__(self) -> str:
        return (
            f"AuthorizationRequest(amount={self.amount} {self.currency}, "
            f"merchant={self.merchant_id})"
        )


@dataclass(frozen=True)
class Decline:
    code: str
    reason: str


DECLINES = {
    "unknown_card": Decline("14", "Invalid card number."),
    "closed": Decline("46", "The card is closed."),
    "frozen": Decline("62", "The card is frozen."),
    "blocked": Decline(
        "62", "The card is blocked after repeated CVV or expiry failures."
    ),
    "inactive": Decline("62", "The card has not been activated."),
    "account_not_active": Decline("62", "The credit account is not active."),
    "expired": Decline("54", "The card has expired."),
    "expiry_mismatch": Decline("54", "The expiry date does not match the card."),
    "cvv": Decline("N7", "The CVV does not match."),
    "cvv_missing": Decline("N7", "A CVV is required for card-not-present purchases."),
    "currency": Decline("57", "The card does not transact in this currency."),
    "per_transaction": Decline("61", "Above the card's per-transaction limit."),
    "daily": Decline("61", "Above the daily spending limit (resets 00:00 UTC)."),
    "monthly": Decline("61", "Above the monthly spending limit (resets on the 1st)."),
    "mcc": Decline("57", "Purchases in this merchant category are blocked."),
    "country": Decline("57", "Purchases from this country are blocked."),
    "ecommerce": Decline("57", "Online purchases are turned off for this card."),
    "atm": Decline("57", "ATM withdrawals are turned off for this card."),
    "contactless": Decline("57", "Contactless payments are turned off for this card."),
    "velocity": Decline("65", "Too many transactions in a short time."),
    "fraud_review": Decline("59", "The card is under fraud review."),
    "insufficient_credit": Decline("51", "Not enough available credit."),
}
APPROVED_REASON = "Approved."

_velocity_cache: tuple[float, list[VelocityRule]] = (0.0, [])


def active_velocity_rules() -> list[VelocityRule]:
    """Staff-configured rules, re-read at most every few seconds."""
    global _velocity_cache
    loaded_at, rules = _velocity_cache
    if time.monotonic() - loaded_at > VELOCITY_RULES_TTL_SECONDS:
        rules = list(VelocityRule.objects.filter(is_active=True))
        _velocity_cache = (time.monotonic(), rules)
    return rules


def velocity_rules_forget() -> None:
    global _velocity_cache
    _velocity_cache = (0.0, [])


def _card_for(pan: str) -> Card | None:
    if not is_pan(pan):
        return None
    return (
        Card.objects.select_related(
            "account", "account__receivable", "account__spending_controls", "product"
        )
        .filter(pan_fingerprint=pan_fingerprint(pan=pan))
        .first()
    )


def _status_decline(card: Card) -> Decline | None:
    if card.status == Card.Status.CLOSED:
        return DECLINES["closed"]
    if card.status == Card.Status.FROZEN:
        return DECLINES["frozen"]
    if card.status == Card.Status.BLOCKED:
        return DECLINES["blocked"]
    if card.status == Card.Status.INACTIVE:
        return DECLINES["inactive"]
    if card.account.status != CreditAccount.Status.ACTIVE:
        return DECLINES["account_not_active"]
    return None


class Verification(enum.Enum):
    """What the expiry and CVV checks say about who holds the card."""

    PASSED = "passed"  # the expiry and a CVV matched
    FAILED = "failed"  # a wrong expiry or CVV: counts toward the block
    UNCHECKED = "unchecked"  # no CVV given, or nothing to count


def _verification_decline(
    card: Card, request: AuthorizationRequest, now: datetime.datetime
) -> tuple[Decline | None, Verification]:
    if expiry_is_past(card=card, now=now):
        return DECLINES["expired"], Verification.UNCHECKED
    if request.expiry != card.expiry:
        return DECLINES["expiry_mismatch"], Verification.FAILED
    if request.cvv is None:
        if (
            request.channel in CARD_NOT_PRESENT_CHANNELS
            and card.product.is_cvv_required_card_not_present
        ):
            return DECLINES["cvv_missing"], Verification.UNCHECKED
        return None, Verification.UNCHECKED
    mmyy = request.expiry.replace("/", "")
    if not cvv_verify(pan=request.pan, expiry=mmyy, cvv=request.cvv):
        return DECLINES["cvv"], Verification.FAILED
    return None, Verification.PASSED


def _static_control_decline(
    controls: SpendingControls, request: AuthorizationRequest
) -> Decline | None:
    limit = controls.per_transaction_limit
    if limit is not None and request.amount > limit:
        return DECLINES["per_transaction"]
    if request.mcc in controls.blocked_mccs:
        return DECLINES["mcc"]
    if request.merchant_country in controls.blocked_countries:
        return DECLINES["country"]
    toggles = {
        Channel.ECOMMERCE: ("is_ecommerce_enabled", "ecommerce"),
        Channel.ATM: ("is_atm_enabled", "atm"),
        Channel.CONTACTLESS: ("is_contactless_enabled", "contactless"),
    }
    toggle = toggles.get(request.channel)  # type: ignore[call-overload]
    if toggle and not getattr(controls, toggle[0]):
        return DECLINES[toggle[1]]
    return None


def spending_window_starts(now: datetime.datetime) -> tuple[datetime.datetime, ...]:
    """Start of today and of this month, in UTC (calendar windows)."""
    return (
        bucket_start(now, Granularity.DAY),
        bucket_start(now, Granularity.MONTH),
    )


def _account_controls(account: CreditAccount) -> AccountSpendingControls | None:
    try:
        return account.spending_controls
    except AccountSpendingControls.DoesNotExist:
        return None


def _static_controls_decline(
    card: Card, request: AuthorizationRequest
) -> Decline | None:
    """Controls that need no count: currency, per-transaction amount, MCC,
    country and channel switches, the card's then the account's."""
    if request.currency != card.account.currency:
        return DECLINES["currency"]
    decline = _static_control_decline(card, request)
    account_controls = _account_controls(card.account)
    if decline is None and account_controls is not None:
        decline = _static_control_decline(account_controls, request)
    return decline


def _amount_windows(
    controls: SpendingControls, *, scope: str, owner_id: int, now: datetime.datetime
) -> list[tuple[Window, int, Decline]]:
    windows = []
    for limit, granularity, name in (
        (controls.daily_limit, Granularity.DAY, "daily"),
        (controls.monthly_limit, Granularity.MONTH, "monthly"),
    ):
        if limit is not None:
            window = calendar_window(
                scope=scope, owner_id=owner_id, granularity=granularity, now=now
            )
            windows.append((window, limit, DECLINES[name]))
    return windows


def _counted_controls_decline(
    card: Card, request: AuthorizationRequest, now: datetime.datetime
) -> Decline | None:
    """Daily/monthly amounts (card, then account) and velocity rules, from
    the running counters in one query.

    Call it under the credit account's row lock, in the transaction that
    counts the approval: the counts cannot move until it commits.
    """
    amount_windows = _amount_windows(card, scope=Scope.CARD, owner_id=card.pk, now=now)
    account_controls = _account_controls(card.account)
    if account_controls is not None:
        amount_windows += _amount_windows(
            account_controls, scope=Scope.ACCOUNT, owner_id=card.account_id, now=now
        )
    rules = [
        (
            rule,
            trailing_window(
                scope=Scope.CARD,
                owner_id=card.pk,
                window_seconds=rule.window_seconds,
                now=now,
            ),
        )
        for rule in active_velocity_rules()
    ]
    totals = activity_totals(
        [window for window, _, _ in amount_windows] + [window for _, window in rules]
    )
    for window, limit, decline in amount_windows:
        if totals[window].amount + request.amount > limit:
            return decline
    for rule, window in rules:
        if rule.max_count is not None and totals[window].count + 1 > rule.max_count:
            return DECLINES["velocity"]
        spent = totals[window].amount + request.amount
        if rule.max_amount is not None and spent > rule.max_amount:
            return DECLINES["velocity"]
    return None


def _decision_lock(card: Card) -> LockedCredit:
    """The credit account's row lock, with its balances: every counted control
    and the credit limit are decided under it, and the hold is placed and
    counted before it is released (at commit)."""
    return credit_account_lock_with_balance(account_id=card.account_id)


def authorization_create(
    *, request: AuthorizationRequest, partner: Partner | None
) -> Authorization:
    """Decide, hold when approved, record the attempt and publish it; where
    the card's program decides in real time, ask it once the hold has
    committed and apply its answer. Call it with no transaction open."""
    authorization = authorization_decide(request=request, partner=partner)
    return authorization_decision_await(authorization=authorization)


@atomic_with_retry
def authorization_decide(
    *, request: AuthorizationRequest, partner: Partner | None
) -> Authorization:
    """Decide from local state, hold when approved, record the attempt and
    publish it; one transaction. An approval that its program is still to
    decide is left `pending` (its hold placed and counted), unpublished:
    `authorization_decision_await` finishes it once this has committed."""
    now = timezone.now()
    public_id = uuid.uuid4()
    card = _card_for(request.pan)
    decline: Decline | None = None
    is_failure_count_reset = False
    if card is None:
        decline = DECLINES["unknown_card"]
    else:
        decline = _status_decline(card)
        if decline is None:
            decline, verification = _verification_decline(card, request, now)
            if verification == Verification.FAILED:
                decline = _failure_count(card, decline=decline)
            is_failure_count_reset = bool(
                verification == Verification.PASSED and card.verification_failures
            )
        if decline is None:
            decline = _static_controls_decline(card, request)

    hold = None
    if decline is None and card is not None:
        locked = _decision_lock(card)
        decline = _counted_controls_decline(card, request, now)
        if decline is None and card.is_under_fraud_review:
            decline = DECLINES["fraud_review"]
        if decline is None:
            held = credit_hold_try(
                account=card.account,
                amount=request.amount,
                idempotency_key=f"authorization:{public_id}",
                expires_at=now
                + datetime.timedelta(days=settings.AUTHORIZATION_HOLD_DAYS),
                description=f"{request.merchant_name or request.merchant_id}",
                key_is_new=True,  # public_id was minted above: no look-up needed
                locked=locked,
            )
            if isinstance(held, CreditRefusal):
                decline = DECLINES[held.reason]
            else:
                hold = held
                activity_count_approval(
                    card_id=card.pk,
                    account_id=card.account_id,
                    amount=request.amount,
                    currency=request.currency,
                    at=now,
                )

    if is_failure_count_reset and card is not None:
        # After the account lock, never before it (lock_objects' order: the
        # account, then the card); a card blocked meanwhile keeps its count.
        Card.objects.filter(pk=card.pk, status=Card.Status.ACTIVE).update(
            verification_failures=0
        )
    # The program decides last, outside this transaction (realtime_decisions).
    program = program_target_for(account_id=card.account_id) if hold and card else None
    authorization = Authorization.objects.create(
        public_id=public_id,
        partner=partner,
        card=card,
        account=card.account if card else None,
        amount=request.amount,
        currency=request.currency,
        merchant_id=request.merchant_id,
        merchant_name=request.merchant_name,
        mcc=request.mcc,
        merchant_country=request.merchant_country,
        channel=request.channel,
        status=Authorization.Status.DECLINED
        if decline
        else Authorization.Status.APPROVED,
        response_code=decline.code if decline else "00",
        reason=decline.reason if decline else APPROVED_REASON,
        hold=hold,
        created_at=now,
    )
    if program is not None:
        return _await_program(authorization, program)
    event_publish(
        type=f"authorization.{authorization.status}",
        aggregate_type="authorization",
        aggregate_id=str(authorization.public_id),
        payload=authorization_event_payload(authorization),
    )
    return authorization


def _await_program(
    authorization: Authorization, program: ProgramTarget
) -> Authorization:
    """Leave the approval pending for its program (held and counted, not
    published), with the default the sweeper applies if nobody finishes it."""
    changes = {
        "status": Authorization.Status.PENDING,
        "realtime_decision": Authorization.RealtimeDecision.PENDING,
        "realtime_default_approves": program.default_approves,
    }
    Authorization.objects.filter(pk=authorization.pk).update(**changes)
    for name, value in changes.items():
        setattr(authorization, name, value)
    return authorization


def _failure_count(card: Card, *, decline: Decline | None) -> Decline | None:
    """Count one verification failure under the card's row lock; block the
    card at the threshold. A card no longer active once locked (a parallel
    attempt blocked it, or someone froze it) counts nothing and declines as
    it now stands, so the block comes after exactly the threshold."""
    locked = card_lock(card_id=card.pk)
    locked.account = card.account
    if locked.status != Card.Status.ACTIVE:
        return _status_decline(locked) or decline
    failures = locked.verification_failures + 1
    Card.objects.filter(pk=card.pk).update(
        verification_failures=F("verification_failures") + 1
    )
    if failures >= VERIFICATION_FAILURES_BEFORE_BLOCK:
        locked.verification_failures = failures
        card_block_for_failures(card=locked)
    return decline


def authorization_event_payload(authorization: Authorization) -> dict[str, object]:
    """Ids, amounts and codes only: never card data."""
    return {
        "authorization_id": str(authorization.public_id),
        "card_id": str(authorization.card.public_id) if authorization.card else None,
        "account_id": (
            str(authorization.account.public_id) if authorization.account else None
        ),
        "status": authorization.status,
        "response_code": authorization.response_code,
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
    }
