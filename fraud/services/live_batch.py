"""Scoring many live authorizations at once, on the offline feature path.

The same result as `authorization_score` for each one (history copy, one
score per version, tier actions and rules once), with a handful of queries
per batch instead of several per authorization: the batch's history rows are
inserted in one statement, the history of its cards and merchants is read
once as a frame, features and scores are computed as matrices, and scores
and rule hits are inserted in bulk (duplicates ignored). Explanations are
computed for scores above Low only: nobody reads a Low one.
"""

from collections.abc import Sequence
from datetime import timedelta

import numpy as np
from django.db import transaction

from cards.models import Authorization
from fraud.models import FraudScore, HistoricalTransaction, ModelVersion, Rule, RuleHit
from fraud.scoring.features import (
    FEATURE_NAMES,
    RiskEncodings,
    feature_matrix,
    history_raw_features,
)
from fraud.scoring.model import LOW
from fraud.scoring.rules import conditions_mask
from fraud.selectors import (
    HISTORY_LOOKBACK,
    history_frame,
    model_versions_scoring,
    scoring_model_load,
)
from fraud.services.actions import fraud_action_take, tier_actions_apply
from fraud.services.live import UNKNOWN_CARD, live_transaction_id
from fraud.services.rules import ACTION_KINDS

_ONE_MICROSECOND = timedelta(microseconds=1)


def _history_row(authorization: Authorization) -> HistoricalTransaction:
    return HistoricalTransaction(
        transaction_id=live_transaction_id(authorization),
        timestamp=authorization.created_at,
        card_ref=str(authorization.card.public_id)
        if authorization.card
        else UNKNOWN_CARD,
        merchant_ref=authorization.merchant_id,
        amount_minor=authorization.amount,
        currency=authorization.currency,
        mcc=authorization.mcc,
        merchant_country=authorization.merchant_country.upper(),
        channel=authorization.channel.lower(),
        cvv_failed=authorization.response_code == "N7",
        declined=authorization.status == Authorization.Status.DECLINED,
        source=HistoricalTransaction.Source.LIVE,
    )


def authorizations_score_batch(*, authorization_ids: Sequence[int]) -> int:
    """Score the authorizations with every active and shadow version, once
    each; return how many scores were stored now."""
    versions = list(model_versions_scoring())
    authorizations = list(
        Authorization.objects.select_related("card").filter(pk__in=authorization_ids)
    )
    if not versions or not authorizations:
        return 0
    rows = [_history_row(authorization) for authorization in authorizations]
    HistoricalTransaction.objects.bulk_create(rows, ignore_conflicts=True)
    start = min(row.timestamp for row in rows)
    end = max(row.timestamp for row in rows) + _ONE_MICROSECOND
    history = history_frame(
        start=start - HISTORY_LOOKBACK,
        end=end,
        card_refs={row.card_ref for row in rows},
        merchant_refs={row.merchant_ref for row in rows},
    )
    raw, order = history_raw_features(history)
    position = {
        tid: index
        for index, tid in enumerate(history["transaction_id"].to_numpy()[order])
    }
    by_id = {live_transaction_id(a): a for a in authorizations}
    wanted = np.array([position[tid] for tid in by_id])
    stored = 0
    for version in versions:
        stored += _score_version(version, list(by_id.values()), raw, wanted)
    return stored


def _score_version(
    version: ModelVersion,
    authorizations: list[Authorization],
    raw: dict,
    wanted: np.ndarray,
) -> int:
    model = scoring_model_load(version=version)
    selected = {name: values[wanted] for name, values in raw.items()}
    features = feature_matrix(selected, model.encodings, model.feature_names)
    scores = np.clip(model.score_matrix(features), 0.0, 1.0)
    thresholds = version.tier_thresholds or None
    is_shadow = version.status == ModelVersion.Status.SHADOW
    new = []
    for index, authorization in enumerate(authorizations):
        value = float(scores[index])
        tier = model.tier(value, thresholds)
        explanation = []
        if tier != LOW:
            explanation = [
                {
                    "feature": c.feature,
                    "value": round(float(c.value), 6),
                    "contribution": round(float(c.contribution), 6),
                }
                for c in model.explain_vector(features[index])
            ]
        new.append(
            FraudScore(
                authorization=authorization,
                model_version=version,
                score=value,
                tier=tier,
                explanation=explanation,
                is_shadow=is_shadow,
            )
        )
    before = FraudScore.objects.filter(
        model_version=version, authorization__in=authorizations
    ).count()
    FraudScore.objects.bulk_create(new, ignore_conflicts=True)
    if is_shadow:
        return len(authorizations) - before
    acting = FraudScore.objects.select_related(
        "authorization__card", "model_version"
    ).filter(model_version=version, authorization__in=authorizations)
    scored = {row.authorization_id: row for row in acting}
    for row in scored.values():
        if row.tier != LOW:
            tier_actions_apply(score=row)
    _rules_apply(model.encodings, selected, authorizations, scored)
    return len(authorizations) - before


def _rules_apply(
    encodings: RiskEncodings,
    selected: dict,
    authorizations: list[Authorization],
    scored: dict[int, FraudScore],
) -> None:
    rules = list(Rule.objects.all())
    if not rules:
        return
    matrix = feature_matrix(selected, encodings, FEATURE_NAMES)
    for rule in rules:
        hits = np.flatnonzero(conditions_mask(rule.conditions, matrix))
        if not len(hits):
            continue
        is_shadow = rule.mode == Rule.Mode.SHADOW
        already = set(
            RuleHit.objects.filter(
                rule=rule, authorization__in=[authorizations[i] for i in hits]
            ).values_list("authorization_id", flat=True)
        )
        fresh = [i for i in hits if authorizations[i].pk not in already]
        with transaction.atomic():
            RuleHit.objects.bulk_create(
                [
                    RuleHit(
                        authorization=authorizations[i],
                        rule=rule,
                        is_shadow=is_shadow,
                        features={
                            c["feature"]: round(
                                float(matrix[i, FEATURE_NAMES.index(c["feature"])]), 6
                            )
                            for c in rule.conditions
                        },
                    )
                    for i in fresh
                ],
                ignore_conflicts=True,
            )
        if is_shadow:
            continue
        for i in fresh:
            score = scored.get(authorizations[i].pk)
            if score is not None:
                fraud_action_take(
                    score=score, kind=ACTION_KINDS[rule.action], rule=rule
                )
