"""The synchronous authorization decision (DESIGN.md §5).

Checks run in this order, each decline with its ISO 8583 response code and
a human reason: card exists (14), not closed (46), not frozen/blocked/
inactive (62), not expired and expiry matches (54), CVV matches (N7),
spending controls (61 amounts, 57 not permitted), velocity rules (65), no
fraud review on the card (59), available credit (51). Approve places a
ledger hold under the credit account's row lock. Every attempt is recorded.
"""

import datetime
import time
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Aggregate, Count, F, Q, Sum
from django.utils import timezone

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
from cards.services.lifecycle import card_block_for_cvv, expiry_is_past
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
CVV_FAILURES_BEFORE_BLOCK = 3
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
    "blocked": Decline("62", "The card is blocked after repeated CVV failures."),
    "inactive": Decline("62", "The card has not been activated."),
    "account_not_active": Decline("62", "The credit account is not active."),
    "expired": Decline("54", "The card has expired."),
    "expiry_mismatch": Decline("54", "The expiry date does not match the card."),
    "cvv": Decline("N7", "The CVV does not match."),
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
            "account", "account__receivable", "account__spending_controls"
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


def _expiry_decline(card: Card, expiry: str, now: datetime.datetime) -> Decline | None:
    if expiry_is_past(card=card, now=now):
        return DECLINES["expired"]
    if expiry != card.expiry:
        return DECLINES["expiry_mismatch"]
    return None


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
    day = now.astimezone(datetime.UTC).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    return day, day.replace(day=1)


def _window_decline(
    *,
    scope: Q,
    controls: SpendingControls,
    rules: list[VelocityRule],
    amount: int,
    now: datetime.datetime,
) -> Decline | None:
    """Daily/monthly amounts and velocity rules, from one aggregate query."""
    if not controls.has_amount_windows and not rules:
        return None
    day_start, month_start = spending_window_starts(now)
    net = F("amount") - F("reversed_amount")
    aggregates: dict[str, Aggregate] = {
        "day": Sum(net, filter=Q(created_at__gte=day_start)),
        "month": Sum(net, filter=Q(created_at__gte=month_start)),
    }
    starts = [month_start]
    for rule in rules:
        since = now - datetime.timedelta(seconds=rule.window_seconds)
        starts.append(since)
        aggregates[f"count_{rule.pk}"] = Count("pk", filter=Q(created_at__gte=since))
        aggregates[f"amount_{rule.pk}"] = Sum(net, filter=Q(created_at__gte=since))
    totals = Authorization.objects.filter(
        scope, status=Authorization.Status.APPROVED, created_at__gte=min(starts)
    ).aggregate(**aggregates)
    if controls.daily_limit is not None and (totals["day"] or 0) + amount > (
        controls.daily_limit
    ):
        return DECLINES["daily"]
    if controls.monthly_limit is not None and (totals["month"] or 0) + amount > (
        controls.monthly_limit
    ):
        return DECLINES["monthly"]
    for rule in rules:
        if (
            rule.max_count is not None
            and totals[f"count_{rule.pk}"] + 1 > rule.max_count
        ):
            return DECLINES["velocity"]
        spent = (totals[f"amount_{rule.pk}"] or 0) + amount
        if rule.max_amount is not None and spent > rule.max_amount:
            return DECLINES["velocity"]
    return None


def _account_controls(account: CreditAccount) -> AccountSpendingControls | None:
    try:
        return account.spending_controls
    except AccountSpendingControls.DoesNotExist:
        return None


def _controls_decline(
    card: Card, request: AuthorizationRequest, now: datetime.datetime
) -> Decline | None:
    if request.currency != card.account.currency:
        return DECLINES["currency"]
    decline = _static_control_decline(card, request)
    if decline:
        return decline
    rules = active_velocity_rules()
    decline = _window_decline(
        scope=Q(card=card), controls=card, rules=rules, amount=request.amount, now=now
    )
    if decline:
        return decline
    account_controls = _account_controls(card.account)
    if account_controls is not None:
        decline = _static_control_decline(account_controls, request) or _window_decline(
            scope=Q(account=card.account),
            controls=account_controls,
            rules=[],
            amount=request.amount,
            now=now,
        )
    return decline


@atomic_with_retry
def authorization_create(
    *, request: AuthorizationRequest, partner: Partner | None
) -> Authorization:
    """Decide, hold when approved, record the attempt and publish it."""
    now = timezone.now()
    public_id = uuid.uuid4()
    card = _card_for(request.pan)
    decline: Decline | None = None
    cvv_failed = False
    if card is None:
        decline = DECLINES["unknown_card"]
    else:
        decline = _status_decline(card) or _expiry_decline(card, request.expiry, now)
        if decline is None and request.cvv is not None:
            mmyy = request.expiry.replace("/", "")
            if not cvv_verify(pan=request.pan, expiry=mmyy, cvv=request.cvv):
                decline, cvv_failed = DECLINES["cvv"], True
        if decline is None:
            decline = _controls_decline(card, request, now)
        if decline is None and card.is_under_fraud_review:
            decline = DECLINES["fraud_review"]
        _count_cvv_result(card, failed=cvv_failed, checked=request.cvv is not None)

    hold = None
    if decline is None and card is not None:
        held = credit_hold_try(
            account=card.account,
            amount=request.amount,
            idempotency_key=f"authorization:{public_id}",
            expires_at=now + datetime.timedelta(days=settings.AUTHORIZATION_HOLD_DAYS),
            description=f"{request.merchant_name or request.merchant_id}",
            key_is_new=True,  # public_id was minted above: no look-up needed
        )
        if isinstance(held, CreditRefusal):
            decline = DECLINES[held.reason]
        else:
            hold = held

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
    event_publish(
        type=f"authorization.{authorization.status}",
        aggregate_type="authorization",
        aggregate_id=str(authorization.public_id),
        payload=authorization_event_payload(authorization),
    )
    return authorization


def _count_cvv_result(card: Card, *, failed: bool, checked: bool) -> None:
    """Count consecutive CVV failures; block the card at the third."""
    if failed:
        Card.objects.filter(pk=card.pk).update(cvv_failures=F("cvv_failures") + 1)
        locked = card_lock(card_id=card.pk)
        if locked.cvv_failures >= CVV_FAILURES_BEFORE_BLOCK:
            locked.account = card.account
            card_block_for_cvv(card=locked)
    elif checked and card.cvv_failures:
        Card.objects.filter(pk=card.pk).update(cvv_failures=0)


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
