"""Staff rules: writing them, running them beside the model on live
authorizations, and backtesting them on the history.

A rule reads the same feature vector the model scores (all of
`FEATURE_NAMES`, with the active model's risk encodings). Shadow rules only
record hits, so a new rule can run in shadow first, with its backtest
showing how many past transactions it would have hit, before it acts.
"""

from datetime import date, timedelta
from typing import Any

import numpy as np
from django.db import IntegrityError, transaction

from accounts.models import User
from cards.models import Authorization
from fraud.models import FraudAction, FraudScore, HistoricalTransaction, Rule, RuleHit
from fraud.scoring.features import (
    FEATURE_NAMES,
    RiskEncodings,
    feature_matrix,
    history_features,
    transaction_raw_features,
)
from fraud.scoring.rules import ConditionError, conditions_clean, conditions_mask
from fraud.selectors import (
    HISTORY_LOOKBACK,
    historical_transaction_online_context,
    history_frame,
    model_version_active,
    scoring_model_load,
)
from fraud.services.actions import fraud_action_take
from fraud.services.training import day_start
from issuer.kernel.db_router import reporting_database
from issuer.kernel.errors import InvalidInput

ACTION_KINDS: dict[str, str] = {
    Rule.Action.FLAG: FraudAction.Kind.FLAG,
    Rule.Action.CASE: FraudAction.Kind.OPEN_CASE,
    Rule.Action.FREEZE: FraudAction.Kind.FREEZE_CARD,
    Rule.Action.DECLINE_NEXT: FraudAction.Kind.DECLINE_NEXT,
}
DEFAULT_ENCODINGS = RiskEncodings(prior=0.0)


def rule_conditions_clean(*, conditions: object) -> list[dict[str, Any]]:
    """The conditions, validated; InvalidInput on `conditions` otherwise."""
    try:
        return conditions_clean(conditions)
    except ConditionError as error:
        raise InvalidInput.for_field("conditions", str(error)) from None


def _choice(field: str, value: str, choices: list[str]) -> str:
    if value not in choices:
        raise InvalidInput.for_field(field, f"Choose one of {choices}.")
    return value


def rule_create(
    *,
    name: str,
    conditions: object,
    action: str,
    mode: str = Rule.Mode.SHADOW,
    created_by: User | None = None,
) -> Rule:
    """Create a rule (in shadow unless told otherwise)."""
    name = name.strip()
    if not name:
        raise InvalidInput.for_field("name", "Give the rule a name.")
    rule = Rule(
        name=name,
        conditions=rule_conditions_clean(conditions=conditions),
        action=_choice("action", action, list(Rule.Action.values)),
        mode=_choice("mode", mode, list(Rule.Mode.values)),
        created_by=created_by,
    )
    try:
        with transaction.atomic():
            rule.save()
    except IntegrityError:
        raise InvalidInput.for_field("name", "A rule with this name exists.") from None
    return rule


def rule_update(
    *,
    rule: Rule,
    name: str | None = None,
    conditions: object = None,
    action: str | None = None,
    mode: str | None = None,
) -> Rule:
    """Change a rule's name, conditions, action or mode (None keeps it)."""
    if name is not None:
        rule.name = name.strip()
        if not rule.name:
            raise InvalidInput.for_field("name", "Give the rule a name.")
    if conditions is not None:
        rule.conditions = rule_conditions_clean(conditions=conditions)
    if action is not None:
        rule.action = _choice("action", action, list(Rule.Action.values))
    if mode is not None:
        rule.mode = _choice("mode", mode, list(Rule.Mode.values))
    try:
        with transaction.atomic():
            rule.save()
    except IntegrityError:
        raise InvalidInput.for_field("name", "A rule with this name exists.") from None
    return rule


def _live_features(record: HistoricalTransaction, encodings: RiskEncodings) -> dict:
    context = historical_transaction_online_context(transaction=record)
    raw = transaction_raw_features(
        context.transaction,
        card_history=context.card_history,
        merchant_history=context.merchant_history,
        card_first_seen=context.card_first_seen,
    )
    vector = feature_matrix(raw, encodings, FEATURE_NAMES)[0]
    return dict(zip(FEATURE_NAMES, vector.tolist(), strict=True))


def authorization_rules_apply(
    *,
    authorization: Authorization,
    record: HistoricalTransaction,
    score: FraudScore,
) -> list[RuleHit]:
    """Evaluate every rule on the authorization's features; record each hit
    once; active rules take their action once. Returns the hits recorded now."""
    rules = list(Rule.objects.all())
    if not rules:
        return []
    encodings = scoring_model_load(version=score.model_version).encodings
    features = _live_features(record, encodings)
    done = set(
        RuleHit.objects.filter(authorization=authorization).values_list(
            "rule_id", flat=True
        )
    )
    matrix = np.array([[features[name] for name in FEATURE_NAMES]])
    hits = []
    for rule in rules:
        if rule.pk in done or not conditions_mask(rule.conditions, matrix)[0]:
            continue
        is_shadow = rule.mode == Rule.Mode.SHADOW
        try:
            with transaction.atomic():
                hit = RuleHit.objects.create(
                    authorization=authorization,
                    rule=rule,
                    is_shadow=is_shadow,
                    features={
                        c["feature"]: round(features[c["feature"]], 6)
                        for c in rule.conditions
                    },
                )
        except IntegrityError:
            continue  # a concurrent delivery recorded it first
        hits.append(hit)
        if not is_shadow:
            fraud_action_take(score=score, kind=ACTION_KINDS[rule.action], rule=rule)
    return hits


def rule_backtest(*, rule: Rule, date_from: date, date_to: date) -> int:
    """How many history transactions of [date_from, date_to] the rule would
    have hit, on the offline feature path (point in time, as training)."""
    if date_from > date_to:
        raise InvalidInput.for_field("date_from", "must not be after date_to")
    conditions = rule_conditions_clean(conditions=rule.conditions)
    version = model_version_active()
    encodings = (
        scoring_model_load(version=version).encodings if version else DEFAULT_ENCODINGS
    )
    start = day_start(date_from)
    end = day_start(date_to + timedelta(days=1))
    history = history_frame(
        start=start - HISTORY_LOOKBACK, end=end, using=reporting_database()
    )
    if history.empty:
        return 0
    matrix, order = history_features(history, encodings, FEATURE_NAMES)
    timestamps = history["timestamp"].to_numpy(dtype="datetime64[us]")[order]
    wanted = (timestamps >= np.datetime64(start.replace(tzinfo=None), "us")) & (
        timestamps < np.datetime64(end.replace(tzinfo=None), "us")
    )
    return int(np.count_nonzero(conditions_mask(conditions, matrix) & wanted))
